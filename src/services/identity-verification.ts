// A person's identity record (the "electronic archive"): submitted or corrected by the person, verified at once
// when its key fields equal a registry row (and no other account holds that number verified), else pending for
// the reviewer of that class, who approves it or returns it with a note. Correcting a key field of a verified
// record re-enters review. Every write is guarded by `revision` (a double click or a stale form changes nothing);
// every step is audited; each result is texted to the guardian. No Koa ctx here.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditLog } from './audit-log.ts';
import { checkIdentityFields, classScopeValue, type FieldIssue, type IdentityField, type RawIdentityFields } from './identity-fields.ts';
import { idNumberHint, type IdNumberHasher } from './national-id.ts';
import type { IdentityNotices, IdentityResult } from './identity-notices.ts';
import { importRegistryFromCsv, type RegistryImportReport } from './registry-import.ts';
import { isUuid } from '../lib/uuid.ts';

export type IdentityStatus = 'pending' | 'verified' | 'returned';
type Db = PrismaClient | Prisma.TransactionClient;

export interface IdentityView {
  id: string;
  userId: string;
  status: IdentityStatus;
  name: string;
  idNumberHint: string;
  school: string;
  grade: string;
  className: string;
  enrolmentYear: number;
  guardianName: string;
  guardianPhone: string;
  guardianVerified: boolean;
  verifiedBy: 'registry' | 'reviewer' | null;
  reviewerNote: string | null;
  decidedAt: Date | null;
  revision: number;
  updatedAt: Date;
}

/** A pending record as the reviewer sees it: the person, and which key fields differ from the registry. */
export interface QueueItem extends IdentityView {
  username: string;
  registry: 'missing' | 'differs' | 'taken' | 'matches';
  differences: { field: IdentityField; registry: string }[];
}

export interface Actor {
  ip?: string;
  userAgent?: string;
}

export interface Reviewer {
  id: string;
  roles: readonly string[];
}

export type SubmitOutcome =
  | { ok: false; issues: { field: IdentityField; issue: FieldIssue }[] }
  | { ok: false; stale: true }
  | { ok: true; status: IdentityStatus; changed: boolean };

export type DecideOutcome = 'done' | 'stale' | 'not_found' | 'note_required' | 'note_too_long';

/** A submission written inside a caller's transaction; `announce` audits and texts once it has committed. */
export interface StagedSubmission {
  outcome: SubmitOutcome;
  announce(): Promise<void>;
}

const noteMax = 500;
export const isReviewer = (roles: readonly string[]) => roles.includes('admin') || roles.includes('reviewer');

type Row = Awaited<ReturnType<PrismaClient['identityRecord']['findUniqueOrThrow']>>;

function viewOf(row: Row): IdentityView {
  return {
    id: row.id, userId: row.userId, status: row.status as IdentityStatus, name: row.name, idNumberHint: row.idNumberHint, school: row.school,
    grade: row.grade, className: row.className, enrolmentYear: row.enrolmentYear, guardianName: row.guardianName, guardianPhone: row.guardianPhone,
    guardianVerified: row.guardianVerifiedAt !== null, verifiedBy: row.verifiedBy as IdentityView['verifiedBy'], reviewerNote: row.reviewerNote,
    decidedAt: row.decidedAt, revision: row.revision, updatedAt: row.updatedAt,
  };
}

