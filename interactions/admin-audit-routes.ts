// /admin/audit (an AdminPageExtension, administrators only): the audit trail with filters (event type or type
// prefix, a person by login ID, a date range in UTC), 50 rows a page, and /admin/audit.csv with the same filters.
import type { Context } from 'koa';
import type { AuditFilter, AuditLog } from '../src/services/audit-log.ts';
import { auditCsv } from '../src/services/audit-csv.ts';
import type { StaffRole } from '../src/services/staff-roles.ts';
import type { AdminPageExtension } from './admin-routes.ts';
import { messages } from './i18n/index.ts';
import { localeOf } from './render.ts';
import { renderAuditTrail, type AuditFilterError, type AuditFilterInput } from './views/admin-audit.ts';

const admins: readonly StaffRole[] = ['admin'];
const pageSize = 50;
const pageMax = 10_000;
export const auditExportLimit = 10_000;
const dayMs = 86_400_000;
// Control characters dropped: a NUL would reach the store (a login ID lookup) and fail there.
const text = (value: unknown): string => (typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 64) : '');

function parseDay(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const day = new Date(`${value}T00:00:00.000Z`);
  // Years 1970–9998 only: "9999-12-31" + one day (the inclusive "to") is a year the store cannot take.
  const year = day.getUTCFullYear();
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value || year < 1970 || year > 9998 ? undefined : day;
}

export interface AuditPageDependencies {
  audit: Pick<AuditLog, 'search'>;
  idOf(username: string): Promise<string | undefined>;
  usernamesOf(ids: readonly string[]): Promise<Map<string, string>>;
}

export function adminAuditPages(deps: AuditPageDependencies): AdminPageExtension {
  /** The filter from the query string, with every problem found (then nothing is searched). */
  const readFilter = async (ctx: Context): Promise<{ input: AuditFilterInput; filter: AuditFilter; errors: AuditFilterError[] }> => {
    const input = { type: text(ctx.query.type), user: text(ctx.query.user), from: text(ctx.query.from), to: text(ctx.query.to) };
    const errors: AuditFilterError[] = [];
    const filter: AuditFilter = {};
    if (input.type) {
      if (/^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$/.test(input.type)) filter.type = input.type;
      else errors.push('badType');
    }
    if (input.user) {
      filter.userId = await deps.idOf(input.user);
      if (!filter.userId) errors.push('unknownUser');
    }
    const from = input.from ? parseDay(input.from) : undefined;
    const to = input.to ? parseDay(input.to) : undefined;
    if ((input.from && !from) || (input.to && !to)) errors.push('badDate');
    if (from) filter.from = from;
    // "To" is inclusive: the whole day.
    if (to) filter.to = new Date(to.getTime() + dayMs);
    return { input, filter, errors };
  };

  const withLoginIds = async <T extends { userId: string | null }>(rows: T[]) => {
    const names = await deps.usernamesOf(rows.flatMap((row) => (row.userId ? [row.userId] : [])));
    return rows.map((row) => ({ ...row, loginId: row.userId ? names.get(row.userId) : undefined }));
  };

  return (router, kit) => {
    kit.addNav({ path: '/admin/audit', label: { en: messages('en').admin.nav.audit, 'zh-CN': messages('zh-CN').admin.nav.audit }, roles: admins });

    router.get('/audit', async (ctx) => {
      const staff = await kit.requireStaff(ctx, '/admin/audit', admins);
      if (!staff) return;
      const { input, filter, errors } = await readFilter(ctx);
      const page = Math.min(Math.max(Number.parseInt(text(ctx.query.page), 10) || 1, 1), pageMax);
      const result = errors.length ? { events: [], more: false } : await deps.audit.search(filter, { offset: (page - 1) * pageSize, limit: pageSize });
      const locale = localeOf(ctx);
      kit.render(ctx, staff, {
        status: errors.length ? 400 : 200,
        title: messages(locale).admin.audit.title,
        body: renderAuditTrail(locale, { filter: input, errors, rows: await withLoginIds(result.events), page, more: result.more, exportLimit: auditExportLimit }),
      });
    });

    router.get('/audit.csv', async (ctx) => {
      const staff = await kit.requireStaff(ctx, '/admin/audit', admins);
      if (!staff) return;
      const { input, filter, errors } = await readFilter(ctx);
      if (errors.length) {
        const locale = localeOf(ctx);
        kit.render(ctx, staff, { status: 400, title: messages(locale).admin.audit.title, body: renderAuditTrail(locale, { filter: input, errors, rows: [], page: 1, more: false, exportLimit: auditExportLimit }) });
        return;
      }
      const { events } = await deps.audit.search(filter, { offset: 0, limit: auditExportLimit });
      ctx.state.logger.info({ event: 'admin.audit_exported', accountId: staff.user.id, rows: events.length }, 'audit trail exported');
      ctx.set('Content-Disposition', `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`);
      ctx.type = 'text/csv; charset=utf-8';
      ctx.body = auditCsv(await withLoginIds(events));
    });
  };
}
