// Lost-phone appeals (issue #8): a person asks a reviewer to unbind the numbers that no longer receive codes. One
// open (pending or rejected) appeal per person, kept under a lock on the person; the person may edit, resubmit or
// delete it. A decision names the revision it was made on, so a double click or a stale page changes nothing.
// Approval unbinds the numbers in the transaction that decides it and marks the person for a new number at the
// next sign-in (rebindPending); then every session ends and the person is told. Rejecting or deleting changes no
// binding. Every step is audited; documents are deleted a set number of days after the decision.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Locale } from '../config/env.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditLog } from './audit-log.ts';
import type { AppealNotices } from './appeal-notices.ts';
import type { CheckedDocument } from './identity-documents.ts';
import { checkPhone } from './user-input.ts';
import { isUuid } from '../lib/uuid.ts';

export const appealReasons = ['lost', 'stolen', 'number_changed', 'no_signal', 'other'] as const;
export type AppealReason = (typeof appealReasons)[number];
export const unbindableRoles = ['login_phone', 'security_phone'] as const;
export type UnbindableRole = (typeof unbindableRoles)[number];
export type AppealStatus = 'pending' | 'approved' | 'rejected';
export type AppealChannel = 'signed_in' | 'forgot_password';
export type AppealDecision = 'approved' | 'rejected';

export interface AppealFields {
  reason: AppealReason;
  reasonText: string;
  unbindRoles: UnbindableRole[];
  organisation: string;
  contactPhone: string;
}

export interface AppealDocumentInfo {
  id: string;
  mediaType: string;
  byteSize: number;
  createdAt: Date;
}

export interface AppealView extends AppealFields {
  id: string;
  userId: string;
  status: AppealStatus;
  channel: AppealChannel;
  reviewerNote: string | null;
  decidedAt: Date | null;
  revision: number;
  rebindPending: boolean;
  /** The language the person appealed (or last edited) in: the decision reaches them in it, not the reviewer's. */
  locale: Locale;
  createdAt: Date;
  updatedAt: Date;
  documents: AppealDocumentInfo[];
}

export interface QueuedAppeal extends AppealView {
  person: { username: string; displayName: string; department: string | null; type: string };
}

/** Who did it, for the audit trail. */
export interface StepMeta {
  ip?: string;
  userAgent?: string;
  locale: Locale;
}

export type FieldProblem = 'reason' | 'reasonText' | 'unbindRoles' | 'organisation' | 'contactPhone';
export type FieldCheck = { ok: true; fields: AppealFields } | { ok: false; problems: FieldProblem[] };

export const appealLimits = { reasonText: 500, organisation: 100, note: 500 } as const;
const openStatuses: AppealStatus[] = ['pending', 'rejected'];
const dayMs = 86_400_000;
/**
 * Appeals one person may open in a day. Each one texts the contact number the person typed (unverified) and
 * mails them: without a cap, opening and withdrawing in a loop sent texts to any number without end.
 */
export const appealOpensPerDay = 5;

const text = (value: unknown) => (typeof value === 'string' ? value.normalize('NFC').trim() : '');

/** Validates the appeal form's text fields (documents are checked by identity-documents.ts). */
export function checkAppealFields(form: Record<string, unknown>): FieldCheck {
  const problems: FieldProblem[] = [];
  const reason = appealReasons.find((known) => known === form.reason);
  if (!reason) problems.push('reason');
  const reasonText = text(form.reason_text);
  if (reasonText.length > appealLimits.reasonText || (reason === 'other' && !reasonText)) problems.push('reasonText');
  const chosen = text(form.unbind_roles).split(',');
  const unbindRoles = unbindableRoles.filter((role) => chosen.includes(role));
  if (unbindRoles.length === 0) problems.push('unbindRoles');
  const organisation = text(form.organisation);
  if (!organisation || organisation.length > appealLimits.organisation) problems.push('organisation');
  const phone = checkPhone(text(form.contact_phone).slice(0, 32));
  if ('problem' in phone) problems.push('contactPhone');
  if (problems.length || !reason || 'problem' in phone) return { ok: false, problems };
  return { ok: true, fields: { reason, reasonText, unbindRoles, organisation, contactPhone: phone.value } };
}

type AppealRow = Prisma.AppealGetPayload<{ include: { documents: { select: { id: true; mediaType: true; byteSize: true; createdAt: true } } } }>;
const withDocuments = { documents: { select: { id: true, mediaType: true, byteSize: true, createdAt: true }, orderBy: { createdAt: 'asc' } } } as const;

