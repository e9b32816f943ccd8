// CSPRNG tokens and constant-time comparison: the only place random secrets are minted.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe random token carrying `bytes` bytes of entropy (default 32 = 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time string equality; compares SHA-256 digests so unequal lengths leak nothing either. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
