// /admin/users (an AdminPageExtension): search people, read one person's page, and act on the account. Admins may
// do everything; help-desk staff read and clear a sign-in lockout; reviewers do not see these pages. Each action
// needs a reason, is recorded as `admin.<action>` and tells the person; a repeat that changes nothing says so and
// records nothing.
import type { Context } from 'koa';
import { html } from '../src/lib/html.ts';
import { AppError } from '../src/lib/errors.ts';
import type { SecurityEvent } from '../src/connectors/email/templates.ts';
import type { AdminUserActions } from '../src/services/admin-user-actions.ts';
import { searchLimit, searchMin } from '../src/services/admin-user-actions.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import type { StaffRole } from '../src/services/staff-roles.ts';
import type { AdminPageExtension, AdminPageKit, Staff } from './admin-routes.ts';
import { messages } from './i18n/index.ts';
import { localeOf } from './render.ts';
import { renderUserPage, renderUserSearch, userActions, type UserAction } from './views/admin-users.ts';

const readers: readonly StaffRole[] = ['admin', 'helpdesk'];
const admins: readonly StaffRole[] = ['admin'];
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** What a role may do on a person's page. */
const allowedFor = (staff: Staff): ReadonlySet<UserAction> =>
  new Set(staff.roles.includes('admin') ? userActions : staff.roles.includes('helpdesk') ? (['unlock'] as const) : []);

interface Outcome {
  changed: boolean;
  count?: number;
  /** Recorded with the reason; never a secret. */
  detail?: Record<string, string | number | boolean | null>;
  notice?: SecurityEvent;
}

export function adminUserPages(deps: { actions: AdminUserActions; audit: Pick<AuditLog, 'search'> }): AdminPageExtension {
  const { actions } = deps;
  return (router, kit: AdminPageKit) => {
    kit.addNav({ path: '/admin/users', label: { en: messages('en').admin.nav.users, 'zh-CN': messages('zh-CN').admin.nav.users }, roles: readers });

    router.get('/users', async (ctx) => {
      const staff = await kit.requireStaff(ctx, '/admin/users', readers);
      if (!staff) return;
      const locale = localeOf(ctx);
      const query = text(ctx.query.q).slice(0, 100);
      const tooShort = query.trim().length > 0 && query.trim().length < searchMin;
      const result = query.trim().length >= searchMin ? await actions.search(query) : undefined;
      kit.render(ctx, staff, { status: tooShort ? 400 : 200, title: messages(locale).admin.users.title, body: renderUserSearch(locale, { query, tooShort, result, limit: searchLimit }) });
    });

    router.get('/users/:id', async (ctx) => {
      const id = ctx.params.id ?? '';
      const staff = await kit.requireStaff(ctx, `/admin/users/${uuidPattern.test(id) ? id : ''}`, readers);
      if (!staff) return;
      const profile = await actions.profile(id);
      if (!profile) throw new AppError('not_found');
      const locale = localeOf(ctx);
      const done = userActions.find((action) => action === text(ctx.query.done));
      const already = userActions.find((action) => action === text(ctx.query.already));
      const count = Number.parseInt(text(ctx.query.count), 10);
      const { events } = await deps.audit.search({ userId: profile.user.id }, { offset: 0, limit: 20 });
      kit.render(ctx, staff, {
        title: `${profile.user.displayName} (${profile.user.username})`,
        body: renderUserPage(locale, {
          profile,
          history: events,
          csrfToken: kit.csrfToken(ctx),
          allowed: allowedFor(staff),
          notice: done ? { action: done, changed: true, count: Number.isFinite(count) ? count : 0 } : already ? { action: already, changed: false } : undefined,
        }),
      });
    });

    /** The common shape of every action: guard, reason, target, act, then audit + notify only when something changed. */
    const act = (
      path: string,
      action: UserAction,
      auditAction: string,
      roles: readonly StaffRole[],
      run: (ctx: Context, userId: string) => Promise<Outcome>,
      options: { notSelf?: boolean } = {},
    ) => {
      router.post(`/users/:id/${path}`, kit.parseForm, async (ctx) => {
        const userId = ctx.params.id ?? '';
        const page = `/admin/users/${uuidPattern.test(userId) ? userId : ''}`;
        const guarded = await kit.guardPost(ctx, page, roles);
        if (!guarded) return;
        const { staff, form } = guarded;
        const reason = kit.requireReason(ctx, staff, form, page);
        if (!reason) return;
        const target = await actions.profile(userId);
        if (!target) throw new AppError('not_found');
        if (options.notSelf && target.user.id === staff.user.id) {
          const t = messages(localeOf(ctx)).admin;
          kit.render(ctx, staff, { status: 400, title: t.users.actions[action] ?? action, body: html`<p class="alert" role="alert">${t.users.selfAction}</p><p><a href="${page}">${t.back}</a></p>` });
          return;
        }
        const outcome = await run(ctx, target.user.id);
        if (outcome.changed) {
          await kit.audit(ctx, staff, { action: auditAction, reason, targetUserId: target.user.id, target: target.user.username, detail: outcome.detail });
          if (outcome.notice) await kit.notify(ctx, target.user.id, outcome.notice);
        }
        ctx.status = 303;
        ctx.redirect(`${page}?${outcome.changed ? `done=${action}${outcome.count === undefined ? '' : `&count=${outcome.count}`}` : `already=${action}`}#notice`);
      });
    };

    act('disable', 'disable', 'disable', admins, async (_ctx, id) => {
      const { changed, sessionsEnded } = await actions.disable(id);
      return { changed, detail: { sessionsEnded }, notice: 'account_disabled' };
    }, { notSelf: true });

    act('enable', 'enable', 'enable', admins, async (_ctx, id) => {
      const { changed, status } = await actions.enable(id);
      return { changed, detail: { status: status ?? null }, notice: 'account_enabled' };
    });

    act('force-password-reset', 'forceReset', 'force_password_reset', admins, async (_ctx, id) => {
      const { changed, sessionsEnded } = await actions.requirePasswordChange(id);
      return { changed, detail: { sessionsEnded }, notice: 'password_change_required' };
    }, { notSelf: true });

    act('sign-out-everywhere', 'signOut', 'sign_out_everywhere', admins, async (_ctx, id) => {
      const { sessionsEnded } = await actions.signOutEverywhere(id);
      return { changed: sessionsEnded > 0, count: sessionsEnded, detail: { sessionsEnded }, notice: 'signed_out_everywhere' };
    }, { notSelf: true });

    act('unlock', 'unlock', 'unlock', readers, async (_ctx, id) => actions.unlock(id));

    act('factors/:factorId/unbind', 'unbindFactor', 'unbind_factor', admins, async (ctx, id) => {
      const factorId = text(ctx.params.factorId);
      const { changed, kind } = await actions.unbindFactor(id, factorId);
      return { changed, detail: { factorId, kind: kind ?? null }, notice: 'factor_removed' };
    }, { notSelf: true });

    act('identities/:identityId/unbind', 'unbindIdentity', 'unbind_identity', admins, async (ctx, id) => {
      const identityId = text(ctx.params.identityId);
      const { changed, provider } = await actions.unbindIdentity(id, identityId);
      return { changed, detail: { identityId, provider: provider ?? null }, notice: 'external_identity_unlinked' };
    });
  };
}
