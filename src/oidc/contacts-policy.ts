// The `contacts` prompt, after `mfa`: a person who lacks a verified contact point the institution requires
// (REQUIRED_CONTACTS) is asked to bind it before the sign-in finishes. CONTACT_PROMPT=block: the check runs on
// every authorization request and reads the database, so no sign-in finishes without it. skip: "Later" is
// remembered in the key-value store for this SSO session only, and is never offered or honoured while a number
// an approved lost-phone appeal unbound is still missing (that sign-in must bind a new one).
import { interactionPolicy } from 'oidc-provider';
import type { KeyValueStore } from '../data/kv-store.ts';
import type { ContactRole } from '../config/env.ts';
import { sessionHasSecondFactor } from './mfa-policy.ts';

const { Prompt, Check } = interactionPolicy;
type Policy = ReturnType<typeof interactionPolicy.base>;

export interface ContactsRule {
  /** True when the person may choose "Later" (CONTACT_PROMPT=skip); see also mayPutOff. */
  skippable: boolean;
  /** "Later" for this person now: CONTACT_PROMPT=skip and no number an approved appeal unbound is missing. */
  mayPutOff(accountId: string): Promise<boolean>;
  missing(accountId: string): Promise<ContactRole[]>;
  /** Of the missing roles, those an approved lost-phone appeal unbound (the prompt says why it asks). */
  rebinding?(accountId: string): Promise<ContactRole[]>;
  skipped(accountId: string, sessionUid: string): Promise<boolean>;
  skip(accountId: string, sessionUid: string): Promise<void>;
  /** Whether this SSO session must meet the prompt now (OIDC's check and CAS's /login both ask this). */
  due(session: { accountId: string; uid: string; amr?: string[] }): Promise<boolean>;
}

export function createContactsRule(deps: {
  store: KeyValueStore;
  missing: (accountId: string) => Promise<ContactRole[]>;
  rebinding?: (accountId: string) => Promise<ContactRole[]>;
  hasSecondFactor: (accountId: string) => Promise<boolean>;
  skippable: boolean;
  sessionSeconds: number;
}): ContactsRule {
  const key = (accountId: string, sessionUid: string) => `contacts:later:${accountId}:${sessionUid}`;
  const mayPutOff = async (accountId: string) => deps.skippable && ((await deps.rebinding?.(accountId)) ?? []).length === 0;
  const skipped = async (accountId: string, sessionUid: string) =>
    deps.skippable && (await deps.store.get(key(accountId, sessionUid))) !== undefined && (await mayPutOff(accountId));
  return {
    skippable: deps.skippable,
    mayPutOff,
    missing: deps.missing,
    rebinding: deps.rebinding,
    skipped,
    async skip(accountId, sessionUid) {
      if (!deps.skippable) throw new Error('CONTACT_PROMPT=block: the contact prompt cannot be skipped');
      await deps.store.set(key(accountId, sessionUid), '1', deps.sessionSeconds);
    },
    async due(session) {
      // Cheapest and most often decisive first: nothing missing (one query) ends it for nearly everyone.
      if ((await deps.missing(session.accountId)).length === 0) return false;
      if (await skipped(session.accountId, session.uid)) return false;
      // A phone bound here becomes a second factor: only a session that showed the person's existing factor may
      // bind one (else a password alone could add a phone and then pass the mfa prompt with it). Such a
      // session is asked the next time it signs in with the factor.
      return sessionHasSecondFactor(session.amr) || !(await deps.hasSecondFactor(session.accountId));
    },
  };
}

/** Adds the prompt right after `mfa` (or after `login` when there is none). */
export function addContactsPrompt(policy: Policy, rule: ContactsRule): Policy {
  const prompt = new Prompt(
    { name: 'contacts', requestable: false },
    new Check('contacts_missing', 'A required contact point is missing', async (ctx) => {
      const { session } = ctx.oidc;
      if (!session?.accountId) return Check.NO_NEED_TO_PROMPT;
      return (await rule.due({ accountId: session.accountId, uid: session.uid, amr: session.amr })) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  const after = policy.findIndex((existing) => existing.name === 'mfa');
  policy.add(prompt, (after >= 0 ? after : 0) + 1);
  return policy;
}
