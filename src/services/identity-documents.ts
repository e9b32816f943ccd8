// Proof-of-identity uploads for appeals: the type is read from the content's magic bytes (JPEG, PNG, WebP, PDF),
// never from the file name or the browser's Content-Type; the size is capped; the file name is only ever a short
// display label with any path removed. What passes is kept as an opaque blob (base64 in the database).
import { createHash } from 'node:crypto';

export const documentMediaTypes = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'] as const;
export type DocumentMediaType = (typeof documentMediaTypes)[number];

export type DocumentProblem = 'upload_empty' | 'upload_too_large' | 'upload_wrong_type';

export interface CheckedDocument {
  mediaType: DocumentMediaType;
  bytes: Buffer;
  sha256: string;
}

export type DocumentCheck = { ok: true; document: CheckedDocument } | { ok: false; problem: DocumentProblem };

const startsWith = (bytes: Buffer, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte);
const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** The media type the content itself announces, or undefined for anything we do not accept. */
export function sniffMediaType(bytes: Buffer): DocumentMediaType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(bytes, ascii('%PDF-'))) return 'application/pdf';
  return undefined;
}

/** Checks one upload; `truncated` means the stream was cut at the limit (it was larger than allowed). */
export function checkDocument(bytes: Buffer, options: { maxBytes: number; truncated?: boolean }): DocumentCheck {
  if (options.truncated || bytes.length > options.maxBytes) return { ok: false, problem: 'upload_too_large' };
  if (bytes.length === 0) return { ok: false, problem: 'upload_empty' };
  const mediaType = sniffMediaType(bytes);
  if (!mediaType) return { ok: false, problem: 'upload_wrong_type' };
  return { ok: true, document: { mediaType, bytes, sha256: createHash('sha256').update(bytes).digest('hex') } };
}

/**
 * A short label for messages ("photo.jpg is too large"): the last path segment of whatever the browser sent,
 * without control or bidi characters, at most 80 characters. Never used to name, find or type anything.
 */
export function displayLabel(filename: string | undefined): string {
  const base = (filename ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  const label = clean === '.' || clean === '..' ? '' : clean;
  return label.length > 80 ? `${label.slice(0, 77)}…` : label;
}

/** Whether a reviewer's browser may show it inline (images); anything else is only downloaded. */
export const showsInline = (mediaType: string) => mediaType.startsWith('image/');

/** The extension a download gets, from the sniffed type. */
export const extensionOf = (mediaType: string) =>
  ({ 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'application/pdf': 'pdf' })[mediaType] ?? 'bin';