export function createIdentityVerification(deps: { prisma: PrismaClient; hasher: IdNumberHasher; notices: IdentityNotices; audit: Pick<AuditLog, 'record'>; logger: Logger }) {
  const { prisma, hasher } = deps;

  /** What the registry says of these key fields for this person. */
  const compare = async (db: Db, userId: string, key: { idNumberHash: string; name: string; school: string; grade: string; className: string; enrolmentYear: number }) => {
    const row = await db.registryRecord.findUnique({ where: { idNumberHash: key.idNumberHash } });
    if (!row) return { registry: 'missing' as const, differences: [], guardianPhone: undefined };
    const differences: QueueItem['differences'] = [];
    if (row.name !== key.name) differences.push({ field: 'name', registry: row.name });
    if (row.school !== key.school) differences.push({ field: 'school', registry: row.school });
    if (row.grade !== key.grade) differences.push({ field: 'grade', registry: row.grade });
    if (row.className !== key.className) differences.push({ field: 'class', registry: row.className });
    if (row.enrolmentYear !== key.enrolmentYear) differences.push({ field: 'enrolment_year', registry: String(row.enrolmentYear) });
    if (differences.length) return { registry: 'differs' as const, differences, guardianPhone: row.guardianPhone };
    // One registry pupil, one verified account: a second claim on the same number goes to a person.
    const taken = await db.identityRecord.count({ where: { idNumberHash: key.idNumberHash, status: 'verified', userId: { not: userId } } });
    return { registry: taken ? ('taken' as const) : ('matches' as const), differences, guardianPhone: row.guardianPhone };
  };

  const audit = (type: string, userId: string, actor: Actor, detail: Record<string, string | number | boolean | null>) =>
    deps.audit.record({ type: `identity.${type}`, userId, ip: actor.ip, userAgent: actor.userAgent, detail });

  /**
   * Scope conditions for a reviewer: everything for an administrator, their classes for a reviewer, else nothing;
   * never their own record (nobody verifies themselves).
   */
  const scopeWhere = async (reviewer: Reviewer): Promise<Prisma.IdentityRecordWhereInput | undefined> => {
    const within = await classesOf(reviewer);
    return within && { AND: [within, { userId: { not: reviewer.id } }] };
  };

  const classesOf = async (reviewer: Reviewer): Promise<Prisma.IdentityRecordWhereInput | undefined> => {
    if (reviewer.roles.includes('admin')) return {};
    if (!reviewer.roles.includes('reviewer')) return undefined;
    const scopes = await prisma.reviewerScope.findMany({ where: { userId: reviewer.id, kind: 'class' }, select: { value: true } });
    const classes = scopes.map(({ value }) => value.split('/')).filter((parts) => parts.length === 3);
    if (!classes.length) return undefined;
    return { OR: classes.map(([school = '', grade = '', className = '']) => ({ school, grade, className })) };
  };

  const stage = async (db: Db, userId: string, raw: RawIdentityFields, options: { expectedRevision?: number; guardianVerifiedAt?: Date; actor: Actor }): Promise<StagedSubmission> => {
    const quiet = async () => {};
    const existing = await db.identityRecord.findUnique({ where: { userId } });
    if (existing && options.expectedRevision !== undefined && existing.revision !== options.expectedRevision) return { outcome: { ok: false, stale: true }, announce: quiet };
    const checked = checkIdentityFields(raw, { keepIdNumber: Boolean(existing) });
    if (!checked.ok) return { outcome: { ok: false, issues: checked.issues }, announce: quiet };
    const fields = checked.value;
    const idNumberHash = fields.idNumber ? hasher.hash(fields.idNumber) : (existing?.idNumberHash ?? '');
    const key = { idNumberHash, name: fields.name, school: fields.school, grade: fields.grade, className: fields.className, enrolmentYear: fields.enrolmentYear };
    const keyChanged = !existing || (Object.keys(key) as (keyof typeof key)[]).some((name) => existing[name] !== key[name]);
    const guardianChanged = !existing || existing.guardianName !== fields.guardianName || existing.guardianPhone !== fields.guardianPhone;
    const guardian = {
      guardianName: fields.guardianName,
      guardianPhone: fields.guardianPhone,
      guardianVerifiedAt: existing && existing.guardianPhone === fields.guardianPhone ? existing.guardianVerifiedAt : (options.guardianVerifiedAt ?? null),
    };
    const record = { ...key, idNumberHint: fields.idNumber ? idNumberHint(fields.idNumber) : (existing?.idNumberHint ?? ''), ...guardian };

    // Nothing new: a verified or pending record stays as it is (a double submit is not a second review).
    if (existing && !keyChanged && (existing.status === 'verified' || existing.status === 'pending')) {
      if (!guardianChanged) return { outcome: { ok: true, status: existing.status as IdentityStatus, changed: false }, announce: quiet };
      const { count } = await db.identityRecord.updateMany({ where: { id: existing.id, revision: existing.revision }, data: { ...guardian, revision: { increment: 1 } } });
      if (!count) return { outcome: { ok: false, stale: true }, announce: quiet };
      return { outcome: { ok: true, status: existing.status as IdentityStatus, changed: true }, announce: () => audit('guardian_updated', userId, options.actor, { revision: existing.revision + 1 }) };
    }

    const match = await compare(db, userId, key);
    const verified = match.registry === 'matches';
    const decision = verified
      ? { status: 'verified', verifiedBy: 'registry', reviewerId: null, reviewerNote: null, decidedAt: new Date() }
      : { status: 'pending', verifiedBy: null, reviewerId: null, reviewerNote: null, decidedAt: null };
    let revision = 1;
    if (existing) {
      const { count } = await db.identityRecord.updateMany({ where: { id: existing.id, revision: existing.revision }, data: { ...record, ...decision, revision: { increment: 1 } } });
      if (!count) return { outcome: { ok: false, stale: true }, announce: quiet };
      revision = existing.revision + 1;
    } else {
      await db.identityRecord.create({ data: { userId, ...record, ...decision } });
    }
    const step = !existing ? 'submitted' : existing.status === 'returned' ? 'resubmitted' : 'corrected';
    return {
      outcome: { ok: true, status: decision.status as IdentityStatus, changed: true },
      announce: async () => {
        await audit(step, userId, options.actor, { revision, keyFieldsChanged: keyChanged, previousStatus: existing?.status ?? null });
        if (verified) {
          await audit('verified', userId, options.actor, { by: 'registry', revision });
          await deps.notices.tellGuardian([fields.guardianPhone, match.guardianPhone ?? ''], 'verified', userId);
        } else {
          await audit('pending', userId, options.actor, { registry: match.registry, revision });
        }
      },
    };
  };

  return {
    stage,

    /** The registry CSV uploaded on /admin/registry, under this server's key (the page audits it with its reason). */
    importRegistry: (text: string): Promise<RegistryImportReport> => importRegistryFromCsv(prisma, hasher, text),

    /** The person submits or corrects their record. `expectedRevision`: the revision their form showed. */
    async submit(userId: string, raw: RawIdentityFields, options: { expectedRevision?: number; actor: Actor }): Promise<SubmitOutcome> {
      let staged: StagedSubmission;
      try {
        staged = await prisma.$transaction((tx) => stage(tx, userId, raw, options));
      } catch (error) {
        // Two first submissions at once (a double click): the other one created the record.
        if ((error as { code?: string }).code === 'P2002') return { ok: false, stale: true };
        throw error;
      }
      await staged.announce();
      return staged.outcome;
    },

    async recordOf(userId: string): Promise<IdentityView | undefined> {
      const row = await prisma.identityRecord.findUnique({ where: { userId } });
      return row ? viewOf(row) : undefined;
    },

    /** Records in the reviewer's scope with this status, oldest first; empty for someone who reviews nothing. */
    async queue(reviewer: Reviewer, status: IdentityStatus = 'pending', limit = 200): Promise<QueueItem[]> {
      const scope = await scopeWhere(reviewer);
      if (!scope) return [];
      const rows = await prisma.identityRecord.findMany({ where: { AND: [scope, { status }] }, orderBy: { updatedAt: 'asc' }, take: limit, include: { user: { select: { username: true } } } });
      return Promise.all(rows.map(async (row) => {
        const { registry, differences } = await compare(prisma, row.userId, row);
        return { ...viewOf(row), username: row.user.username, registry, differences };
      }));
    },

    /** Approve or return a pending record in the reviewer's scope; the revision the reviewer saw must still hold. */
    async decide(reviewer: Reviewer, recordId: string, input: { revision: number; decision: 'approve' | 'return'; note: string }, actor: Actor): Promise<{ outcome: DecideOutcome; userId?: string }> {
      const scope = await scopeWhere(reviewer);
      if (!scope || !isUuid(recordId)) return { outcome: 'not_found' };
      const row = await prisma.identityRecord.findFirst({ where: { AND: [scope, { id: recordId }] } });
      if (!row) return { outcome: 'not_found' };
      const note = input.note.normalize('NFC').trim();
      if (input.decision === 'return' && !note) return { outcome: 'note_required', userId: row.userId };
      if (note.length > noteMax) return { outcome: 'note_too_long', userId: row.userId };
      const verified = input.decision === 'approve';
      const { count } = await prisma.identityRecord.updateMany({
        where: { id: row.id, revision: input.revision, status: 'pending' },
        data: { status: verified ? 'verified' : 'returned', verifiedBy: verified ? 'reviewer' : null, reviewerId: reviewer.id, reviewerNote: note || null, decidedAt: new Date(), revision: { increment: 1 } },
      });
      if (!count) return { outcome: 'stale', userId: row.userId };
      const result: IdentityResult = verified ? 'verified' : 'returned';
      await audit(verified ? 'approved' : 'returned', row.userId, actor, { reviewer: reviewer.id, revision: input.revision + 1, class: classScopeValue(row) });
      // Also the registry's number for this pupil: a guardian number changed on the record does not silence the school's.
      const registered = await prisma.registryRecord.findUnique({ where: { idNumberHash: row.idNumberHash }, select: { guardianPhone: true } });
      await deps.notices.tellGuardian([row.guardianPhone, registered?.guardianPhone ?? ''], result, row.userId);
      deps.logger.info({ event: `identity.${verified ? 'approved' : 'returned'}`, accountId: row.userId, reviewer: reviewer.id }, 'identity record decided');
      return { outcome: 'done', userId: row.userId };
    },
  };
}

export type IdentityVerification = ReturnType<typeof createIdentityVerification>;