const viewOf = (row: AppealRow): AppealView => ({
  id: row.id,
  userId: row.userId,
  status: row.status as AppealStatus,
  channel: row.channel as AppealChannel,
  reason: row.reason as AppealReason,
  reasonText: row.reasonText,
  unbindRoles: unbindableRoles.filter((role) => row.unbindRoles.includes(role)),
  organisation: row.organisation,
  contactPhone: row.contactPhone,
  reviewerNote: row.reviewerNote,
  decidedAt: row.decidedAt,
  revision: row.revision,
  rebindPending: row.rebindPending,
  locale: row.locale === 'en' ? 'en' : 'zh-CN',
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  documents: row.documents,
});

const documentRows = (appealId: string, documents: CheckedDocument[]) =>
  documents.map((document) => ({ appealId, mediaType: document.mediaType, byteSize: document.bytes.length, sha256: document.sha256, content: document.bytes.toString('base64') }));


export interface AppealsDependencies {
  prisma: PrismaClient;
  audit: Pick<AuditLog, 'record'>;
  /** Ends every session of the account (src/services/account-sessions.ts: CAS SLO and back-channel logout follow). */
  sessions: { revokeAll(accountId: string): Promise<number> };
  notices: AppealNotices;
  documentRetentionDays: number;
  logger: Logger;
}

