// Accounts whose password broke the policy at sign-in and that have a second factor: the forced change waits until
// the second factor is shown (a leaked weak password alone must not be able to change the password). The mark is
// keyed by the password's change time, so any new password (page, reset, CLI) leaves it stale.
import type { KeyValueStore } from '../data/kv-store.ts';
import type { AccountService, UserRecord } from './accounts.ts';
import type { PasswordProblem } from './password-policy.ts';

const markDays = 30;

export function createWeakPasswords(deps: { store: KeyValueStore; accounts: Pick<AccountService, 'findById'> }) {
  const key = (user: Pick<UserRecord, 'id' | 'passwordChangedAt'>) => `password:weak-after-mfa:${user.id}:${user.passwordChangedAt?.getTime() ?? 0}`;
  return {
    async mark(user: UserRecord, problems: PasswordProblem[]): Promise<void> {
      await deps.store.set(key(user), JSON.stringify(problems), markDays * 86_400);
    },
    /** The problems of a password that must still be changed after the second factor, if any. */
    async pending(accountId: string): Promise<PasswordProblem[] | undefined> {
      const user = await deps.accounts.findById(accountId);
      const raw = user && (await deps.store.get(key(user)));
      return raw ? (JSON.parse(raw) as PasswordProblem[]) : undefined;
    },
  };
}

export type WeakPasswords = ReturnType<typeof createWeakPasswords>;
