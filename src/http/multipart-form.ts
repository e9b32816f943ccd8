// Reads a multipart/form-data request (a form with file uploads) through busboy, with every limit enforced while
// the body streams in: a request declaring more than the total is refused before a byte is read, a file is cut
// at its size limit (and reported as truncated), the number of files, fields and field sizes are capped. Only
// the bytes up to each file's limit are ever held in memory.
import busboy from 'busboy';
import type { Context } from 'koa';

export interface UploadedFile {
  field: string;
  /** What the browser called the file; only fit for a display label (see identity-documents.ts). */
  filename: string;
  bytes: Buffer;
  /** The file was larger than the limit: `bytes` holds only its start. */
  truncated: boolean;
}

export interface MultipartLimits {
  fileBytes: number;
  files: number;
  fields?: number;
  fieldBytes?: number;
}

export type MultipartResult =
  | { ok: true; fields: Record<string, string>; files: UploadedFile[] }
  | { ok: false; problem: 'upload_too_large' | 'upload_too_many' | 'bad_request' };

/** Room for the form's text fields and the multipart framing on top of the files themselves. */
const overheadBytes = 256 * 1024;

export function readMultipart(ctx: Context, limits: MultipartLimits): Promise<MultipartResult> {
  const totalBytes = limits.fileBytes * limits.files + overheadBytes;
  if (!ctx.is('multipart/form-data')) return Promise.resolve({ ok: false, problem: 'bad_request' });
  if (Number(ctx.get('content-length') || 0) > totalBytes) return Promise.resolve({ ok: false, problem: 'upload_too_large' });

  return new Promise((resolve) => {
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    const files: UploadedFile[] = [];
    let tooMany = false;
    let received = 0;
    let settled = false;
    const settle = (result: MultipartResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: ctx.req.headers,
        // Browsers send a file name as raw UTF-8 bytes; busboy's default (latin1) turned "身份证.jpg" into mojibake.
        defParamCharset: 'utf8',
        limits: { fileSize: limits.fileBytes, files: limits.files, fields: limits.fields ?? 40, fieldSize: limits.fieldBytes ?? 8192, parts: (limits.fields ?? 40) + limits.files },
      });
    } catch {
      return settle({ ok: false, problem: 'bad_request' });
    }
    parser.on('field', (name, value) => {
      // A repeated field (checkboxes) keeps every value, comma-joined.
      fields[name] = name in fields ? `${fields[name]},${value}` : value;
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      let truncated = false;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        truncated = true;
      });
      // 'end', not 'close': busboy finishes the form right after the last file's 'end'.
      stream.on('end', () => {
        const bytes = Buffer.concat(chunks);
        // An <input type="file"> left empty still sends a part with no name and no bytes: not an upload.
        if (info.filename || bytes.length) files.push({ field, filename: info.filename ?? '', bytes, truncated });
      });
    });
    parser.on('filesLimit', () => {
      tooMany = true;
    });
    parser.on('error', () => settle({ ok: false, problem: 'bad_request' }));
    parser.on('close', () => settle(tooMany ? { ok: false, problem: 'upload_too_many' } : { ok: true, fields, files }));

    // A body without a declared length (chunked) is counted as it arrives and cut off past the total.
    ctx.req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > totalBytes && !settled) {
        ctx.req.unpipe(parser);
        ctx.set('Connection', 'close');
        settle({ ok: false, problem: 'upload_too_large' });
      }
    });
    ctx.req.on('error', () => settle({ ok: false, problem: 'bad_request' }));
    ctx.req.pipe(parser);
  });
}
