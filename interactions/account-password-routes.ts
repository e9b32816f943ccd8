// /account/password (an extension of the /account router): change the password with the current one. The new
// password must meet the policy (checked here, whatever the page's script said); the current one is checked
// through the fresh-proof service, so wrong guesses count against the sign-in limiter. A change ends trusted
// browsers (accounts.setPassword) and is notified; unless the person unticks the box, it also signs out every
// other session (with its apps: CAS single logout, back-channel logout), as a reset does.
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { AccountService } from '../src/services/accounts.ts';
import { passwordContextOf, type PasswordPolicy } from '../src/services/password-policy.ts';
import type { FreshProof } from '../src/services/fresh-proof.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import type { AccountSessions } from '../src/services/account-sessions.ts';
import { deviceCookie } from '../src/services/device-trust.ts';
import { issueCsrfToken } from '../src/http/csrf.ts';
import type { AccountPageExtension, SecurityNotifications, SignedIn } from './account-routes.ts';
import { localeOf, pageFrame } from './render.ts';
import type { NewPasswordError } from './views/password-fields.ts';
import { renderChangePassword, renderPasswordChanged, type CurrentPasswordError } from './views/password-change.ts';

const pagePath = '/account/password';
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function passwordPages(deps: {
  accounts: AccountService;
  policy: PasswordPolicy;
  freshProof: FreshProof;
  notifier: SecurityNotifications;
  sessions: Pick<AccountSessions, 'revokeAll'>;
  audit?: Pick<AuditLog, 'record'>;
}): AccountPageExtension {
  const { policy } = deps;
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const show = (ctx: Context, { user }: SignedIn, errors: { currentError?: CurrentPasswordError; newError?: NewPasswordError; signOutOthers?: boolean } = {}) => {
    ctx.type = 'html';
    ctx.body = renderChangePassword({ ...pageFrame(ctx), csrfToken: issueCsrfToken(ctx), rules: policy.rules, person: passwordContextOf(user), ...errors });
  };

  return (router: Router, kit) => {
    router.get('/password', async (ctx) => {
      const signed = await kit.requireSignedIn(ctx, pagePath);
      if (!signed) return;
      if (ctx.query.done === 'changed') {
        ctx.type = 'html';
        const signedOutOthers = Number(ctx.query.others);
        ctx.body = renderPasswordChanged({ ...pageFrame(ctx), languageLinks: undefined, signedOutOthers: Number.isSafeInteger(signedOutOthers) ? signedOutOthers : undefined });
        return;
      }
      show(ctx, signed);
    });

    router.post('/password', parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, pagePath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const { user, session } = signed;
      const current = text(form.current_password);
      const next = text(form.new_password);
      const signOutOthers = form.sign_out_others === '1';
      const check = policy.check(next, passwordContextOf(user));
      const newError: NewPasswordError | undefined = !check.ok
        ? check.problems
        : next.normalize('NFKC') !== text(form.confirm_password).normalize('NFKC') ? 'mismatch' : undefined;
      // A refused new password spends no guess of the current one.
      if (!current || newError) {
        ctx.status = 400;
        return show(ctx, signed, { currentError: current ? undefined : 'currentMissing', newError, signOutOthers });
      }
      const proof = await deps.freshProof.prove({ accountId: user.id, username: user.username, sessionUid: session.uid, ip: ctx.ip, password: current.slice(0, 1024) });
      if (proof !== 'ok') {
        ctx.state.logger.info({ event: 'account.password_change_refused', accountId: user.id, result: proof }, 'password change: current password refused');
        ctx.status = proof === 'limited' ? 429 : 401;
        return show(ctx, signed, { currentError: proof === 'limited' ? 'limited' : 'currentWrong', signOutOthers });
      }
      await deps.accounts.setPassword(user.username, next);
      // setPassword ended every trusted browser; this one's cookie is now worthless.
      ctx.cookies.set(deviceCookie, null, { signed: true, path: '/' });
      const others = signOutOthers ? await deps.sessions.revokeAll(user.id, { exceptSessionUid: session.uid }) : 0;
      ctx.state.logger.info({ event: 'account.password_changed', accountId: user.id, signedOutOthers: others }, 'password changed');
      await deps.audit?.record({ type: 'password.changed', userId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { via: 'account', signedOutOthers: others } });
      try {
        await deps.notifier.notify(user.id, 'password_changed', { locale: localeOf(ctx) });
      } catch (error) {
        ctx.state.logger.warn({ err: error, event: 'account.notify_failed', notice: 'password_changed', accountId: user.id }, 'security notice not sent');
      }
      ctx.status = 303;
      ctx.redirect(`${pagePath}?done=changed${others ? `&others=${others}` : ''}`);
    });
  };
}
