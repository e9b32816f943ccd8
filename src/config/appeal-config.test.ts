// Appeal settings: document retention and upload limits have sane defaults, and a bad value fails at boot naming
// the variable. Beside them, the content sniffing of uploads and the display label of a file name.
import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';
import { checkDocument, displayLabel, sniffMediaType } from '../services/identity-documents.ts';

describe('appeal settings', () => {
  it('defaults to 30 days of retention, 5 MB per document, 3 documents and 30 appeals started per IP an hour', () => {
    expect(loadConfig({}).appeals).toEqual({ documentRetentionDays: 30, documentMaxBytes: 5 * 1024 * 1024, documentsMax: 3, startsPerIp: 30, startWindowSeconds: 3600 });
  });

  it('reads the settings', () => {
    expect(loadConfig({ APPEAL_DOCUMENT_RETENTION_DAYS: '7', APPEAL_DOCUMENT_MAX_BYTES: '1048576', APPEAL_DOCUMENTS_MAX: '1', APPEAL_LIMIT_PER_IP: '5', APPEAL_LIMIT_WINDOW: '600' }).appeals)
      .toEqual({ documentRetentionDays: 7, documentMaxBytes: 1_048_576, documentsMax: 1, startsPerIp: 5, startWindowSeconds: 600 });
  });

  it('names each bad variable', () => {
    expect(() => loadConfig({ APPEAL_DOCUMENT_RETENTION_DAYS: '0' })).toThrow(/APPEAL_DOCUMENT_RETENTION_DAYS must be a whole number from 1 to 3650 \(got "0"\)/);
    expect(() => loadConfig({ APPEAL_DOCUMENT_MAX_BYTES: '5MB' })).toThrow(/APPEAL_DOCUMENT_MAX_BYTES must be a whole number/);
    expect(() => loadConfig({ APPEAL_DOCUMENTS_MAX: '50' })).toThrow(/APPEAL_DOCUMENTS_MAX must be a whole number from 1 to 10/);
    expect(() => loadConfig({ APPEAL_LIMIT_PER_IP: '0' })).toThrow(/APPEAL_LIMIT_PER_IP must be a whole number/);
  });
});

describe('identity documents', () => {
  it('takes the type from the content only', () => {
    expect(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xdb, 1, 2]))).toBe('image/jpeg');
    expect(sniffMediaType(Buffer.from('\x89PNG\r\n\x1a\n....', 'latin1'))).toBe('image/png');
    expect(sniffMediaType(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'))).toBe('image/webp');
    expect(sniffMediaType(Buffer.from('%PDF-1.4\n'))).toBe('application/pdf');
    expect(sniffMediaType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBeUndefined();
    expect(sniffMediaType(Buffer.from('GIF89a'))).toBeUndefined();
    expect(sniffMediaType(Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1'))).toBeUndefined();
  });

  it('refuses empty, truncated, oversized and unknown content', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]);
    expect(checkDocument(Buffer.alloc(0), { maxBytes: 10 })).toEqual({ ok: false, problem: 'upload_empty' });
    expect(checkDocument(jpeg, { maxBytes: 10, truncated: true })).toEqual({ ok: false, problem: 'upload_too_large' });
    expect(checkDocument(jpeg, { maxBytes: 5 })).toEqual({ ok: false, problem: 'upload_too_large' });
    expect(checkDocument(Buffer.from('MZ\x90\0'), { maxBytes: 10 })).toEqual({ ok: false, problem: 'upload_wrong_type' });
    const ok = checkDocument(jpeg, { maxBytes: 10 });
    expect(ok.ok && ok.document.mediaType).toBe('image/jpeg');
  });

  it('makes a display label of the last path segment only, without control characters', () => {
    expect(displayLabel('../../etc/passwd')).toBe('passwd');
    expect(displayLabel('C:\\Users\\me\\Desktop\\card.jpg')).toBe('card.jpg');
    expect(displayLabel('..')).toBe('');
    expect(displayLabel('evil\u202Egpj.exe')).toBe('evilgpj.exe');
    expect(displayLabel('a\nb\u0000c.png')).toBe('abc.png');
    expect(displayLabel('x'.repeat(200))).toHaveLength(78);
    expect(displayLabel(undefined)).toBe('');
  });
});
