// /forgot-password: thin routes over src/services/password-reset.ts. The reset id lives in a signed, httpOnly
// cookie of this browser (15 minutes); every POST checks CSRF first, then moves the reset one step and redirects
// to GET /forgot-password, which shows the page for the step the reset is at.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { ErrorCode } from '../src/lib/errors.ts';
import type { Captcha } from '../src/services/captcha.ts';
import type { PasswordPolicy, PasswordProblem } from '../src/services/password-policy.ts';
import { passwordContextOf } from '../src/services/password-policy.ts';
import { resetTtlSeconds, type PasswordReset, type ResetChannel, type ResetStep, type ResetView, type SecondMethod } from '../src/services/password-reset.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { localeOf, pageFrame } from './render.ts';
import {
  forgotPasswordBase,
  renderResetChannel,
  renderResetCode,
  renderResetDone,
  renderResetPassword,
  renderResetSecond,
  renderResetStart,
} from './views/forgot-password.ts';

export interface ForgotPasswordDependencies {
  reset: PasswordReset;
  captcha: Captcha;
  policy: PasswordPolicy;
}

const cookieName = 'campus_reset';
const challengePath = `${forgotPasswordBase}/challenge`;
type Form = Record<string, unknown>;
const text = (value: unknown, max: number): string => (typeof value === 'string' ? value.slice(0, max) : '');

