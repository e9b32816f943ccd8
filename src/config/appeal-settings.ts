// Lost-phone appeals (issue #8): how long identity documents are kept after a decision, and the upload limits.
import type { SettingReader } from './setting-reader.ts';

export interface AppealsConfig {
  /** Days after a decision before the appeal's identity documents are deleted (APPEAL_DOCUMENT_RETENTION_DAYS). */
  documentRetentionDays: number;
  /** Largest accepted document, in bytes (APPEAL_DOCUMENT_MAX_BYTES); checked while the upload streams in. */
  documentMaxBytes: number;
  /** Documents one appeal may carry (APPEAL_DOCUMENTS_MAX). */
  documentsMax: number;
  /** Appeals started without signing in (/appeal: each may mail a code) per IP address in startWindowSeconds (APPEAL_LIMIT_PER_IP). */
  startsPerIp: number;
  /** APPEAL_LIMIT_WINDOW, seconds. */
  startWindowSeconds: number;
}

export function appealSettings(settings: SettingReader): AppealsConfig {
  const { integer } = settings;
  return {
    documentRetentionDays: integer('APPEAL_DOCUMENT_RETENTION_DAYS', 30, 1, 3650),
    documentMaxBytes: integer('APPEAL_DOCUMENT_MAX_BYTES', 5 * 1024 * 1024, 64 * 1024, 20 * 1024 * 1024),
    documentsMax: integer('APPEAL_DOCUMENTS_MAX', 3, 1, 10),
    startsPerIp: integer('APPEAL_LIMIT_PER_IP', 30, 1, 1_000_000),
    startWindowSeconds: integer('APPEAL_LIMIT_WINDOW', 3600, 60, 86_400),
  };
}
