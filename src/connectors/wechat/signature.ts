// WeChat's callback signatures (sha1 of the sorted token/timestamp/nonce[/Encrypt]) and the secure-mode message
// encryption (AES-256-CBC, IV = first 16 key bytes, PKCS#7 to 32-byte blocks, rand16 ‖ len ‖ msg ‖ appid).
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Lower-case hex sha1 of the parts sorted and concatenated (WeChat's `signature` and `msg_signature`). */
export function wechatSignature(parts: readonly string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** Constant-time check of a presented signature against the expected one. */
export function signatureMatches(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || !/^[0-9a-f]{40}$/i.test(presented)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(presented.toLowerCase(), 'hex'));
}

const blockSize = 32;

function aesKeyOf(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

export function encryptMessage(encodingAesKey: string, appId: string, message: string, random = randomBytes(16)): string {
  const key = aesKeyOf(encodingAesKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([random, length, body, Buffer.from(appId, 'utf8')]);
  const pad = blockSize - (plain.length % blockSize);
  const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

/** The message inside `Encrypt`, or undefined when it does not decrypt or was sealed for another appid. */
export function decryptMessage(encodingAesKey: string, appId: string, encrypted: string): string | undefined {
  try {
    const key = aesKeyOf(encodingAesKey);
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
    const pad = padded[padded.length - 1] ?? 0;
    if (pad < 1 || pad > blockSize) return undefined;
    const plain = padded.subarray(0, padded.length - pad);
    const length = plain.readUInt32BE(16);
    if (20 + length > plain.length) return undefined;
    const sealedFor = plain.subarray(20 + length).toString('utf8');
    if (sealedFor !== appId) return undefined;
    return plain.subarray(20, 20 + length).toString('utf8');
  } catch {
    return undefined;
  }
}
