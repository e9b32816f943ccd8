// /admin/appeals: the lost-phone appeal queue for reviewers and administrators (second factor required by the
// admin kit). A reviewer sees the appeals of people in their departments only (404 otherwise, also on POST);
// an administrator sees all. Documents are served only here, as opaque downloads or inline images with nosniff
// and a sandboxing CSP, and each view is audited. A decision names the revision it was made on: a double click
// or a stale page applies nothing and says so.
import type { Context } from 'koa';
import { AppError } from '../src/lib/errors.ts';
import type { Appeals, QueuedAppeal } from '../src/services/appeals.ts';
import { extensionOf, showsInline } from '../src/services/identity-documents.ts';
import { scopeCovers } from '../src/services/staff-roles.ts';
import type { AdminPageExtension, Staff } from './admin-routes.ts';
import { localeOf } from './render.ts';
import { format, messages } from './i18n/index.ts';
import { appealReviewBase, renderAppealQueue, renderAppealReview, reviewStatuses } from './views/appeal-review.ts';

const reviewerRoles = ['admin', 'reviewer'] as const;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const isAdmin = (staff: Staff) => staff.roles.includes('admin');
const departmentsOf = (staff: Staff) => (isAdmin(staff) ? undefined : staff.scopes.filter((scope) => scope.kind === 'department').map((scope) => scope.value));
const inScope = (staff: Staff, appeal: QueuedAppeal) =>
  appeal.userId !== staff.user.id && (isAdmin(staff) || scopeCovers(staff.scopes, { department: appeal.person.department }));

export function appealReviewPages(deps: { appeals: Appeals }): AdminPageExtension {
  const { appeals } = deps;
  return (router, kit) => {
    kit.addNav({ path: appealReviewBase, label: { en: messages('en').appeals.review.title, 'zh-CN': messages('zh-CN').appeals.review.title }, roles: reviewerRoles });

    /** The appeal if this staff member may see it; otherwise 404, as if it did not exist. */
    const scopedAppeal = async (ctx: Context, staff: Staff) => {
      const appeal = await appeals.forReview(ctx.params.id ?? '');
      if (!appeal || !inScope(staff, appeal)) throw new AppError('not_found');
      return appeal;
    };

    router.get('/appeals', async (ctx) => {
      const staff = await kit.requireStaff(ctx, appealReviewBase, reviewerRoles);
      if (!staff) return;
      const status = reviewStatuses.find((known) => known === ctx.query.status) ?? 'pending';
      const locale = localeOf(ctx);
      kit.render(ctx, staff, { title: messages(locale).appeals.review.title, body: renderAppealQueue(locale, { status, appeals: await appeals.queue(status, { departments: departmentsOf(staff), reviewerId: staff.user.id }) }) });
    });

    router.get('/appeals/:id', async (ctx) => {
      const staff = await kit.requireStaff(ctx, `${appealReviewBase}/${ctx.params.id}`, reviewerRoles);
      if (!staff) return;
      const appeal = await scopedAppeal(ctx, staff);
      const locale = localeOf(ctx);
      const done = text(ctx.query.done);
      kit.render(ctx, staff, {
        title: format(messages(locale).appeals.review.detailTitle, { name: appeal.person.displayName }),
        body: renderAppealReview(locale, {
          appeal,
          csrfToken: kit.csrfToken(ctx),
          notice: done === 'approved' || done === 'rejected' ? done : undefined,
          sessionsEnded: text(ctx.query.sessions).replace(/\D/g, '').slice(0, 6),
          error: ctx.query.stale === '1' ? messages(locale).errors.appeal_stale : undefined,
        }),
      });
    });

    router.get('/appeals/:id/documents/:documentId', async (ctx) => {
      const staff = await kit.requireStaff(ctx, `${appealReviewBase}/${ctx.params.id}`, reviewerRoles);
      if (!staff) return;
      const appeal = await scopedAppeal(ctx, staff);
      const document = await appeals.document(appeal.id, ctx.params.documentId ?? '');
      if (!document) throw new AppError('not_found');
      await appeals.documentViewed(appeal, ctx.params.documentId ?? '', staff.user.id, { ip: ctx.ip, userAgent: ctx.get('user-agent') });
      const inline = showsInline(document.mediaType) && ctx.query.download !== '1';
      const name = `appeal-${appeal.id.slice(0, 8)}-${document.sha256.slice(0, 8)}.${extensionOf(document.mediaType)}`;
      ctx.set({
        'Content-Type': document.mediaType,
        'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename="${name}"`,
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; img-src 'self'; sandbox",
        'Cross-Origin-Resource-Policy': 'same-origin',
        'Cache-Control': 'no-store',
      });
      ctx.body = document.bytes;
    });

    router.post('/appeals/:id/decide', kit.parseForm, async (ctx) => {
      const backTo = `${appealReviewBase}/${ctx.params.id}`;
      const guarded = await kit.guardPost(ctx, backTo, reviewerRoles);
      if (!guarded) return;
      const { staff, form } = guarded;
      const appeal = await scopedAppeal(ctx, staff);
      const decision = form.decision === 'approve' ? 'approved' : form.decision === 'reject' ? 'rejected' : undefined;
      // Digits only, and few enough for the revision column (a larger number made Prisma throw: a 500).
      const revision = /^\d{1,9}$/.test(text(form.revision)) ? Number(form.revision) : undefined;
      if (!decision || revision === undefined) throw new AppError('bad_request', 'decision or revision missing');
      const note = kit.requireReason(ctx, staff, form, backTo);
      if (!note) return;
      const decided = await appeals.decide({ appealId: appeal.id, revision, decision, reviewerId: staff.user.id, note, ip: ctx.ip, userAgent: ctx.get('user-agent'), locale: localeOf(ctx) });
      ctx.status = 303;
      if (!decided.ok) {
        // Nothing changed (a second click, another reviewer first, or the person edited it): say so, audit nothing.
        ctx.state.logger.info({ event: 'appeal.decision_stale', appealId: appeal.id, revision, reviewerId: staff.user.id }, 'appeal decision on a stale revision');
        return ctx.redirect(`${backTo}?stale=1`);
      }
      await kit.audit(ctx, staff, { action: `appeal.${decision === 'approved' ? 'approve' : 'reject'}`, reason: note, targetUserId: appeal.userId, target: appeal.id, detail: { revision, sessionsEnded: decided.sessionsEnded } });
      ctx.redirect(`${backTo}?done=${decision}&sessions=${decided.sessionsEnded}`);
    });
  };
}
