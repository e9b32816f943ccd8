// /admin/identity (an extension of the /admin router): the reviewer queue of identity records. A reviewer sees
// and decides only records of the classes in their ReviewerScope (administrators see all); anything else is 404,
// also on POST. The note (the kit's required reason) is shown to the person; a repeated decision does nothing.
import { AppError } from '../src/lib/errors.ts';
import type { IdentityStatus, IdentityVerification } from '../src/services/identity-verification.ts';
import type { AdminPageExtension } from './admin-routes.ts';
import { messages } from './i18n/index.ts';
import { localeOf } from './render.ts';
import { identityQueueBody } from './views/identity.ts';

const queuePath = '/admin/identity';
const reviewRoles = ['admin', 'reviewer'] as const;
const statuses: IdentityStatus[] = ['pending', 'returned', 'verified'];
const outcomes = ['done', 'stale', 'note_required', 'note_too_long'];

export function identityReviewPages(deps: { identity: IdentityVerification }): AdminPageExtension {
  return (router, kit) => {
    kit.addNav({ path: queuePath, label: { en: messages('en').identity.queueTitle, 'zh-CN': messages('zh-CN').identity.queueTitle }, roles: reviewRoles });

    router.get('/identity', async (ctx) => {
      const staff = await kit.requireStaff(ctx, queuePath, reviewRoles);
      if (!staff) return;
      const status = statuses.find((entry) => entry === ctx.query.status) ?? 'pending';
      const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
      const locale = localeOf(ctx);
      kit.render(ctx, staff, {
        title: messages(locale).identity.queueTitle,
        body: identityQueueBody({
          locale, csrfToken: kit.csrfToken(ctx), status,
          items: await deps.identity.queue({ id: staff.user.id, roles: staff.roles }, status),
          notice: outcomes.find((entry) => entry === done),
        }),
      });
    });

    router.post('/identity/:id/decide', kit.parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, queuePath, reviewRoles);
      if (!guarded) return;
      const { staff, form } = guarded;
      const decision = form.decision === 'approve' || form.decision === 'return' ? form.decision : undefined;
      const revision = typeof form.revision === 'string' && /^\d{1,9}$/.test(form.revision) ? Number(form.revision) : undefined;
      if (!decision || revision === undefined) throw new AppError('bad_request', 'decision and revision are required');
      const note = kit.requireReason(ctx, staff, form, queuePath);
      if (note === undefined) return;
      const id = ctx.params.id ?? '';
      const { outcome, userId } = await deps.identity.decide({ id: staff.user.id, roles: staff.roles }, id, { revision, decision, note }, { ip: ctx.ip, userAgent: ctx.get('user-agent') });
      if (outcome === 'not_found') throw new AppError('not_found');
      if (outcome === 'done') await kit.audit(ctx, staff, { action: `identity.${decision}`, reason: note, targetUserId: userId, target: id, detail: { revision } });
      ctx.status = 303;
      ctx.redirect(`${queuePath}?done=${outcome}`);
    });
  };
}
