// CAS tickets: ST-/PT-/PGT-/PGTIOU-/TGT- followed by 128+ random bits in base62 (only [A-Za-z0-9-], ST and PT
// well inside the 32 characters every client must accept). Stored in the shared key-value store; validation
// takes the ticket atomically, so it is burned by the first attempt whether that succeeds or not.
import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../data/kv-store.ts';

export type TicketKind = 'ST' | 'PT' | 'PGT' | 'PGTIOU' | 'TGT';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `bytes` random bytes as base62 (22 characters for 16 bytes). */
function base62(bytes: number): string {
  let value = BigInt(`0x${randomBytes(bytes).toString('hex')}`);
  const length = Math.ceil((bytes * 8) / Math.log2(62));
  let out = '';
  for (let i = 0; i < length; i++) {
    out = alphabet[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

export function newTicketId(kind: TicketKind): string {
  // ST/PT: 128 bits (25 characters in all). PGT/PGTIOU/TGT: 256 bits, within their 64-character limit.
  return `${kind}-${base62(kind === 'ST' || kind === 'PT' ? 16 : 32)}`;
}

export function ticketKind(ticket: string): TicketKind | undefined {
  const match = /^(ST|PT|PGT|PGTIOU|TGT)-[A-Za-z0-9-]+$/.exec(ticket);
  return match ? (match[1] as TicketKind) : undefined;
}

/** What a service or proxy ticket stands for. */
export interface ServiceTicket {
  kind: 'ST' | 'PT';
  service: string;
  serviceId: string;
  userId: string;
  /** Epoch seconds of the sign-in behind the ticket. */
  authTime: number;
  /** Issued right after the person typed credentials (renew semantics). */
  fromNewLogin: boolean;
  /** The sign-in's authentication context and RFC 8176 methods (absent: password only). */
  acr?: string;
  amr?: string[];
  /** The provider session's uid (single logout), absent for REST-issued tickets. */
  sessionUid?: string;
  /** Proxy chain, newest first (PT only). */
  proxies: string[];
}

/** A proxy-granting ticket: lets its holder (the proxying service at pgtUrl) get PTs for other services. */
export interface ProxyGrantingTicket {
  userId: string;
  authTime: number;
  acr?: string;
  amr?: string[];
  /** Proxy chain so far, newest first: the pgtUrl that received this PGT first. */
  proxies: string[];
  sessionUid?: string;
}

const key = (ticket: string) => `cas:ticket:${ticket}`;

export function createTicketStore(store: KeyValueStore, serviceTicketTtlSeconds: number, sessionTtlSeconds: number) {
  return {
    async issueServiceTicket(ticket: Omit<ServiceTicket, 'kind'>, kind: 'ST' | 'PT' = 'ST'): Promise<string> {
      const id = newTicketId(kind);
      await store.set(key(id), JSON.stringify({ ...ticket, kind }), serviceTicketTtlSeconds);
      return id;
    },
    /** Single use: the ticket is gone after this call, whatever the caller decides about it. */
    async takeServiceTicket(id: string): Promise<ServiceTicket | undefined> {
      const raw = await store.take(key(id));
      return raw === undefined ? undefined : (JSON.parse(raw) as ServiceTicket);
    },
    async issueProxyGrantingTicket(pgt: ProxyGrantingTicket): Promise<string> {
      const id = newTicketId('PGT');
      const sets = pgt.sessionUid ? [{ setKey: `cas:pgts:${pgt.sessionUid}`, member: key(id) }] : [];
      await store.set(key(id), JSON.stringify(pgt), sessionTtlSeconds, sets);
      return id;
    },
    async findProxyGrantingTicket(id: string): Promise<ProxyGrantingTicket | undefined> {
      const raw = await store.get(key(id));
      return raw === undefined ? undefined : (JSON.parse(raw) as ProxyGrantingTicket);
    },
    /** PGTs die with the SSO session that led to them. */
    async revokeSessionProxyTickets(sessionUid: string): Promise<void> {
      await store.deleteSetMembers(`cas:pgts:${sessionUid}`);
    },
  };
}

export type TicketStore = ReturnType<typeof createTicketStore>;
