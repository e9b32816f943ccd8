// The admin console (/admin): only staff (roles admin, reviewer, helpdesk on User.roles) enter, and only from a
// session that showed a second factor. It rides on the account pages' sign-in (their kit sends the browser
// through the internal account client, with step-up when the person has a factor); a staff member without any
// factor is told to enrol one. Sections plug in as AdminPageExtensions (users, clients, audit trail, review
// queues) through AdminPageKit: staff check, guarded POST, required reason, audit, nav entries, page shell.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { SafeHtml } from '../src/lib/html.ts';
import { html } from '../src/lib/html.ts';
import { AppError } from '../src/lib/errors.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import type { SsoSession } from '../src/cas/sso-bridge.ts';
import { sessionHasSecondFactor } from '../src/oidc/mfa-policy.ts';
import type { UserRecord } from '../src/services/accounts.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import { staffRoles, staffRolesOf, type ReviewerScopeEntry, type StaffRole } from '../src/services/staff-roles.ts';
import type { SecurityEvent } from '../src/connectors/email/templates.ts';
import type { AccountPageExtension, AccountPageKit, Form, SecurityNotifications } from './account-routes.ts';
import { messages, type Locale } from './i18n/index.ts';
import { localeOf, pageFrame } from './render.ts';
import { reasonMax, renderAdminPage } from './views/admin-layout.ts';

/** A signed-in staff member with a second factor in this session. */
export interface Staff {
  session: SsoSession;
  user: UserRecord;
  /** The staff roles held (never empty). */
  roles: StaffRole[];
  /** A reviewer's classes and departments (empty for other roles). */
  scopes: ReviewerScopeEntry[];
}

export interface AdminNavEntry {
  /** Under /admin, e.g. "/admin/appeals". */
  path: string;
  label: Record<Locale, string>;
  /** Shown to staff holding any of these roles. */
  roles: readonly StaffRole[];
}

export interface AdminAuditInput {
  /** Recorded as auth_event type `admin.<action>`, e.g. "disable", "appeal.approve". */
  action: string;
  reason: string;
  /** The person acted upon (auth_event.user_id), when there is one. */
  targetUserId?: string | null;
  /** What was acted upon, in words an auditor reads: a login ID, an appeal id. */
  target?: string;
  /** More small facts; never a secret. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface AdminPageKit {
  /**
   * The staff member, or undefined after answering (sent to sign in / step-up and back to `returnTo`, or a 403
   * page: not staff, no second factor enrolled, or none of `roles`). `roles` defaults to every staff role.
   */
  requireStaff(ctx: Context, returnTo: string, roles?: readonly StaffRole[]): Promise<Staff | undefined>;
  /** Every POST: CSRF token first (403 csrf_failed), then requireStaff. Parse the body first (parseForm). */
  guardPost(ctx: Context, returnTo: string, roles?: readonly StaffRole[]): Promise<{ staff: Staff; form: Form } | undefined>;
  /** The trimmed reason from form.reason, or undefined after rendering a 400 page that says what is missing (with a link to `backTo`). */
  requireReason(ctx: Context, staff: Staff, form: Form, backTo?: string): string | undefined;
  /** Records `admin.<action>` in the audit trail with the reason, the target and the acting staff member. */
  audit(ctx: Context, staff: Staff, input: AdminAuditInput): Promise<void>;
  /** Tells the person acted upon by their other channels; a failure is logged, never thrown. */
  notify(ctx: Context, userId: string, event: SecurityEvent): Promise<void>;
  /** Adds a section to the nav (call while registering routes). */
  addNav(entry: AdminNavEntry): void;
  /** Renders a page in the admin shell (nav, who is signed in); sets type html and no-store. */
  render(ctx: Context, staff: Staff, page: { title: string; body: SafeHtml; status?: number; scripts?: string[] }): void;
  /** The CSRF token for a form on this page (put it in a hidden `_csrf` field, or use csrfField from views/admin-layout.ts). */
  csrfToken(ctx: Context): string;
  /** Form body parser for admin POST routes (16 kB, urlencoded). */
  parseForm: ReturnType<typeof bodyParser>;
}

/** Registers more pages on the /admin router (see /tmp/admin-kit.md and admin-user-routes.ts for an example). */
export type AdminPageExtension = (router: Router, kit: AdminPageKit) => void;

