// A person's provider sessions (the SSO sign-ins of their browsers) for /account/sessions: list them with the
// device each signed in from, end one, or end all but the current one. Ending a session also revokes the grants
// made in it (refresh and access tokens die with them); ending all revokes every grant of the account. The
// adapter lists each account's Session and Grant keys in `oidc:account:<id>`; device and address are noted per
// session uid when the provider finishes an authorization.
import type { KeyValueStore } from '../data/kv-store.ts';
import { accountIndexKey, grantKey } from '../oidc/adapter.ts';

export interface AccountSession {
  uid: string;
  current?: boolean;
  /** When the person last proved a credential in this session. */
  loginTs: Date;
  /** The last authorization (an app using the session), when known. */
  lastSeen?: Date;
  userAgent?: string;
  ip?: string;
  /** A named network (CAMPUS_NETWORKS) holding the address, when one does. */
  place?: string;
  /** Client ids of the apps this session signed in to. */
  apps: string[];
}

interface SessionPayload {
  uid?: string;
  accountId?: string;
  loginTs?: number;
  authorizations?: Record<string, { grantId?: string; sid?: string }>;
}

interface DeviceNote {
  ip?: string;
  userAgent?: string;
  lastSeen: number;
}

const sessionPrefix = 'oidc:Session:';
const grantPrefix = 'oidc:Grant:';
const deviceKey = (uid: string) => `account:session-device:${uid}`;
const uidIndexKey = (uid: string) => `${sessionPrefix}uid:${uid}`;

export interface AccountSessionsDependencies {
  store: KeyValueStore;
  sessionTtlSeconds: number;
  placeOf?: (ip: string | undefined) => string | undefined;
  /** Tells the apps of an ended session (CAS single logout, OIDC back-channel logout). */
  onSessionEnded?: (accountId: string, session: { uid: string; authorizations?: Record<string, { sid?: string }> }) => void;
}

export function createAccountSessions(deps: AccountSessionsDependencies) {
  const { store } = deps;

  const parse = <T>(raw: string | undefined): T | undefined => (raw === undefined ? undefined : (JSON.parse(raw) as T));

  /** The live sessions of the account, as [key, payload]; index entries whose session or grant expired are dropped. */
  const liveSessions = async (accountId: string): Promise<[string, SessionPayload][]> => {
    const members = await store.setMembers(accountIndexKey(accountId));
    const values = await store.getMany(members);
    const expired = members.filter((_, index) => values[index] === undefined);
    // Redis sets live as long as their newest member: without this, an active person's index would only grow.
    if (expired.length) await store.removeSetMembers(accountIndexKey(accountId), expired);
    return members.flatMap((key, index): [string, SessionPayload][] => {
      if (!key.startsWith(sessionPrefix) || key.startsWith(uidIndexKey(''))) return [];
      const payload = parse<SessionPayload>(values[index]);
      return payload?.accountId === accountId && payload.uid ? [[key, payload]] : [];
    });
  };

  const grantsOf = (payload: SessionPayload) =>
    Object.values(payload.authorizations ?? {}).flatMap((entry) => (entry.grantId ? [entry.grantId] : []));

  const revokeGrants = async (grantIds: string[]) => {
    for (const grantId of new Set(grantIds)) {
      await store.deleteSetMembers(grantKey(grantId));
      await store.delete([`${grantPrefix}${grantId}`]);
    }
  };

  const endSession = async (key: string, payload: SessionPayload) => {
    await revokeGrants(grantsOf(payload));
    await store.delete([key, `${key}:consumed`, uidIndexKey(payload.uid!), deviceKey(payload.uid!)]);
    if (payload.accountId && payload.uid) deps.onSessionEnded?.(payload.accountId, { uid: payload.uid, authorizations: payload.authorizations });
  };

  return {
    /** Notes the browser and address a session was last used from (called when an authorization succeeds). */
    async noteDevice(sessionUid: string, device: { ip?: string; userAgent?: string }): Promise<void> {
      const note: DeviceNote = { ip: device.ip, userAgent: device.userAgent?.slice(0, 512), lastSeen: Math.floor(Date.now() / 1000) };
      await store.set(deviceKey(sessionUid), JSON.stringify(note), deps.sessionTtlSeconds);
    },

    /** Newest sign-in first; `currentSessionUid` marks the one asking. */
    async list(accountId: string, currentSessionUid?: string): Promise<AccountSession[]> {
      const sessions = await liveSessions(accountId);
      const notes = sessions.length ? await store.getMany(sessions.map(([, payload]) => deviceKey(payload.uid!))) : [];
      return sessions
        .map(([, payload], index): AccountSession => {
          const note = parse<DeviceNote>(notes[index]);
          return {
            uid: payload.uid!,
            current: payload.uid === currentSessionUid,
            loginTs: new Date((payload.loginTs ?? 0) * 1000),
            lastSeen: note ? new Date(note.lastSeen * 1000) : undefined,
            userAgent: note?.userAgent,
            ip: note?.ip,
            place: deps.placeOf?.(note?.ip),
            apps: Object.keys(payload.authorizations ?? {}),
          };
        })
        .sort((a, b) => Number(b.current) - Number(a.current) || b.loginTs.getTime() - a.loginTs.getTime());
    },

    /** Ends one session of this account and revokes the grants made in it; false when there is no such session. */
    async revoke(accountId: string, sessionUid: string): Promise<boolean> {
      const found = (await liveSessions(accountId)).find(([, payload]) => payload.uid === sessionUid);
      if (!found) return false;
      await endSession(...found);
      return true;
    },

    /**
     * Ends every session of the account but `exceptSessionUid`, and revokes every grant not made in the kept
     * session (also those whose session already ended, e.g. offline refresh tokens). Returns the sessions ended.
     */
    async revokeAll(accountId: string, options: { exceptSessionUid?: string } = {}): Promise<number> {
      const members = await store.setMembers(accountIndexKey(accountId));
      const sessions = await liveSessions(accountId);
      const kept = sessions.find(([, payload]) => payload.uid === options.exceptSessionUid);
      const keptGrants = new Set(kept ? grantsOf(kept[1]) : []);
      let ended = 0;
      for (const [key, payload] of sessions) {
        if (payload === kept?.[1]) continue;
        await endSession(key, payload);
        ended += 1;
      }
      const grantIds = members.filter((key) => key.startsWith(grantPrefix)).map((key) => key.slice(grantPrefix.length));
      await revokeGrants(grantIds.filter((grantId) => !keptGrants.has(grantId)));
      return ended;
    },
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
