// CAS single logout (CAS 3.0 §2.3.3, Appendix C): every service ticket issued in an SSO session is remembered
// with its service; when the session ends, each service gets a SAML LogoutRequest (SessionIndex = the ST) by
// back-channel POST, in the background, with a short timeout. Failures are logged and never block the person.
import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from '../data/kv-store.ts';
import type { Logger } from '../lib/logger.ts';
import { escapeXml } from './responses.ts';

const setKey = (sessionUid: string) => `cas:slo:${sessionUid}`;
const memberKey = (sessionUid: string, ticket: string) => `cas:slo:${sessionUid}:${ticket}`;

export interface SingleLogout {
  remember(sessionUid: string, ticket: string, service: string): Promise<void>;
  /** Sends the logout requests; resolves when all have answered or timed out (callers need not wait). */
  endSession(sessionUid: string, userId: string): Promise<void>;
}

export function logoutRequestXml(ticket: string, nameId: string, now = new Date()): string {
  return (
    `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
    `ID="_${randomUUID()}" Version="2.0" IssueInstant="${now.toISOString()}">` +
    `<saml:NameID>${escapeXml(nameId)}</saml:NameID><samlp:SessionIndex>${escapeXml(ticket)}</samlp:SessionIndex></samlp:LogoutRequest>`
  );
}

export function createSingleLogout(deps: {
  store: KeyValueStore;
  logger: Logger;
  sessionTtlSeconds: number;
  timeoutMs?: number;
  /** Resolves a user id to the name CAS services know (the login ID). */
  nameOf(userId: string): Promise<string | undefined>;
}): SingleLogout {
  const timeoutMs = deps.timeoutMs ?? 3_000;
  return {
    async remember(sessionUid, ticket, service) {
      await deps.store.set(memberKey(sessionUid, ticket), service, deps.sessionTtlSeconds, [
        { setKey: setKey(sessionUid), member: memberKey(sessionUid, ticket) },
      ]);
    },
    async endSession(sessionUid, userId) {
      const members = await deps.store.setMembers(setKey(sessionUid));
      if (members.length === 0) return;
      const services = await deps.store.getMany(members);
      await deps.store.deleteSetMembers(setKey(sessionUid));
      const name = (await deps.nameOf(userId)) ?? userId;
      const prefix = `${memberKey(sessionUid, '')}`;
      await Promise.all(
        members.map(async (member, index) => {
          const service = services[index];
          if (!service) return;
          const ticket = member.slice(prefix.length);
          try {
            const response = await fetch(service, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ logoutRequest: logoutRequestXml(ticket, name) }),
              redirect: 'manual',
              signal: AbortSignal.timeout(timeoutMs),
            });
            await response.arrayBuffer().catch(() => undefined);
            deps.logger.info({ event: 'cas.slo', service: new URL(service).origin, status: response.status }, 'CAS single logout sent');
          } catch (error) {
            deps.logger.warn({ event: 'cas.slo_failed', service: new URL(service).origin, error: (error as Error).message }, 'CAS single logout failed');
          }
        }),
      );
    },
  };
}
