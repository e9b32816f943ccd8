// The audit trail of security events in the relational store (table auth_event): sign-ins, second factors, app
// passwords, sessions. Recording never fails the request that caused it (a failure is logged instead); rows older
// than AUDIT_RETENTION_DAYS are deleted at start and once a day. `detail` must never carry a secret.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../lib/logger.ts';

export type AuthEventType =
  | 'sign_in.succeeded'
  | 'sign_in.failed'
  | 'sign_in.locked'
  | 'mfa.succeeded'
  | 'mfa.failed'
  | 'app_password.created'
  | 'app_password.revoked'
  | 'app_password.used'
  | 'app_password.failed'
  | 'session.revoked'
  | `factor.${string}`
  | `password.${string}`
  | `contact.${string}`
  | `admin.${string}`
  | `identity.${string}`
  | `appeal.${string}`;

export interface AuthEventInput {
  type: AuthEventType;
  userId?: string | null;
  ip?: string;
  userAgent?: string;
  /** Small facts (reason, factor kind, client, names); never a password, code or token. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuthEventRecord {
  id: string;
  type: string;
  ip: string | null;
  userAgent: string | null;
  detail: unknown;
  createdAt: Date;
}

/** Filters of the admin console's audit view; `type` ending in "." matches every type under it. */
export interface AuditFilter {
  type?: string;
  /** Events about this person, or done by them in the admin console (detail.actorId). */
  userId?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

const userAgentMax = 512;
const dayMs = 86_400_000;

export function createAuditLog(deps: { prisma: PrismaClient; logger: Logger; retentionDays: number }) {
  const { prisma, logger } = deps;

  const pruneOld = async (): Promise<number> => {
    try {
      const { count } = await prisma.authEvent.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - deps.retentionDays * dayMs) } } });
      if (count) logger.info({ event: 'audit.pruned', count, retentionDays: deps.retentionDays }, 'old audit events deleted');
      return count;
    } catch (error) {
      logger.error({ err: error, event: 'audit.prune_failed' }, 'could not delete old audit events');
      return 0;
    }
  };

  return {
    /** Writes one event; resolves either way (a failed write is logged, never thrown). */
    async record(event: AuthEventInput): Promise<void> {
      try {
        await prisma.authEvent.create({
          data: {
            type: event.type,
            userId: event.userId ?? null,
            ip: event.ip ?? null,
            userAgent: event.userAgent ? event.userAgent.slice(0, userAgentMax) : null,
            detail: event.detail ?? undefined,
          },
        });
      } catch (error) {
        logger.error({ err: error, event: 'audit.write_failed', type: event.type, accountId: event.userId }, 'audit event not recorded');
      }
    },

    /** The person's latest events of the given types, newest first. */
    async recent(userId: string, types: readonly AuthEventType[], limit = 20): Promise<AuthEventRecord[]> {
      return prisma.authEvent.findMany({
        where: { userId, type: { in: [...types] } },
        orderBy: { createdAt: 'desc' },
        take: limit,
        select: { id: true, type: true, ip: true, userAgent: true, detail: true, createdAt: true },
      });
    },

    /** Newest first, `limit` rows from `offset`; `more` says whether older rows follow. */
    async search(filter: AuditFilter, page: { offset: number; limit: number }): Promise<{ events: (AuthEventRecord & { userId: string | null })[]; more: boolean }> {
      const rows = await prisma.authEvent.findMany({
        where: {
          ...(filter.type ? { type: filter.type.endsWith('.') ? { startsWith: filter.type } : filter.type } : {}),
          ...(filter.userId ? { OR: [{ userId: filter.userId }, { detail: { path: ['actorId'], equals: filter.userId } }] } : {}),
          ...(filter.from || filter.to ? { createdAt: { ...(filter.from && { gte: filter.from }), ...(filter.to && { lt: filter.to }) } } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: page.offset,
        take: page.limit + 1,
        select: { id: true, type: true, userId: true, ip: true, userAgent: true, detail: true, createdAt: true },
      });
      return { events: rows.slice(0, page.limit), more: rows.length > page.limit };
    },

    pruneOld,

    /** Prunes now and then once a day; returns the stop function for shutdown. */
    startRetention(): () => Promise<void> {
      const first = pruneOld();
      const timer = setInterval(() => void pruneOld(), dayMs);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await first;
      };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
