// The interaction policy: oidc-provider's login and consent prompts, with our `mfa` prompt between them. A
// sign-in cannot finish while the client (mfa: "required" in clients.json) or the request (acr_values or an
// essential acr claim asking for multi-factor) or the person's type (e.g. all staff) demands a second factor the session has not shown,
// or (risk rule) a person who has a factor signs in on a browser that has never passed it.
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { acr } from './acr.ts';
import { browserCookie } from '../services/known-browsers.ts';

const { Prompt, Check, base } = interactionPolicy;
const multiFactorAcrs = new Set<string>([acr.multiFactor, acr.phishingResistant]);
// 'mfa' is what a trusted browser reports: the second factor was shown when that browser was trusted.
const secondFactorAmr = new Set(['otp', 'hwk', 'swk', 'sms', 'mfa']);

export function requestDemandsMfa(ctx: KoaContextWithOIDC, mfaClients: ReadonlySet<string>): boolean {
  const { oidc } = ctx;
  if (oidc.client && mfaClients.has(oidc.client.clientId)) return true;
  const requested = typeof oidc.params?.acr_values === 'string' ? oidc.params.acr_values.split(' ') : [];
  const essential = oidc.claims?.id_token?.acr;
  const essentialValues = essential?.essential ? (essential.values ?? (essential.value ? [essential.value] : [])) : [];
  return [...requested, ...essentialValues].some((value) => multiFactorAcrs.has(String(value)));
}

export function sessionHasSecondFactor(amr: readonly string[] | undefined): boolean {
  return (amr ?? []).some((method) => secondFactorAmr.has(method));
}

export interface MfaPolicy {
  /** Clients with mfa: "required". */
  clients: ReadonlySet<string>;
  /** User types (staff, student, …) that always need a second factor (MFA_REQUIRED_USER_TYPES). */
  userTypes: ReadonlySet<string>;
  /** Looks up a person's type; only called when userTypes is not empty. */
  userTypeOf(accountId: string): Promise<string | undefined>;
  /** A weak password waits to be changed after the second factor (src/services/weak-passwords.ts). */
  weakPasswordPending?(accountId: string): Promise<boolean>;
  /** The unknown-browser risk rule (MFA_UNKNOWN_BROWSER): a person with a factor is asked for it on a browser that has not passed one. */
  unknownBrowser?: {
    hasFactor(accountId: string): Promise<boolean>;
    isKnown(accountId: string, browserId: string | undefined): Promise<boolean>;
  };
}

export function buildInteractionPolicy(mfa: MfaPolicy) {
  const policy = base();
  const prompt = new Prompt(
    { name: 'mfa', requestable: false },
    new Check('mfa_required', 'A second factor is required', async (ctx) => {
      const { session } = ctx.oidc;
      if (!session?.accountId || sessionHasSecondFactor(session.amr)) return Check.NO_NEED_TO_PROMPT;
      if (requestDemandsMfa(ctx, mfa.clients)) return Check.REQUEST_PROMPT;
      if (mfa.userTypes.size > 0 && mfa.userTypes.has((await mfa.userTypeOf(session.accountId)) ?? '')) return Check.REQUEST_PROMPT;
      if (await mfa.weakPasswordPending?.(session.accountId)) return Check.REQUEST_PROMPT;
      const rule = mfa.unknownBrowser;
      if (rule && !(await rule.isKnown(session.accountId, ctx.cookies.get(browserCookie, { signed: true }))) && (await rule.hasFactor(session.accountId))) {
        return Check.REQUEST_PROMPT;
      }
      return Check.NO_NEED_TO_PROMPT;
    }),
  );
  // After login (index 0), before consent.
  policy.add(prompt, 1);
  return policy;
}
