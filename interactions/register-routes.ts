// /register (only when SELF_REGISTRATION is on): thin routes over src/services/self-registration.ts. The
// registration id lives in a signed, httpOnly cookie of this browser (30 minutes). Every POST checks CSRF first;
// texting the guardian also needs a solved captcha and passes the per-IP limit and the SMS budgets.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { AppError } from '../src/lib/errors.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import type { Captcha } from '../src/services/captcha.ts';
import type { PasswordPolicy } from '../src/services/password-policy.ts';
import { registrationTtlSeconds, type RegistrationProblems, type SelfRegistration } from '../src/services/self-registration.ts';
import { identityFieldsOf, issuesMap } from './identity-form.ts';
import { pageFrame } from './render.ts';
import { registerBase, renderRegisterDetails, renderRegisterDone, renderRegisterStart } from './views/register.ts';
import type { FieldValues } from './views/identity.ts';

const cookieName = 'campus_register';
const text = (value: unknown, max: number): string => (typeof value === 'string' ? value.slice(0, max) : '');

export function registerRoutes(deps: { registration: SelfRegistration; captcha: Captcha; policy: PasswordPolicy }): Router {
  const { registration } = deps;
  const router = new Router({ prefix: registerBase });
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const idOf = (ctx: Context) => ctx.cookies.get(cookieName, { signed: true });
  const keepId = (ctx: Context, id: string | null) =>
    ctx.cookies.set(cookieName, id, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: registerBase, maxAge: registrationTtlSeconds * 1000 });
  const requireCsrf = (ctx: Context, form: Record<string, unknown>) => {
    if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
  };

  const showStart = (ctx: Context, extra: { problem?: string; phone?: string } = {}) => {
    ctx.type = 'html';
    ctx.body = renderRegisterStart({ ...pageFrame(ctx), csrfToken: issueCsrfToken(ctx), challengeUrl: `${registerBase}/challenge`, ...extra });
  };

  const showDetails = async (ctx: Context, extra: { problems?: RegistrationProblems; values?: FieldValues; loginId?: string } = {}) => {
    const pending = await registration.view(idOf(ctx));
    if (!pending) return showStart(ctx);
    const { problems = {} } = extra;
    ctx.type = 'html';
    ctx.body = renderRegisterDetails({
      ...pageFrame(ctx),
      csrfToken: issueCsrfToken(ctx),
      masked: pending.masked,
      guardianVerified: pending.guardianVerified,
      loginId: extra.loginId ?? '',
      values: extra.values ?? {},
      issues: issuesMap(problems.fields ?? []),
      problem: problems.loginId ?? problems.code,
      password: { rules: deps.policy.rules, error: problems.password, person: { loginId: extra.loginId, displayName: extra.values?.name } },
    });
  };

  router.get('/challenge', async (ctx) => {
    ctx.body = await deps.captcha.challenge();
  });

  router.get('/', async (ctx) => {
    await showDetails(ctx);
  });

  router.post('/start', parseForm, async (ctx) => {
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    requireCsrf(ctx, form);
    const phone = text(form.guardian_phone, 32);
    if (!(await deps.captcha.verify(form.altcha))) {
      ctx.status = 400;
      return showStart(ctx, { problem: 'captcha_failed', phone });
    }
    const started = await registration.start(phone, ctx.ip);
    if (!started.ok) {
      ctx.status = started.reason === 'phone' ? 400 : started.reason === 'sms_failed' ? 503 : 429;
      const problem = started.reason === 'phone' ? 'phone' : started.reason === 'rate_limited' ? 'rate_limited' : 'sms_failed';
      ctx.state.logger.info({ event: 'register.start_refused', reason: started.reason }, 'registration not started');
      return showStart(ctx, { problem, phone });
    }
    keepId(ctx, started.registrationId);
    ctx.status = 303;
    ctx.redirect(registerBase);
  });

  router.post('/restart', parseForm, async (ctx) => {
    requireCsrf(ctx, (ctx.request.body ?? {}) as Record<string, unknown>);
    keepId(ctx, null);
    ctx.status = 303;
    ctx.redirect(registerBase);
  });

  router.post('/', parseForm, async (ctx) => {
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    requireCsrf(ctx, form);
    const { raw, values } = identityFieldsOf(form);
    const loginId = text(form.login_id, 64);
    const outcome = await registration.complete(idOf(ctx), {
      loginId, password: text(form.new_password, 4096), confirmPassword: text(form.confirm_password, 4096), code: text(form.code, 16), fields: raw,
    }, { ip: ctx.ip, userAgent: ctx.get('user-agent') });
    if (!outcome.ok && 'expired' in outcome) {
      ctx.status = 400;
      keepId(ctx, null);
      return showStart(ctx);
    }
    if (!outcome.ok) {
      ctx.status = 400;
      return showDetails(ctx, { problems: outcome.problems, values, loginId });
    }
    keepId(ctx, null);
    ctx.state.logger.info({ event: 'register.created', username: outcome.username, identity: outcome.status }, 'account registered');
    ctx.type = 'html';
    ctx.body = renderRegisterDone({ ...pageFrame(ctx), languageLinks: undefined, username: outcome.username, status: outcome.status });
  });

  return router;
}
