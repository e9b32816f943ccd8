// "Confirm it's you": before a factor is renamed or removed, or recovery codes are replaced, the person shows a
// current authenticator code (single use, through totp.verify) or their password. A success is remembered in the
// key-value store for five minutes, bound to the account and to the SSO session it happened in.
import type { KeyValueStore } from '../data/kv-store.ts';
import type { AccountService } from './accounts.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';
import type { TotpService } from './totp.ts';

export const freshProofSeconds = 300;
/** Wrong codes per account in 15 minutes; the counter is the sign-in mfa step's, so both share one budget. */
const codeAttempts = 10;

export type ProofResult = 'ok' | 'invalid' | 'limited';

export interface ProofAttempt {
  accountId: string;
  username: string;
  /** The provider session's uid: the proof is good in this session only. */
  sessionUid: string;
  ip: string;
  code?: string;
  password?: string;
}

export function createFreshProof(deps: { store: KeyValueStore; totp: TotpService; accounts: AccountService; limiter: SignInLimiter }) {
  const { store, totp, accounts, limiter } = deps;
  const key = (accountId: string, sessionUid: string) => `account:fresh:${accountId}:${sessionUid}`;
  const failKey = (accountId: string) => `mfa:fail:${accountId}`;

  const checkCode = async (attempt: ProofAttempt, code: string): Promise<ProofResult> => {
    // Counted before the check, so parallel guesses cannot all slip under the limit; a success clears the count.
    if ((await store.increment(failKey(attempt.accountId), 900)) > codeAttempts) return 'limited';
    if (!(await totp.verify(attempt.accountId, code))) return 'invalid';
    await store.delete([failKey(attempt.accountId)]);
    return 'ok';
  };

  const checkPassword = async (attempt: ProofAttempt, password: string): Promise<ProofResult> => {
    if (await limiter.isBlocked(attempt.username, attempt.ip)) return 'limited';
    const result = await accounts.authenticate(attempt.username, password);
    if (result.ok && result.user.id === attempt.accountId) {
      await limiter.recordSuccess(attempt.username);
      return 'ok';
    }
    await limiter.recordFailure(attempt.username, attempt.ip);
    return 'invalid';
  };

  return {
    windowSeconds: freshProofSeconds,

    async isFresh(accountId: string, sessionUid: string): Promise<boolean> {
      return (await store.get(key(accountId, sessionUid))) !== undefined;
    },

    /** Checks the code when one is given, otherwise the password; remembers a success for five minutes. */
    async prove(attempt: ProofAttempt): Promise<ProofResult> {
      const code = attempt.code?.trim();
      const password = attempt.password;
      let result: ProofResult = 'invalid';
      if (code) result = await checkCode(attempt, code);
      else if (password) result = await checkPassword(attempt, password);
      if (result === 'ok') await store.set(key(attempt.accountId, attempt.sessionUid), String(Math.floor(Date.now() / 1000)), freshProofSeconds);
      return result;
    },
  };
}

export type FreshProof = ReturnType<typeof createFreshProof>;