export function createAppeals(deps: AppealsDependencies) {
  const { prisma, audit, logger } = deps;

  const record = (type: string, userId: string, meta: Partial<StepMeta>, detail: Record<string, string | number | boolean | null>) =>
    audit.record({ type: `appeal.${type}`, userId, ip: meta.ip, userAgent: meta.userAgent, detail });

  /** Notices go out in the background: a slow mail relay never holds up the change it reports. */
  const inBackground = (what: string, userId: string, send: () => Promise<void>) => {
    send().catch((error: unknown) => logger.warn({ err: error, event: 'appeal.notice_failed', notice: what, userId }, 'appeal notice not sent'));
  };

  /** Only numbers the person has can be unbound (else the next sign-in would ask for a number never lost). */
  const allBound = async (tx: Prisma.TransactionClient, userId: string, roles: UnbindableRole[]) =>
    (await tx.contactPoint.count({ where: { userId, role: { in: roles }, verifiedAt: { not: null } } })) === roles.length;

  const find = async (appealId: string): Promise<AppealView | undefined> => {
    if (!isUuid(appealId)) return undefined;
    const row = await prisma.appeal.findUnique({ where: { id: appealId }, include: withDocuments });
    return row ? viewOf(row) : undefined;
  };

  const pruneDocuments = async (): Promise<number> => {
    try {
      const cutoff = new Date(Date.now() - deps.documentRetentionDays * dayMs);
      const { count } = await prisma.appealDocument.deleteMany({ where: { appeal: { status: { in: ['approved', 'rejected'] }, decidedAt: { lt: cutoff } } } });
      if (count) logger.info({ event: 'appeal.documents_pruned', count, retentionDays: deps.documentRetentionDays }, 'appeal documents past retention deleted');
      return count;
    } catch (error) {
      logger.error({ err: error, event: 'appeal.prune_failed' }, 'could not delete appeal documents past retention');
      return 0;
    }
  };

  return {
    /**
     * Opens an appeal with its documents, unless the person already has an open one (checked under a lock on
     * the person, so two tabs cannot open two).
     */
    async open(userId: string, fields: AppealFields, documents: CheckedDocument[], meta: StepMeta & { channel: AppealChannel }): Promise<{ ok: true; appeal: AppealView } | { ok: false; reason: 'appeal_open_exists' | 'appeal_not_bound' | 'appeal_open_limited' }> {
      const created = await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`appeal:${userId}`}))`;
        if (await tx.appeal.findFirst({ where: { userId, status: { in: openStatuses } }, select: { id: true } })) return 'appeal_open_exists' as const;
        // Withdrawn appeals are deleted: the audit trail is what remembers how many were opened.
        const openedToday = await tx.authEvent.count({ where: { userId, type: 'appeal.opened', createdAt: { gt: new Date(Date.now() - dayMs) } } });
        if (openedToday >= appealOpensPerDay) return 'appeal_open_limited' as const;
        if (!(await allBound(tx, userId, fields.unbindRoles))) return 'appeal_not_bound' as const;
        const appeal = await tx.appeal.create({ data: { userId, ...fields, channel: meta.channel, locale: meta.locale } });
        await tx.appealDocument.createMany({ data: documentRows(appeal.id, documents) });
        return tx.appeal.findUniqueOrThrow({ where: { id: appeal.id }, include: withDocuments });
      });
      if (typeof created === 'string') return { ok: false, reason: created };
      const appeal = viewOf(created);
      await record('opened', userId, meta, { appealId: appeal.id, channel: meta.channel, reason: fields.reason, roles: fields.unbindRoles.join(','), documents: documents.length });
      return { ok: true, appeal };
    },

    /**
     * Changes a pending or rejected appeal and puts it (back) in the queue; new documents replace the old ones.
     * An appeal without documents (retention removed them) needs new ones.
     */
    async edit(userId: string, appealId: string, fields: AppealFields, documents: CheckedDocument[], meta: StepMeta): Promise<{ ok: true; appeal: AppealView } | { ok: false; reason: 'not_found' | 'appeal_not_editable' | 'document_missing' | 'appeal_not_bound' }> {
      if (!isUuid(appealId)) return { ok: false, reason: 'not_found' };
      const result = await prisma.$transaction(async (tx) => {
        const current = await tx.appeal.findFirst({ where: { id: appealId, userId }, select: { status: true, revision: true, _count: { select: { documents: true } } } });
        if (!current) return 'not_found' as const;
        if (!openStatuses.includes(current.status as AppealStatus)) return 'appeal_not_editable' as const;
        if (documents.length === 0 && current._count.documents === 0) return 'document_missing' as const;
        if (!(await allBound(tx, userId, fields.unbindRoles))) return 'appeal_not_bound' as const;
        const { count } = await tx.appeal.updateMany({
          where: { id: appealId, userId, revision: current.revision, status: { in: openStatuses } },
          data: { ...fields, locale: meta.locale, status: 'pending', reviewerId: null, reviewerNote: null, decidedAt: null, revision: { increment: 1 } },
        });
        if (count === 0) return 'appeal_not_editable' as const;
        if (documents.length) {
          await tx.appealDocument.deleteMany({ where: { appealId } });
          await tx.appealDocument.createMany({ data: documentRows(appealId, documents) });
        }
        return { previous: current.status, row: await tx.appeal.findUniqueOrThrow({ where: { id: appealId }, include: withDocuments }) };
      });
      if (typeof result === 'string') return { ok: false, reason: result };
      const appeal = viewOf(result.row);
      await record(result.previous === 'rejected' ? 'resubmitted' : 'edited', userId, meta, { appealId, revision: appeal.revision, roles: fields.unbindRoles.join(','), documentsReplaced: documents.length });
      return { ok: true, appeal };
    },

    /** Withdraws an open appeal with its documents; a decided one stays (it is the record of a change). */
    async remove(userId: string, appealId: string, meta: Partial<StepMeta>): Promise<boolean> {
      if (!isUuid(appealId)) return false;
      const { count } = await prisma.appeal.deleteMany({ where: { id: appealId, userId, status: { in: openStatuses } } });
      if (count === 1) await record('deleted', userId, meta, { appealId });
      return count === 1;
    },

    /** The person's open appeal, else their latest decided one. */
    async latest(userId: string): Promise<AppealView | undefined> {
      const row = (await prisma.appeal.findFirst({ where: { userId, status: { in: openStatuses } }, include: withDocuments }))
        ?? (await prisma.appeal.findFirst({ where: { userId }, orderBy: { createdAt: 'desc' }, include: withDocuments }));
      return row ? viewOf(row) : undefined;
    },

    find,

    /**
     * The reviewer queue: pending first-come first-served, or the latest decisions. `departments` limits it to
     * people of those departments (a scoped reviewer); undefined shows everyone's (an administrator). The
     * reviewer's own appeal is never in it: someone else decides that.
     */
    async queue(status: AppealStatus = 'pending', options: { departments?: string[]; limit?: number; reviewerId: string }): Promise<QueuedAppeal[]> {
      const { departments, limit = 100, reviewerId } = options;
      const rows = await prisma.appeal.findMany({
        where: { status, userId: { not: reviewerId }, ...(departments ? { user: { department: { in: departments } } } : {}) },
        orderBy: status === 'pending' ? { updatedAt: 'asc' } : { decidedAt: 'desc' },
        take: limit,
        include: { ...withDocuments, user: { select: { username: true, displayName: true, department: true, type: true } } },
      });
      return rows.map((row) => ({ ...viewOf(row), person: row.user }));
    },

    /** One appeal with the person, for the evidence viewer. */
    async forReview(appealId: string): Promise<QueuedAppeal | undefined> {
      if (!isUuid(appealId)) return undefined;
      const row = await prisma.appeal.findUnique({ where: { id: appealId }, include: { ...withDocuments, user: { select: { username: true, displayName: true, department: true, type: true } } } });
      return row ? { ...viewOf(row), person: row.user } : undefined;
    },

    /** A document's bytes and sniffed type, for reviewers only (the route checks the role and audits the view). */
    async document(appealId: string, documentId: string): Promise<{ mediaType: string; bytes: Buffer; sha256: string } | undefined> {
      if (!isUuid(appealId) || !isUuid(documentId)) return undefined;
      const row = await prisma.appealDocument.findFirst({ where: { id: documentId, appealId }, select: { mediaType: true, content: true, sha256: true } });
      return row ? { mediaType: row.mediaType, bytes: Buffer.from(row.content, 'base64'), sha256: row.sha256 } : undefined;
    },

    /**
     * Decides a pending appeal at `revision`. Only the first decision on that revision applies (a second click or
     * a stale page gets `appeal_stale`). Approval unbinds the numbers and ends trusted browsers in the same
     * transaction, then ends every session; each decision is audited and the person is told.
     */
    async decide(input: { appealId: string; revision: number; decision: AppealDecision; reviewerId: string; note: string } & StepMeta): Promise<{ ok: true; appeal: AppealView; sessionsEnded: number } | { ok: false; reason: 'not_found' | 'appeal_stale' }> {
      const { appealId, revision, decision, reviewerId } = input;
      if (!isUuid(appealId)) return { ok: false, reason: 'not_found' };
      const note = input.note.normalize('NFC').trim().slice(0, appealLimits.note);
      const outcome = await prisma.$transaction(async (tx) => {
        const current = await tx.appeal.findUnique({ where: { id: appealId }, select: { userId: true, unbindRoles: true } });
        // No one decides their own appeal (an administrator could otherwise unbind the phones of an account they
        // took over by password alone).
        if (!current || current.userId === reviewerId) return 'not_found' as const;
        const { count } = await tx.appeal.updateMany({
          where: { id: appealId, revision, status: 'pending' },
          data: { status: decision, reviewerId, reviewerNote: note || null, decidedAt: new Date(), revision: { increment: 1 }, rebindPending: decision === 'approved' },
        });
        if (count === 0) return 'appeal_stale' as const;
        let unbound: string[] = [];
        if (decision === 'approved') {
          const roles = current.unbindRoles.filter((role) => (unbindableRoles as readonly string[]).includes(role));
          unbound = (await tx.contactPoint.findMany({ where: { userId: current.userId, role: { in: roles } }, select: { role: true } })).map((row) => row.role);
          await tx.contactPoint.deleteMany({ where: { userId: current.userId, role: { in: roles } } });
          // Trust given on the strength of the lost phone ends with it.
          await tx.deviceTrust.deleteMany({ where: { userId: current.userId } });
        }
        return { unbound, row: await tx.appeal.findUniqueOrThrow({ where: { id: appealId }, include: withDocuments }) };
      });
      if (typeof outcome === 'string') return { ok: false, reason: outcome };
      const appeal = viewOf(outcome.row);
      // The decision is committed: a key-value store hiccup while ending sessions must not also lose its audit
      // entry and the person's notice (the reviewer's retry would only be told the appeal is stale).
      let sessionsEnded = 0;
      let sessionsFailed = false;
      if (decision === 'approved') {
        try {
          sessionsEnded = await deps.sessions.revokeAll(appeal.userId);
        } catch (error) {
          sessionsFailed = true;
          logger.error({ err: error, event: 'appeal.sessions_not_ended', appealId, userId: appeal.userId }, 'approved appeal: sessions could not be ended');
        }
      }
      await record(decision, appeal.userId, input, { appealId, revision, reviewerId, note: note || null, unbound: outcome.unbound.join(','), sessionsEnded, ...(sessionsFailed ? { sessionsFailed } : {}) });
      inBackground(decision, appeal.userId, () => deps.notices.decided({ userId: appeal.userId, contactPhone: appeal.contactPhone, locale: appeal.locale, decision, note: note || undefined }));
      return { ok: true, appeal, sessionsEnded };
    },

    /** Tells the person the appeal arrived (with the status link when they cannot sign in). */
    received(appeal: AppealView, meta: { locale: Locale; statusUrl?: string; statusTo?: string }) {
      inBackground('received', appeal.userId, () => deps.notices.received({ userId: appeal.userId, contactPhone: appeal.contactPhone, ...meta }));
    },

    /** Audits that someone who cannot sign in proved the account's recovery e-mail to appeal (/appeal). */
    async recoveryProven(userId: string, meta: Partial<StepMeta>) {
      await record('recovery_proven', userId, meta, { channel: 'forgot_password' });
    },

    /** Audits a reviewer opening a document. */
    async documentViewed(appeal: AppealView, documentId: string, reviewerId: string, meta: Partial<StepMeta>) {
      await record('document_viewed', appeal.userId, meta, { appealId: appeal.id, documentId, reviewerId });
    },

    pruneDocuments,

    /** Deletes documents past retention now and then once a day; returns the stop function for shutdown. */
    startRetention(): () => Promise<void> {
      const first = pruneDocuments();
      const timer = setInterval(() => void pruneDocuments(), dayMs);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await first;
      };
    },
  };
}

export type Appeals = ReturnType<typeof createAppeals>;