export function forgotPasswordRoutes({ reset, captcha, policy }: ForgotPasswordDependencies): Router {
  const router = new Router({ prefix: forgotPasswordBase });
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const resetIdOf = (ctx: Context) => ctx.cookies.get(cookieName, { signed: true });
  const keepResetId = (ctx: Context, resetId: string | null) =>
    ctx.cookies.set(cookieName, resetId, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: forgotPasswordBase, maxAge: resetTtlSeconds * 1000 });
  const frame = (ctx: Context, error?: ErrorCode) => ({ ...pageFrame(ctx), csrfToken: issueCsrfToken(ctx), error });
  const backToSteps = (ctx: Context) => {
    ctx.status = 303;
    ctx.redirect(forgotPasswordBase);
  };

  const showStart = (ctx: Context, extra: { error?: ErrorCode; loginId?: string } = {}) => {
    ctx.type = 'html';
    ctx.body = renderResetStart({ ...frame(ctx, extra.error), loginId: extra.loginId, challengeUrl: challengePath });
  };

  /** The page for the step the reset is at; the start page when there is none. */
  const showStep = async (ctx: Context, state: ResetView | undefined, extra: { error?: ErrorCode; problems?: PasswordProblem[] | 'mismatch'; keepSessions?: boolean } = {}) => {
    if (!state) return showStart(ctx, { error: extra.error });
    ctx.type = 'html';
    const view = { ...frame(ctx, extra.error), reset: state };
    if (state.step === 'channel') ctx.body = renderResetChannel(view);
    else if (state.step === 'code') ctx.body = renderResetCode(view);
    else if (state.step === 'second') ctx.body = renderResetSecond(view);
    else {
      const person = await reset.personAt(resetIdOf(ctx) ?? '');
      ctx.body = renderResetPassword({
        ...view,
        password: { rules: policy.rules, error: extra.problems, person: person && passwordContextOf(person) },
        keepSessionsAllowed: reset.keepSessionsAllowed,
        keepSessions: extra.keepSessions,
      });
    }
  };

  /**
   * Every POST: CSRF first; then the reset this browser holds (or the start page saying it expired). A form of
   * another step (an old tab, the back button) leads to the page of the step the reset is at.
   */
  const guard = async (ctx: Context, steps: ResetStep[]): Promise<{ form: Form; resetId: string; state: ResetView } | undefined> => {
    const form = (ctx.request.body ?? {}) as Form;
    const resetId = resetIdOf(ctx);
    const state = await reset.view(resetId);
    if (!verifyCsrf(ctx, form._csrf)) {
      ctx.status = 403;
      await showStep(ctx, state, { error: 'csrf_failed' });
      return undefined;
    }
    if (!resetId || !state) {
      ctx.status = 400;
      keepResetId(ctx, null);
      showStart(ctx, { error: 'reset_expired' });
      return undefined;
    }
    if (!steps.includes(state.step)) {
      backToSteps(ctx);
      return undefined;
    }
    return { form, resetId, state };
  };

  const expired = (ctx: Context) => {
    ctx.status = 400;
    keepResetId(ctx, null);
    showStart(ctx, { error: 'reset_expired' });
  };

  const channelOf = (value: unknown): ResetChannel | undefined => (value === 'sms' || value === 'email' ? value : undefined);

  router.get('/challenge', async (ctx) => {
    ctx.body = await captcha.challenge();
  });

  router.get('/', async (ctx) => {
    await showStep(ctx, await reset.view(resetIdOf(ctx)));
  });

  router.post('/', parseForm, async (ctx) => {
    const form = (ctx.request.body ?? {}) as Form;
    const loginId = text(form.login_id, 128).trim();
    if (!verifyCsrf(ctx, form._csrf)) {
      ctx.status = 403;
      return showStart(ctx, { error: 'csrf_failed', loginId });
    }
    if (!loginId) {
      ctx.status = 400;
      return showStart(ctx, { error: 'login_id_required' });
    }
    if (!(await captcha.verify(form.altcha))) {
      ctx.state.logger.info({ event: 'password_reset.captcha_failed' }, 'reset start without a valid captcha');
      ctx.status = 400;
      return showStart(ctx, { error: 'captcha_failed', loginId });
    }
    keepResetId(ctx, await reset.start(loginId, ctx.ip));
    backToSteps(ctx);
  });

  router.post('/restart', parseForm, async (ctx) => {
    const form = (ctx.request.body ?? {}) as Form;
    if (!verifyCsrf(ctx, form._csrf)) {
      ctx.status = 403;
      return showStep(ctx, await reset.view(resetIdOf(ctx)), { error: 'csrf_failed' });
    }
    await reset.cancel(resetIdOf(ctx));
    keepResetId(ctx, null);
    backToSteps(ctx);
  });

  router.post('/channel', parseForm, async (ctx) => {
    const guarded = await guard(ctx, ['channel', 'code']);
    if (!guarded) return;
    const channel = channelOf(guarded.form.channel);
    if (!channel) {
      ctx.status = 400;
      return showStep(ctx, guarded.state, { error: 'bad_request' });
    }
    const result = await reset.chooseChannel(guarded.resetId, channel, ctx.ip, localeOf(ctx));
    if (result === 'expired') return expired(ctx);
    if (result === 'cooldown') {
      ctx.status = 429;
      return showStep(ctx, guarded.state, { error: 'reset_cooldown' });
    }
    backToSteps(ctx);
  });

  router.post('/code', parseForm, async (ctx) => {
    const guarded = await guard(ctx, ['code']);
    if (!guarded) return;
    const result = await reset.verifyFirstCode(guarded.resetId, text(guarded.form.code, 32), ctx.ip);
    if (result === 'expired') return expired(ctx);
    if (result === 'invalid') {
      ctx.status = 401;
      return showStep(ctx, guarded.state, { error: 'invalid_code' });
    }
    backToSteps(ctx);
  });

  router.post('/second/send', parseForm, async (ctx) => {
    const guarded = await guard(ctx, ['second']);
    if (!guarded) return;
    const channel = channelOf(guarded.form.channel);
    const result = channel ? await reset.sendSecondCode(guarded.resetId, channel, ctx.ip, localeOf(ctx)) : 'expired';
    if (result === 'expired') return expired(ctx);
    if (result === 'cooldown') {
      ctx.status = 429;
      return showStep(ctx, guarded.state, { error: 'reset_cooldown' });
    }
    backToSteps(ctx);
  });

  router.post('/second', parseForm, async (ctx) => {
    const guarded = await guard(ctx, ['second']);
    if (!guarded) return;
    const method = text(guarded.form.method, 16);
    const known: SecondMethod[] = ['totp', 'recovery', 'sms', 'email'];
    const chosen = known.find((entry) => entry === method);
    const result = chosen ? await reset.verifySecond(guarded.resetId, chosen, text(guarded.form.code, 64), ctx.ip) : 'invalid';
    if (result === 'expired') return expired(ctx);
    if (result === 'invalid') {
      ctx.status = 401;
      return showStep(ctx, guarded.state, { error: 'invalid_code' });
    }
    backToSteps(ctx);
  });

  router.post('/password', parseForm, async (ctx) => {
    const guarded = await guard(ctx, ['password']);
    if (!guarded) return;
    const password = text(guarded.form.new_password, 4096);
    const keepSessions = guarded.form.keep_sessions === '1';
    if (password !== text(guarded.form.confirm_password, 4096)) {
      ctx.status = 400;
      return showStep(ctx, guarded.state, { problems: 'mismatch', keepSessions });
    }
    const result = await reset.complete(guarded.resetId, password, { keepSessions, locale: localeOf(ctx) });
    if (result === 'expired') return expired(ctx);
    if (!result.ok) {
      ctx.status = 400;
      return showStep(ctx, guarded.state, { problems: result.problems, keepSessions });
    }
    keepResetId(ctx, null);
    ctx.type = 'html';
    ctx.body = renderResetDone({ ...pageFrame(ctx), languageLinks: undefined, keptSessions: result.keptSessions, signInUrl: '/account' });
  });

  return router;
}
