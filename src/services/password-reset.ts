// Self-service password reset as a state machine in the key-value store, keyed by a random id that only the
// browser which started it holds (≤ 15 minutes): login ID → channel → code → second proof (accounts with a second
// factor) → new password. Until a code is proven nothing tells a known ID from an unknown one: the same steps, the
// same answers, codes sent in the background so the timing does not differ either.
import type { KeyValueStore } from '../data/kv-store.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Locale } from '../config/env.ts';
import type { Logger } from '../lib/logger.ts';
import type { AccountService, UserRecord } from './accounts.ts';
import type { VerificationCodes } from './verification-codes.ts';
import type { EmailCodes } from './one-time-codes.ts';
import type { TotpService } from './totp.ts';
import type { RecoveryCodeService } from './recovery-codes.ts';
import type { DeviceTrustService } from './device-trust.ts';
import { passwordContextOf, type PasswordPolicy, type PasswordProblem } from './password-policy.ts';
import { maskPhone } from '../connectors/sms/sms-sender.ts';
import { maskEmail } from '../connectors/email/email-sender.ts';
import { randomToken, sha256Hex } from '../lib/crypto.ts';

export const resetTtlSeconds = 15 * 60;

export type ResetChannel = 'sms' | 'email';
export type ResetStep = 'channel' | 'code' | 'second' | 'password';
export type SecondMethod = 'totp' | 'recovery' | ResetChannel;

export interface ResetLimits {
  /** Resets started per login ID, and per IP, in `windowSeconds`. */
  startsPerId: number;
  startsPerIp: number;
  /** Codes (texted, e-mailed, authenticator, recovery) tried per login ID, and per IP, in `windowSeconds`. */
  attemptsPerId: number;
  attemptsPerIp: number;
  windowSeconds: number;
  /** Seconds between two code sends of one reset, whatever the account. */
  resendSeconds: number;
}

export interface ResetView {
  loginId: string;
  step: ResetStep;
  /** Which channels this deployment can send codes through (the same list for every ID). */
  channels: ResetChannel[];
  chosen?: ResetChannel;
  /** After the first code: where it went, masked (the person has just shown they hold it). */
  provenTo?: string;
  /** At the second-proof step: the ways this account can give one. */
  secondMethods?: SecondMethod[];
  secondSentTo?: ResetChannel;
}

interface ResetState {
  loginId: string;
  /** Undefined for an unknown ID, or when the start was over a limit: the same steps then lead nowhere. */
  accountId?: string;
  step: ResetStep;
  expiresAt: number;
  chosen?: ResetChannel;
  lastSendAt?: number;
  firstProof?: { channel: ResetChannel; target: string };
  secondSentTo?: ResetChannel;
}

/** Ends sign-ins elsewhere: src/services/account-sessions.ts and app-passwords.ts. */
export interface ResetRevocations {
  sessions: { revokeAll(accountId: string, options?: { exceptSessionUid?: string }): Promise<unknown> };
  appPasswords: { revokeAll(userId: string): Promise<unknown> };
  deviceTrust: Pick<DeviceTrustService, 'revokeAll'>;
}

export interface PasswordResetDependencies {
  store: KeyValueStore;
  prisma: PrismaClient;
  accounts: AccountService;
  smsCodes: VerificationCodes | undefined;
  /** E-mailed codes worded for a password reset. */
  emailCodes: EmailCodes;
  totp: Pick<TotpService, 'hasFactor' | 'verify'>;
  recovery: Pick<RecoveryCodeService, 'remaining' | 'consume'>;
  /** Authenticator apps, passkeys and a verified phone (src/services/account-security.ts). */
  secondFactorCount(userId: string): Promise<number>;
  policy: PasswordPolicy;
  revoke: ResetRevocations;
  notify(userId: string, locale: Locale): Promise<void>;
  limits: ResetLimits;
  /** RESET_KEEP_SESSIONS_ALLOWED: the person may keep their other sessions. */
  keepSessionsAllowed: boolean;
  logger: Logger;
}

