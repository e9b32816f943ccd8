// Reads the appeal form (multipart/form-data) for both ways in (signed in, forgot password): the upload limits
// while it streams, each file's type from its content, the text fields; what the person typed comes back for the
// re-rendered form, never the files. The CSRF token is in the form, so callers check it on `raw` first.
import type { Context } from 'koa';
import { readMultipart } from '../src/http/multipart-form.ts';
import { checkDocument, displayLabel, type CheckedDocument } from '../src/services/identity-documents.ts';
import { checkAppealFields, type AppealFields, type FieldProblem } from '../src/services/appeals.ts';
import type { AppealFormValues, AppealPageError, UploadLimits } from './views/appeals.ts';

export interface AppealFormRead {
  raw: Record<string, string>;
  values: AppealFormValues;
  /** Set when the text fields are all right. */
  fields?: AppealFields;
  problems: FieldProblem[];
  documents: CheckedDocument[];
  /** An upload refused (too large, wrong type, empty, too many), or the form could not be read. */
  error?: AppealPageError;
  /** The whole body was refused (over the limits, or not a form): `raw` is empty, the CSRF token unknown. */
  unread?: boolean;
}

export async function readAppealForm(ctx: Context, limits: UploadLimits): Promise<AppealFormRead> {
  const read = await readMultipart(ctx, { fileBytes: limits.maxBytes, files: limits.maxFiles });
  if (!read.ok) return { raw: {}, values: {}, problems: [], documents: [], error: { code: read.problem }, unread: true };
  const raw = read.fields;
  const values: AppealFormValues = {
    reason: raw.reason?.slice(0, 32),
    reason_text: raw.reason_text?.slice(0, 500),
    unbind_roles: (raw.unbind_roles ?? '').split(','),
    organisation: raw.organisation?.slice(0, 100),
    contact_phone: raw.contact_phone?.slice(0, 32),
  };
  const documents: CheckedDocument[] = [];
  let error: AppealPageError | undefined;
  for (const file of read.files) {
    if (file.field !== 'documents') continue;
    const checked = checkDocument(file.bytes, { maxBytes: limits.maxBytes, truncated: file.truncated });
    if (!checked.ok) {
      error ??= { code: checked.problem, name: displayLabel(file.filename) };
      continue;
    }
    documents.push(checked.document);
  }
  const fields = checkAppealFields(raw);
  return { raw, values, fields: fields.ok ? fields.fields : undefined, problems: fields.ok ? [] : fields.problems, documents: error ? [] : documents, error };
}
