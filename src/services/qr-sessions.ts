// Scan-to-confirm sign-in: a desktop's QR session (token, typed code, the two digits it shows), claimed by one
// phone, decided once (number matching), and finished once by the desktop. State lives in the key-value store;
// status changes travel to the desktop's event stream through QrEvents (Redis pub/sub across instances).
import { randomInt } from 'node:crypto';
import type { KeyValueStore } from '../data/kv-store.ts';
import { randomToken, sha256Hex } from '../lib/crypto.ts';
import type { QrEvents } from './qr-events.ts';

export type QrStatus = 'waiting' | 'scanned' | 'approved' | 'denied' | 'mismatch' | 'expired' | 'finished';

/** What the phone is shown about the desktop asking to sign in. */
export interface QrDesktop {
  interactionUid: string;
  clientName: string;
  ip: string;
  userAgent: string;
}

export interface QrSession {
  id: string;
  status: QrStatus;
  desktop: QrDesktop;
  /** The number the desktop shows (10–99). */
  digits: number;
  /** The three numbers the phone offers, fixed at scan time so a reload reveals nothing. */
  choices?: number[];
  createdAt: number;
  expiresAt: number;
  tokenHash: string;
  shortCode: string;
}

export interface QrStart {
  sessionId: string;
  token: string;
  /** Typed on the phone when the camera cannot read the QR, e.g. "K7PM-2QXD". */
  shortCode: string;
  digits: number;
  expiresAt: number;
}

export type QrDecision = 'approved' | 'denied' | 'mismatch' | 'gone';

const codeAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const key = {
  session: (id: string) => `qr:session:${id}`,
  token: (token: string) => `qr:token:${sha256Hex(token)}`,
  code: (code: string) => `qr:code:${code}`,
  phone: (phoneKey: string) => `qr:phone:${sha256Hex(phoneKey)}`,
  approved: (id: string) => `qr:approved:${id}`,
  current: (uid: string) => `qr:current:${uid}`,
  /** Taken by the one claim of a session, whether it came by token or by typed code. */
  claimable: (id: string) => `qr:claimable:${id}`,
};

/** Upper case, without spaces or dashes; undefined when it cannot be a short code. */
export function normaliseShortCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return /^[A-Z0-9]{8}$/.test(code) ? code : undefined;
}

export function displayShortCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export interface QrSessionOptions {
  store: KeyValueStore;
  events: QrEvents;
  /** Life of a QR token and typed code (at most 120 s). */
  tokenSeconds: number;
  /** How long the phone has to decide after scanning (it may have to sign in first). */
  decisionSeconds: number;
}

export function createQrSessions({ store, events, tokenSeconds, decisionSeconds }: QrSessionOptions) {
  const save = async (session: QrSession, ttlSeconds: number) => {
    await store.set(key.session(session.id), JSON.stringify(session), Math.max(1, ttlSeconds));
    events.publish(session.id, session.status);
  };

  const find = async (sessionId: string): Promise<QrSession | undefined> => {
    const raw = await store.get(key.session(sessionId));
    return raw ? (JSON.parse(raw) as QrSession) : undefined;
  };

  const otherNumbers = (digits: number): number[] => {
    const picked = new Set([digits]);
    while (picked.size < 3) picked.add(randomInt(10, 100));
    const numbers = [...picked];
    for (let i = numbers.length - 1; i > 0; i--) {
      const j = randomInt(0, i + 1);
      [numbers[i], numbers[j]] = [numbers[j] as number, numbers[i] as number];
    }
    return numbers;
  };

  const claimSession = async (sessionId: string | undefined) => {
    if (!sessionId || !(await store.take(key.claimable(sessionId)))) return undefined;
    const session = await find(sessionId);
    if (!session || session.status !== 'waiting') return undefined;
    // Whichever of token and typed code was used, the other dies with it.
    await store.delete([`qr:token:${session.tokenHash}`, key.code(session.shortCode)]);
    const phoneKey = randomToken(24);
    const claimed: QrSession = { ...session, status: 'scanned', choices: otherNumbers(session.digits), expiresAt: Date.now() + decisionSeconds * 1000 };
    await store.set(key.phone(phoneKey), session.id, decisionSeconds);
    await save(claimed, decisionSeconds);
    return { phoneKey, session: claimed };
  };

  return {
    find,

    /** A new QR for the desktop's interaction; the QR it showed before (if any) stops working. */
    async start(desktop: QrDesktop): Promise<QrStart> {
      const previous = await store.take(key.current(desktop.interactionUid));
      const old = previous ? await find(previous) : undefined;
      if (old?.status === 'waiting') {
        await store.delete([`qr:token:${old.tokenHash}`, key.code(old.shortCode), key.claimable(old.id), key.session(old.id)]);
      }
      const sessionId = randomToken(18);
      const token = randomToken(24);
      const shortCode = Array.from({ length: 8 }, () => codeAlphabet[randomInt(0, codeAlphabet.length)]).join('');
      const digits = randomInt(10, 100);
      const now = Date.now();
      const session: QrSession = { id: sessionId, status: 'waiting', desktop, digits, createdAt: now, expiresAt: now + tokenSeconds * 1000, tokenHash: sha256Hex(token), shortCode };
      await store.set(key.token(token), sessionId, tokenSeconds);
      await store.set(key.code(shortCode), sessionId, tokenSeconds);
      await store.set(key.current(desktop.interactionUid), sessionId, tokenSeconds);
      await store.set(key.claimable(sessionId), '1', tokenSeconds);
      await save(session, tokenSeconds);
      return { sessionId, token, shortCode, digits, expiresAt: session.expiresAt };
    },

    /** The phone opened the QR's URL: single use (atomic take); undefined when expired, used or unknown. */
    async claimToken(token: string) {
      return claimSession(await store.take(key.token(token)));
    },

    /** The phone typed the short code instead. */
    async claimShortCode(input: string) {
      const code = normaliseShortCode(input);
      return claimSession(code ? await store.take(key.code(code)) : undefined);
    },

    /** The session a phone holds (after claiming), while it may still decide. */
    async forPhone(phoneKey: string): Promise<QrSession | undefined> {
      const sessionId = await store.get(key.phone(phoneKey));
      const session = sessionId ? await find(sessionId) : undefined;
      return session?.status === 'scanned' ? session : undefined;
    },

    /** The one decision of the phone holding `phoneKey`. A wrong number denies and burns the session. */
    async decide(phoneKey: string, accountId: string, decision: { approve: boolean; number?: number }): Promise<QrDecision> {
      const sessionId = await store.take(key.phone(phoneKey));
      const session = sessionId ? await find(sessionId) : undefined;
      if (!session || session.status !== 'scanned') return 'gone';
      const outcome: QrDecision = !decision.approve ? 'denied' : decision.number === session.digits ? 'approved' : 'mismatch';
      if (outcome === 'approved') await store.set(key.approved(session.id), accountId, 60);
      await save({ ...session, status: outcome, expiresAt: Date.now() + 60_000 }, 60);
      return outcome;
    },

    /** The approving account, once, for the desktop interaction the session was made for. */
    async takeApproval(sessionId: string, interactionUid: string): Promise<string | undefined> {
      const session = await find(sessionId);
      if (!session || session.desktop.interactionUid !== interactionUid || session.status !== 'approved') return undefined;
      const accountId = await store.take(key.approved(sessionId));
      if (accountId) await save({ ...session, status: 'finished' }, 30);
      return accountId;
    },
  };
}

export type QrSessions = ReturnType<typeof createQrSessions>;