export type CodeResult = 'ok' | 'invalid';
export type CompleteResult = { ok: true; keptSessions: boolean } | { ok: false; problems: PasswordProblem[] };

const codePurpose = { first: 'reset_password', second: 'reset_password_second' } as const;

/**
 * Where codes may go. For a pending (imported, never signed in) person the import record's contacts are the
 * registry's word and count although unverified; for everyone else only verified contacts count.
 */
export function resetTargets(user: UserRecord): Partial<Record<ResetChannel, string>> {
  const usable = (role: string) => user.contacts.find((contact) => contact.role === role && (contact.verifiedAt || user.status === 'pending'))?.value;
  if (user.status === 'disabled') return {};
  return {
    sms: usable('security_phone') ?? usable('login_phone'),
    email: usable('recovery_email') ?? usable('email'),
  };
}

export function createPasswordReset(deps: PasswordResetDependencies) {
  const { store, accounts, limits, logger } = deps;
  const stateKey = (resetId: string) => `reset:${sha256Hex(resetId)}`;
  const channels: ResetChannel[] = deps.smsCodes ? ['sms', 'email'] : ['email'];
  const idKey = (loginId: string) => sha256Hex(loginId.trim().toLowerCase());

  const save = async (resetId: string, state: ResetState) => {
    const ttl = Math.ceil((state.expiresAt - Date.now()) / 1000);
    if (ttl > 0) await store.set(stateKey(resetId), JSON.stringify(state), ttl);
  };
  const load = async (resetId: string | undefined): Promise<ResetState | undefined> => {
    if (!resetId) return undefined;
    const raw = await store.get(stateKey(resetId));
    return raw ? (JSON.parse(raw) as ResetState) : undefined;
  };
  // An unknown ID costs the same lookup as a known one (of an id no account has), so timing tells nothing.
  const nobody = '00000000-0000-4000-8000-000000000000';
  const accountOf = async (state: ResetState) => {
    const user = await accounts.findById(state.accountId ?? nobody);
    return state.accountId ? user : undefined;
  };

  /** Counts one use in every window; true when any of them is over its limit. */
  const overLimit = async (kind: string, loginId: string, ip: string, perId: number, perIp: number) => {
    const [byId, byIp] = await Promise.all([
      store.increment(`reset:${kind}:id:${idKey(loginId)}`, limits.windowSeconds),
      store.increment(`reset:${kind}:ip:${ip}`, limits.windowSeconds),
    ]);
    return byId > perId || byIp > perIp;
  };

  const secondMethods = async (user: UserRecord, state: ResetState): Promise<SecondMethod[]> => {
    const targets = resetTargets(user);
    const otherChannels = channels.filter((channel) => channel !== state.firstProof?.channel && targets[channel] && targets[channel] !== state.firstProof?.target);
    return [
      ...((await deps.totp.hasFactor(user.id)) ? (['totp'] as const) : []),
      ...((await deps.recovery.remaining(user.id)) > 0 ? (['recovery'] as const) : []),
      ...otherChannels,
    ];
  };

  /** A code goes out in the background: the answer and its timing are the same whether or not anything is sent. */
  const sendInBackground = (resetId: string, user: UserRecord | undefined, channel: ResetChannel, purpose: 'first' | 'second', ip: string, locale: Locale) => {
    const target = user && resetTargets(user)[channel];
    if (!user || !target) {
      logger.info({ event: 'password_reset.nothing_sent', channel, known: Boolean(user) }, 'reset code not sent: no such account or channel');
      return;
    }
    const binding = sha256Hex(resetId);
    const sending = channel === 'sms'
      ? deps.smsCodes!.send({ purpose: codePurpose[purpose], binding, accountId: user.id, phone: target, ip }).then((result) => (result.ok ? 'sent' : result.reason))
      : deps.emailCodes.send({ purpose: codePurpose[purpose], binding, accountId: user.id, to: target, ip, locale }).then((result) => (result.ok ? 'sent' : result.reason));
    void sending
      .then((result) => logger.info({ event: 'password_reset.code_sent', accountId: user.id, channel, purpose, result }, 'reset code send finished'))
      .catch((error: unknown) => logger.error({ err: error, event: 'password_reset.send_failed', accountId: user.id, channel }, 'reset code send failed'));
  };

  const checkChannelCode = async (resetId: string, channel: ResetChannel, purpose: 'first' | 'second', code: string): Promise<string | undefined> => {
    const binding = sha256Hex(resetId);
    if (channel === 'sms') return deps.smsCodes ? (await deps.smsCodes.verify(codePurpose[purpose], binding, code))?.phone : undefined;
    return (await deps.emailCodes.verify(codePurpose[purpose], binding, code))?.to;
  };

  const viewOf = async (state: ResetState): Promise<ResetView> => {
    const view: ResetView = { loginId: state.loginId, step: state.step, channels, chosen: state.chosen, secondSentTo: state.secondSentTo };
    if (state.firstProof) view.provenTo = state.firstProof.channel === 'sms' ? maskPhone(state.firstProof.target) : maskEmail(state.firstProof.target);
    if (state.step === 'second') {
      const user = await accountOf(state);
      view.secondMethods = user ? await secondMethods(user, state) : [];
    }
    return view;
  };

  return {
    channels,
    keepSessionsAllowed: deps.keepSessionsAllowed,

    /** Starts a reset for whatever ID was typed; returns the id the browser keeps. */
    async start(loginId: string, ip: string): Promise<string> {
      const limited = await overLimit('starts', loginId, ip, limits.startsPerId, limits.startsPerIp);
      const user = await accounts.findByUsername(loginId);
      if (limited) logger.warn({ event: 'password_reset.limited', stage: 'start' }, 'password reset start over the limit');
      const resetId = randomToken(24);
      await save(resetId, { loginId, accountId: limited ? undefined : user?.id, step: 'channel', expiresAt: Date.now() + resetTtlSeconds * 1000 });
      return resetId;
    },

    async view(resetId: string | undefined): Promise<ResetView | undefined> {
      const state = await load(resetId);
      return state && viewOf(state);
    },

    async cancel(resetId: string | undefined): Promise<void> {
      if (resetId) await store.delete([stateKey(resetId)]);
    },

    /** Sends (or pretends to send) the first code; `cooldown` when this reset sent one moments ago. */
    async chooseChannel(resetId: string, channel: ResetChannel, ip: string, locale: Locale): Promise<'sent' | 'cooldown' | 'expired'> {
      const state = await load(resetId);
      if (!state || (state.step !== 'channel' && state.step !== 'code') || !channels.includes(channel)) return 'expired';
      if (state.lastSendAt && Date.now() - state.lastSendAt < limits.resendSeconds * 1000) return 'cooldown';
      sendInBackground(resetId, await accountOf(state), channel, 'first', ip, locale);
      await save(resetId, { ...state, step: 'code', chosen: channel, lastSendAt: Date.now() });
      return 'sent';
    },

    /** The first code: a wrong, used, expired or over-the-limit code all get the same answer. */
    async verifyFirstCode(resetId: string, code: string, ip: string): Promise<CodeResult | 'expired'> {
      const state = await load(resetId);
      if (!state || state.step !== 'code' || !state.chosen) return 'expired';
      if (await overLimit('attempts', state.loginId, ip, limits.attemptsPerId, limits.attemptsPerIp)) return 'invalid';
      const user = await accountOf(state);
      // Checked for an unknown ID too (no code is waiting for it): the same work, the same answer.
      const target = await checkChannelCode(resetId, state.chosen, 'first', code);
      if (!user || !target) return 'invalid';
      const firstProof = { channel: state.chosen, target };
      // Any second factor (app, passkey, texted phone) means one code alone must not take the account over.
      const needsSecond = (await deps.secondFactorCount(user.id)) > 0;
      await save(resetId, { ...state, firstProof, step: needsSecond ? 'second' : 'password', lastSendAt: undefined });
      logger.info({ event: 'password_reset.code_proven', accountId: user.id, channel: state.chosen, needsSecond }, 'reset code proven');
      return 'ok';
    },

    /** Texts or mails a code to the other channel, as a second proof. */
    async sendSecondCode(resetId: string, channel: ResetChannel, ip: string, locale: Locale): Promise<'sent' | 'cooldown' | 'expired'> {
      const state = await load(resetId);
      const user = state && (await accountOf(state));
      if (!state || !user || state.step !== 'second' || !(await secondMethods(user, state)).includes(channel)) return 'expired';
      if (state.lastSendAt && Date.now() - state.lastSendAt < limits.resendSeconds * 1000) return 'cooldown';
      sendInBackground(resetId, user, channel, 'second', ip, locale);
      await save(resetId, { ...state, secondSentTo: channel, lastSendAt: Date.now() });
      return 'sent';
    },

    /** The second proof: an authenticator code, a recovery code, or the code sent to the other channel. */
    async verifySecond(resetId: string, method: SecondMethod, code: string, ip: string): Promise<CodeResult | 'expired'> {
      const state = await load(resetId);
      const user = state && (await accountOf(state));
      if (!state || !user || state.step !== 'second') return 'expired';
      if (!(await secondMethods(user, state)).includes(method)) return 'invalid';
      if (await overLimit('attempts', state.loginId, ip, limits.attemptsPerId, limits.attemptsPerIp)) return 'invalid';
      let ok = false;
      if (method === 'totp') ok = await deps.totp.verify(user.id, code);
      else if (method === 'recovery') ok = await deps.recovery.consume(user.id, code);
      else ok = state.secondSentTo === method && (await checkChannelCode(resetId, method, 'second', code)) !== undefined;
      if (!ok) return 'invalid';
      await save(resetId, { ...state, step: 'password' });
      logger.info({ event: 'password_reset.second_proven', accountId: user.id, method }, 'reset second proof given');
      return 'ok';
    },

    /** The person whose password is being chosen (for the policy's personal-information check and the page). */
    async personAt(resetId: string): Promise<UserRecord | undefined> {
      const state = await load(resetId);
      return state?.step === 'password' ? accountOf(state) : undefined;
    },

    /**
     * Sets the new password (a pending person becomes active, and the contact that received the code becomes
     * verified), ends other sign-ins (sessions with their refresh tokens unless kept, trusted browsers, app
     * passwords) and tells the person.
     */
    async complete(resetId: string, password: string, options: { keepSessions: boolean; locale: Locale }): Promise<CompleteResult | 'expired'> {
      const state = await load(resetId);
      const user = state && state.step === 'password' && state.firstProof ? await accountOf(state) : undefined;
      if (!state || !user) return 'expired';
      const check = deps.policy.check(password, passwordContextOf(user));
      if (!check.ok) return { ok: false, problems: check.problems };
      // Taken, not read: of two concurrent submissions only one sets a password.
      if (!(await store.take(stateKey(resetId)))) return 'expired';
      await accounts.setPassword(user.username, password);
      if (user.status === 'pending') {
        await deps.prisma.contactPoint.updateMany({ where: { userId: user.id, value: state.firstProof!.target, verifiedAt: null }, data: { verifiedAt: new Date() } });
      }
      const keptSessions = options.keepSessions && deps.keepSessionsAllowed;
      if (!keptSessions) await deps.revoke.sessions.revokeAll(user.id);
      await deps.revoke.deviceTrust.revokeAll(user.id);
      await deps.revoke.appPasswords.revokeAll(user.id);
      logger.info({ event: 'password_reset.completed', accountId: user.id, wasPending: user.status === 'pending', keptSessions }, 'password reset');
      // The password is changed; a notice that fails is logged for the operators, not shown as a failed reset.
      await deps.notify(user.id, options.locale).catch((error: unknown) => logger.warn({ err: error, event: 'password_reset.notify_failed', accountId: user.id }, 'password notice not sent'));
      return { ok: true, keptSessions };
    },
  };
}

export type PasswordReset = ReturnType<typeof createPasswordReset>;
