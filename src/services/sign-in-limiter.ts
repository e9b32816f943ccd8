// Limits failed sign-ins per account and per client IP (rate-limiter-flexible). Counters live in Redis when it
// is configured, so every instance shares them; the embedded default keeps them in process (one process only).
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { RateLimitRule } from '../config/env.ts';
import { sha256Hex } from '../lib/crypto.ts';
import { StoreUnavailableError } from '../lib/errors.ts';
import { checkPhone } from './user-input.ts';

/** Counters that cannot be read or written fail the request closed (503), never skip the limit. */
const unavailable = (error: unknown): never => {
  throw new StoreUnavailableError(error);
};

export interface SignInLimiter {
  /** True when either the account or the IP has used up its failures. */
  isBlocked(loginId: string, ip: string): Promise<boolean>;
  /** `accountLocked`: this failure used up the account's allowance (the moment of a lockout, for the audit trail). */
  recordFailure(loginId: string, ip: string): Promise<{ accountLocked: boolean }>;
  recordSuccess(loginId: string): Promise<void>;
  /** True when the account's own counter is used up (the admin console shows it; recordSuccess clears it). */
  accountBlocked(loginId: string): Promise<boolean>;
}

export interface SignInLimiterOptions {
  perAccount: RateLimitRule;
  perIp: RateLimitRule;
  /** Shared counters; omit for in-process counters. */
  redis?: Redis;
  keyPrefix?: string;
}

export function createSignInLimiter(options: SignInLimiterOptions): SignInLimiter {
  const make = (name: string, rule: RateLimitRule): RateLimiterAbstract => {
    const common = { points: rule.points, duration: rule.durationSeconds, keyPrefix: `${options.keyPrefix ?? 'campus-idp:'}rl:${name}` };
    // insuranceLimiter is deliberately absent: when Redis is down sign-in fails closed instead of going unlimited.
    return options.redis ? new RateLimiterRedis({ ...common, storeClient: options.redis }) : new RateLimiterMemory(common);
  };
  const perAccount = make('login-account', options.perAccount);
  const perIp = make('login-ip', options.perIp);
  // Hash the login ID: counters must not become a list of who tried to sign in.
  const accountKey = (loginId: string) => sha256Hex(canonicalLoginId(loginId));

  const used = async (limiter: RateLimiterAbstract, key: string, points: number) => {
    const res = await limiter.get(key).catch(unavailable);
    return res !== null && res.consumedPoints >= points;
  };

  return {
    async isBlocked(loginId, ip) {
      const [account, address] = await Promise.all([
        used(perAccount, accountKey(loginId), options.perAccount.points),
        used(perIp, ip, options.perIp.points),
      ]);
      return account || address;
    },
    async recordFailure(loginId, ip) {
      const [account] = await Promise.all([
        perAccount.penalty(accountKey(loginId), 1),
        perIp.penalty(ip, 1),
      ]).catch((error: unknown) => {
        if (error instanceof RateLimiterRes) return [undefined];
        return unavailable(error);
      });
      return { accountLocked: account?.consumedPoints === options.perAccount.points };
    },
    async recordSuccess(loginId) {
      await perAccount.delete(accountKey(loginId)).catch(unavailable);
    },
    accountBlocked: (loginId) => used(perAccount, accountKey(loginId), options.perAccount.points),
  };
}

/**
 * One counter per account whatever the spelling: a login phone is signed in with as 138-1234-5678,
 * +8613812345678 or 008613812345678 alike (accounts.authenticate), so a phone counts in its E.164 form.
 */
export function canonicalLoginId(loginId: string): string {
  const phone = checkPhone(loginId);
  return 'value' in phone ? phone.value : loginId.trim().toLowerCase();
}
