// The audit trail as CSV (RFC 4180: quoted when needed, "" inside quotes, CRLF rows, UTF-8 with a BOM so
// spreadsheet programs read Chinese). A cell starting with = + - @ (or a tab or carriage return) is prefixed
// with ' so a spreadsheet never runs it as a formula (CSV injection).
export interface AuditCsvRow {
  createdAt: Date;
  type: string;
  userId: string | null;
  loginId?: string;
  ip: string | null;
  userAgent: string | null;
  detail: unknown;
}

export const auditCsvColumns = ['time', 'type', 'login_id', 'user_id', 'ip', 'reason', 'actor', 'target', 'detail', 'user_agent'] as const;

export function csvCell(raw: string): string {
  const value = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const detailField = (detail: unknown, name: string): string => {
  if (!detail || typeof detail !== 'object') return '';
  const value = (detail as Record<string, unknown>)[name];
  return value === undefined || value === null ? '' : String(value);
};

/** The rest of `detail` (without reason, actor, target) as compact JSON. */
const otherDetail = (detail: unknown): string => {
  if (!detail || typeof detail !== 'object') return '';
  const { reason: _reason, actor: _actor, target: _target, ...rest } = detail as Record<string, unknown>;
  return Object.keys(rest).length ? JSON.stringify(rest) : '';
};

export function auditCsv(rows: readonly AuditCsvRow[]): string {
  const lines = rows.map((row) =>
    [
      row.createdAt.toISOString(),
      row.type,
      row.loginId ?? '',
      row.userId ?? '',
      row.ip ?? '',
      detailField(row.detail, 'reason'),
      detailField(row.detail, 'actor'),
      detailField(row.detail, 'target'),
      otherDetail(row.detail),
      row.userAgent ?? '',
    ]
      .map(csvCell)
      .join(','),
  );
  return `\uFEFF${[auditCsvColumns.join(','), ...lines].join('\r\n')}\r\n`;
}