export interface AdminPageDependencies {
  /** The account pages' sign-in machinery (captured with captureAccountKit, registered on the /account router). */
  accountKit: () => AccountPageKit;
  secondFactorCount(userId: string): Promise<number>;
  scopesOf(userId: string): Promise<ReviewerScopeEntry[]>;
  audit: Pick<AuditLog, 'record'>;
  notifier: SecurityNotifications;
  /** Whether the nav links /account/outbox for this person (development outbox). */
  showsOutbox?: (user: UserRecord) => boolean;
  extensions?: AdminPageExtension[];
}

/**
 * The account router hands its kit to its extensions only; this extension keeps it for the admin router. Register
 * `extension` in accountRoutes' extensions, pass `get` as AdminPageDependencies.accountKit.
 */
export function captureAccountKit(): { extension: AccountPageExtension; get: () => AccountPageKit } {
  let kit: AccountPageKit | undefined;
  return {
    extension: (_router, given) => {
      kit = given;
    },
    get: () => {
      if (!kit) throw new Error('the account kit was not captured: register captureAccountKit().extension on the /account router');
      return kit;
    },
  };
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const homePath = '/admin';

export function adminRoutes(deps: AdminPageDependencies): Router {
  const router = new Router({ prefix: homePath });
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const navEntries: AdminNavEntry[] = [
    { path: homePath, label: { en: messages('en').admin.nav.home, 'zh-CN': messages('zh-CN').admin.nav.home }, roles: staffRoles },
  ];

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const navFor = (ctx: Context, staff: Staff | undefined) => {
    const locale = localeOf(ctx);
    const t = messages(locale).admin;
    const links = staff ? navEntries.filter((entry) => entry.roles.some((role) => staff.roles.includes(role))) : [];
    const extra = [
      ...(staff && deps.showsOutbox?.(staff.user) ? [{ path: '/account/outbox', label: t.nav.outbox }] : []),
      { path: '/account', label: t.nav.account },
    ];
    // The current section: the longest nav path the request path starts with.
    const current = links.map((entry) => entry.path).filter((path) => ctx.path === path || ctx.path.startsWith(`${path}/`)).sort((a, b) => b.length - a.length)[0];
    return [...links.map((entry) => ({ path: entry.path, label: entry.label[locale], current: entry.path === current })), ...extra.map((link) => ({ ...link, current: false }))];
  };

  const render: AdminPageKit['render'] = (ctx, staff, page) => {
    ctx.status = page.status ?? 200;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderAdminPage({
      ...pageFrame(ctx),
      nav: navFor(ctx, staff),
      who: { name: staff.user.displayName, loginId: staff.user.username, roles: staff.roles },
      title: page.title,
      body: page.body,
      scripts: page.scripts,
    });
  };

  const refuse = (ctx: Context, title: string, body: SafeHtml, staff?: Staff) => {
    ctx.status = 403;
    ctx.type = 'html';
    ctx.body = renderAdminPage({
      ...pageFrame(ctx),
      nav: navFor(ctx, staff),
      who: staff && { name: staff.user.displayName, loginId: staff.user.username, roles: staff.roles },
      title,
      body,
    });
  };

  const requireStaff: AdminPageKit['requireStaff'] = async (ctx, returnTo, roles = staffRoles) => {
    // Signs in, or steps a password-only session up to the second factor when the person has one.
    const signed = await deps.accountKit().requireSignedIn(ctx, returnTo);
    if (!signed) return undefined;
    const t = messages(localeOf(ctx)).admin;
    const held = staffRolesOf(signed.user.roles);
    if (held.length === 0) {
      ctx.state.logger.info({ event: 'admin.refused', accountId: signed.user.id, why: 'not_staff', path: ctx.path }, 'admin console refused');
      refuse(ctx, t.deniedTitle, html`<p>${t.notStaff}</p>`);
      return undefined;
    }
    // requireSignedIn lets a person without any factor through on a password: the console does not.
    if (!sessionHasSecondFactor(signed.session.amr)) {
      ctx.state.logger.info({ event: 'admin.refused', accountId: signed.user.id, why: 'no_second_factor', path: ctx.path }, 'admin console refused');
      const enrolled = (await deps.secondFactorCount(signed.user.id)) > 0;
      // Enrolled meanwhile (e.g. in another tab): the account kit steps this session up on the next request.
      refuse(ctx, t.enrolTitle, html`<p>${t.enrolBody}</p>
<p><a class="button primary" href="${enrolled ? returnTo : '/account/security'}">${t.enrolLink}</a></p>`);
      return undefined;
    }
    const staff: Staff = { ...signed, roles: held, scopes: held.includes('reviewer') ? await deps.scopesOf(signed.user.id) : [] };
    if (!roles.some((role) => held.includes(role))) {
      ctx.state.logger.info({ event: 'admin.refused', accountId: signed.user.id, why: 'role', path: ctx.path }, 'admin console refused');
      refuse(ctx, t.deniedTitle, html`<p>${t.roleDenied}</p>`, staff);
      return undefined;
    }
    return staff;
  };

  const guardPost: AdminPageKit['guardPost'] = async (ctx, returnTo, roles) => {
    const form = (ctx.request.body ?? {}) as Form;
    if (!verifyCsrf(ctx, form._csrf)) {
      ctx.state.logger.warn({ event: 'admin.csrf_failed', path: ctx.path }, 'admin form without a valid CSRF token');
      throw new AppError('csrf_failed');
    }
    const staff = await requireStaff(ctx, returnTo, roles);
    return staff && { staff, form };
  };

  const requireReason: AdminPageKit['requireReason'] = (ctx, staff, form, backTo = homePath) => {
    // Control characters other than line breaks and tabs dropped: a NUL would make the audit row fail to write.
    const reason = text(form.reason).normalize('NFC').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
    if (reason && reason.length <= reasonMax) return reason;
    const t = messages(localeOf(ctx)).admin;
    render(ctx, staff, {
      status: 400,
      title: t.reasonLabel,
      body: html`<p class="alert" role="alert">${reason ? t.reasonTooLong : t.reasonMissing}</p>
<p><a href="${backTo}">${t.back}</a></p>`,
    });
    return undefined;
  };

  const audit: AdminPageKit['audit'] = async (ctx, staff, input) => {
    ctx.state.logger.info({ event: `admin.${input.action}`, accountId: staff.user.id, targetId: input.targetUserId ?? undefined }, 'admin action');
    await deps.audit.record({
      type: `admin.${input.action}`,
      userId: input.targetUserId ?? null,
      ip: ctx.ip,
      userAgent: ctx.get('user-agent'),
      detail: { ...input.detail, reason: input.reason, target: input.target ?? null, actor: staff.user.username, actorId: staff.user.id },
    });
  };

  const notify: AdminPageKit['notify'] = async (ctx, userId, event) => {
    try {
      await deps.notifier.notify(userId, event, { locale: localeOf(ctx) });
    } catch (error) {
      ctx.state.logger.warn({ err: error, event: 'admin.notify_failed', notice: event, accountId: userId }, 'security notice not sent');
    }
  };

  const kit: AdminPageKit = {
    requireStaff,
    guardPost,
    requireReason,
    audit,
    notify,
    addNav: (entry) => void navEntries.push(entry),
    render,
    csrfToken: issueCsrfToken,
    parseForm,
  };

  router.get('/', async (ctx) => {
    const staff = await requireStaff(ctx, homePath);
    if (!staff) return;
    const t = messages(localeOf(ctx)).admin;
    const scopes = staff.roles.includes('reviewer')
      ? html`<h2>${t.scopesTitle}</h2>
${staff.scopes.length
  ? html`<ul class="links">${staff.scopes.map((scope) => html`<li>${t.scopeKinds[scope.kind] ?? scope.kind}: ${scope.value}</li>`)}</ul>`
  : html`<p>${t.noScopes}</p>`}`
      : '';
    const sections = navFor(ctx, staff).filter((link) => link.path !== homePath);
    render(ctx, staff, {
      title: t.title,
      body: html`<p>${t.homeIntro}</p>
<ul class="links">${sections.map((link) => html`<li><a href="${link.path}">${link.label}</a></li>`)}</ul>
${scopes}`,
    });
  });

  for (const extend of deps.extensions ?? []) extend(router, kit);
  return router;
}
