// /appeal: a lost-phone appeal for someone who cannot sign in at all (linked from /forgot-password). Login ID and
// captcha → a code to the account's verified recovery e-mail (nothing on the pages tells a known ID from an
// unknown one until the code is proven) → the appeal form without a password → the status page, reachable later
// through a signed cookie of this browser or the status link mailed to the recovery address.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { AccountService } from '../src/services/accounts.ts';
import type { Appeals, AppealView } from '../src/services/appeals.ts';
import type { Captcha } from '../src/services/captcha.ts';
import type { EmailCodes } from '../src/services/one-time-codes.ts';
import { AppError, errorCatalogue, type ErrorCode } from '../src/lib/errors.ts';
import { randomToken, sha256Hex } from '../src/lib/crypto.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { readAppealForm } from './appeal-form.ts';
import { valuesOf } from './account-appeal-routes.ts';
import { localeOf, pageFrame } from './render.ts';
import { format, messages } from './i18n/index.ts';
import {
  appealNotices,
  renderAppealCode,
  renderAppealForm,
  renderAppealMessage,
  renderAppealStart,
  renderAppealStatus,
  type AppealFormValues,
  type AppealPageError,
  type FormProblem,
  type UploadLimits,
} from './views/appeals.ts';

export interface PublicAppealDependencies {
  issuer: string;
  store: KeyValueStore;
  accounts: AccountService;
  appeals: Appeals;
  captcha: Captcha;
  /** E-mailed codes worded for an appeal (createEmailCodes with purpose 'appeal'). */
  emailCodes: EmailCodes;
  limits: UploadLimits;
  retentionDays: number;
  /** Starts (each may mail a code) per IP address in windowSeconds, like the password reset's. */
  startLimit: { perIp: number; windowSeconds: number };
}

export const publicAppealBase = '/appeal';
const flowCookie = 'campus_appeal_flow';
const statusCookie = 'campus_appeal_status';
const flowSeconds = 15 * 60;
/** The status link and cookie outlive the decision and the document retention comfortably. */
const statusSeconds = 90 * 86_400;
const codePurpose = 'appeal';

interface Flow {
  loginId: string;
  /** Undefined for an unknown ID or one without a verified recovery e-mail: the same steps then lead nowhere. */
  accountId?: string;
  recovery?: string;
  proven: boolean;
}

interface StatusGrant {
  userId: string;
  appealId: string;
}

type Form = Record<string, unknown>;
const text = (value: unknown, max: number) => (typeof value === 'string' ? value.slice(0, max) : '');
const flowKey = (flowId: string) => `appeal:flow:${sha256Hex(flowId)}`;
const statusKey = (token: string) => `appeal:status:${sha256Hex(token)}`;

export function publicAppealRoutes(deps: PublicAppealDependencies): Router {
  const { store, appeals, limits } = deps;
  const router = new Router({ prefix: publicAppealBase });
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const cookieOptions = (ctx: Context, seconds: number) => ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: publicAppealBase, maxAge: seconds * 1000 });

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const flowIdOf = (ctx: Context) => ctx.cookies.get(flowCookie, { signed: true });
  const loadFlow = async (ctx: Context): Promise<{ flowId: string; flow: Flow } | undefined> => {
    const flowId = flowIdOf(ctx);
    const raw = flowId ? await store.get(flowKey(flowId)) : undefined;
    return flowId && raw ? { flowId, flow: JSON.parse(raw) as Flow } : undefined;
  };
  const endFlow = async (ctx: Context) => {
    const flowId = flowIdOf(ctx);
    if (flowId) await store.delete([flowKey(flowId)]);
    ctx.cookies.set(flowCookie, null, { signed: true, path: publicAppealBase });
  };

  /** The appeal this browser may see: its status cookie names a live grant for an appeal that still exists. */
  const grantedAppeal = async (ctx: Context): Promise<AppealView | undefined> => {
    const token = ctx.cookies.get(statusCookie, { signed: true });
    const raw = token ? await store.get(statusKey(token)) : undefined;
    if (!raw) return undefined;
    const grant = JSON.parse(raw) as StatusGrant;
    const appeal = await appeals.find(grant.appealId);
    return appeal?.userId === grant.userId ? appeal : undefined;
  };

  const grantStatus = async (ctx: Context, appeal: AppealView) => {
    const token = randomToken(32);
    await store.set(statusKey(token), JSON.stringify({ userId: appeal.userId, appealId: appeal.id } satisfies StatusGrant), statusSeconds);
    ctx.cookies.set(statusCookie, token, cookieOptions(ctx, statusSeconds));
    return token;
  };

  const html = (ctx: Context, body: string, status?: number) => {
    if (status) ctx.status = status;
    ctx.type = 'html';
    ctx.body = body;
  };
  const showStart = (ctx: Context, extra: { error?: ErrorCode; loginId?: string; status?: number } = {}) =>
    html(ctx, renderAppealStart({ ...pageFrame(ctx), csrfToken: issueCsrfToken(ctx), action: publicAppealBase, challengeUrl: `${publicAppealBase}/challenge`, loginId: extra.loginId, error: extra.error }), extra.status);
  const showCode = (ctx: Context, flow: Flow, error?: ErrorCode, status?: number) =>
    html(ctx, renderAppealCode({ ...pageFrame(ctx), csrfToken: issueCsrfToken(ctx), action: `${publicAppealBase}/code`, restartAction: `${publicAppealBase}/restart`, loginId: flow.loginId, error }), status);
  const expired = (ctx: Context) => {
    const t = messages(localeOf(ctx)).appeals;
    html(ctx, renderAppealMessage({ ...pageFrame(ctx), languageLinks: undefined, title: t.title, message: t.public.expired, alert: true, link: { href: publicAppealBase, text: t.public.startOver } }), 400);
  };
  const showForm = (ctx: Context, extra: { mode: 'new' | 'edit'; loginId?: string; values?: AppealFormValues; problems?: FormProblem[]; error?: AppealPageError; keptDocuments?: number; status?: number }) => {
    const t = messages(localeOf(ctx)).appeals;
    html(ctx, renderAppealForm({
      ...pageFrame(ctx),
      csrfToken: issueCsrfToken(ctx),
      action: extra.mode === 'new' ? `${publicAppealBase}/form` : `${publicAppealBase}/status/edit`,
      mode: extra.mode,
      askPassword: false,
      intro: extra.loginId ? format(t.public.formIntro, { loginId: extra.loginId }) : undefined,
      values: extra.values ?? {},
      problems: extra.problems,
      error: extra.error,
      keptDocuments: extra.keptDocuments,
      limits,
      cancelHref: extra.mode === 'new' ? '/forgot-password' : `${publicAppealBase}/status`,
    }), extra.status);
  };
  const meta = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent'), locale: localeOf(ctx) });
  const checkCsrf = (ctx: Context, form: Form) => {
    if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
  };

  router.get('/challenge', async (ctx) => {
    ctx.body = await deps.captcha.challenge();
  });

  router.get('/', async (ctx) => {
    const current = await loadFlow(ctx);
    if (current?.flow.proven) return ctx.redirect(`${publicAppealBase}/form`);
    if (current) return showCode(ctx, current.flow);
    showStart(ctx);
  });

  router.post('/', parseForm, async (ctx) => {
    const form = (ctx.request.body ?? {}) as Form;
    const loginId = text(form.login_id, 128).trim();
    if (!verifyCsrf(ctx, form._csrf)) return showStart(ctx, { error: 'csrf_failed', loginId, status: 403 });
    if (!loginId) return showStart(ctx, { error: 'login_id_required', status: 400 });
    if ((await store.increment(`appeal:starts:ip:${ctx.ip}`, deps.startLimit.windowSeconds)) > deps.startLimit.perIp) {
      ctx.state.logger.warn({ event: 'appeal.limited', stage: 'start' }, 'appeal start over the per-IP limit');
      return showStart(ctx, { error: 'rate_limited', loginId, status: 429 });
    }
    if (!(await deps.captcha.verify(form.altcha))) {
      ctx.state.logger.info({ event: 'appeal.captcha_failed' }, 'appeal start without a valid captcha');
      return showStart(ctx, { error: 'captcha_failed', loginId, status: 400 });
    }
    const user = await deps.accounts.findByUsername(loginId);
    const recovery = user?.status === 'active' ? user.contacts.find((contact) => contact.role === 'recovery_email' && contact.verifiedAt)?.value : undefined;
    const flowId = randomToken(32);
    const flow: Flow = { loginId, accountId: recovery ? user!.id : undefined, recovery, proven: false };
    await store.set(flowKey(flowId), JSON.stringify(flow), flowSeconds);
    ctx.cookies.set(flowCookie, flowId, cookieOptions(ctx, flowSeconds));
    if (user && recovery) {
      // Sent in the background: a known ID answers as fast as an unknown one. Budgets and cooldown apply.
      const logger = ctx.state.logger;
      deps.emailCodes.send({ purpose: codePurpose, binding: flowId, accountId: user.id, to: recovery, ip: ctx.ip, locale: localeOf(ctx) })
        .then((sent) => logger.info({ event: 'appeal.code_sent', accountId: user.id, result: sent.ok ? 'sent' : sent.reason }, 'appeal code to the recovery e-mail'))
        .catch((error: unknown) => logger.warn({ err: error, event: 'appeal.code_failed', accountId: user.id }, 'appeal code not sent'));
    }
    ctx.status = 303;
    ctx.redirect(publicAppealBase);
  });

  router.post('/restart', parseForm, async (ctx) => {
    checkCsrf(ctx, (ctx.request.body ?? {}) as Form);
    await endFlow(ctx);
    ctx.status = 303;
    ctx.redirect(publicAppealBase);
  });

  router.post('/code', parseForm, async (ctx) => {
    const form = (ctx.request.body ?? {}) as Form;
    checkCsrf(ctx, form);
    const current = await loadFlow(ctx);
    if (!current) return expired(ctx);
    const { flowId, flow } = current;
    const proved = flow.accountId ? await deps.emailCodes.verify(codePurpose, flowId, text(form.code, 32)) : undefined;
    if (!proved || proved.to !== flow.recovery) {
      ctx.state.logger.info({ event: 'appeal.code_failed', accountId: flow.accountId }, 'appeal code not accepted');
      return showCode(ctx, flow, 'invalid_code', 401);
    }
    await store.set(flowKey(flowId), JSON.stringify({ ...flow, proven: true } satisfies Flow), flowSeconds);
    ctx.state.logger.info({ event: 'appeal.recovery_proven', accountId: flow.accountId }, 'recovery e-mail proven for an appeal');
    await appeals.recoveryProven(flow.accountId!, { ip: ctx.ip, userAgent: ctx.get('user-agent') });
    ctx.status = 303;
    ctx.redirect(`${publicAppealBase}/form`);
  });

  /** The proven flow, or undefined after answering (expired page). */
  const provenFlow = async (ctx: Context) => {
    const current = await loadFlow(ctx);
    if (current?.flow.proven && current.flow.accountId) return { ...current, accountId: current.flow.accountId };
    expired(ctx);
    return undefined;
  };

  router.get('/form', async (ctx) => {
    const current = await provenFlow(ctx);
    if (!current) return;
    // An open appeal already exists: show it (this browser proved the recovery e-mail just now).
    const existing = await appeals.latest(current.accountId);
    if (existing && existing.status !== 'approved') {
      await grantStatus(ctx, existing);
      await endFlow(ctx);
      return ctx.redirect(`${publicAppealBase}/status`);
    }
    showForm(ctx, { mode: 'new', loginId: current.flow.loginId });
  });

  router.post('/form', async (ctx) => {
    const current = await provenFlow(ctx);
    if (!current) return;
    const form = await readAppealForm(ctx, limits);
    if (!form.unread) checkCsrf(ctx, form.raw);
    if (form.error?.code === 'bad_request') throw new AppError('bad_request', 'unreadable appeal form');
    const again = (error: AppealPageError | undefined, status: number) =>
      showForm(ctx, { mode: 'new', loginId: current.flow.loginId, values: form.values, problems: form.problems, error, status });
    if (form.error) return again(form.error, errorCatalogue[form.error.code].status);
    if (!form.fields) return again(undefined, 400);
    if (form.documents.length === 0) return again({ code: 'document_missing' }, 400);
    const opened = await appeals.open(current.accountId, form.fields, form.documents, { ...meta(ctx), channel: 'forgot_password' });
    if (!opened.ok) return again({ code: opened.reason }, errorCatalogue[opened.reason].status);
    const token = await grantStatus(ctx, opened.appeal);
    await endFlow(ctx);
    appeals.received(opened.appeal, { locale: localeOf(ctx), statusUrl: `${deps.issuer}${publicAppealBase}/s?token=${token}`, statusTo: current.flow.recovery });
    ctx.state.logger.info({ event: 'appeal.opened', accountId: current.accountId, appealId: opened.appeal.id, channel: 'forgot_password' }, 'lost-phone appeal opened');
    ctx.status = 303;
    ctx.redirect(`${publicAppealBase}/status?done=opened&mailed=1`);
  });

  // The mailed status link: the token moves into this browser's cookie, out of the address bar. It rides in the
  // query string, never the path: the access log records every path (src/http/request-context.ts).
  router.get('/s', async (ctx) => {
    const token = text(ctx.query.token, 128);
    const raw = /^[A-Za-z0-9_-]{20,128}$/.test(token) ? await store.get(statusKey(token)) : undefined;
    if (!raw) return expired(ctx);
    ctx.cookies.set(statusCookie, token, cookieOptions(ctx, statusSeconds));
    ctx.redirect(`${publicAppealBase}/status`);
  });

  router.get('/status', async (ctx) => {
    const appeal = await grantedAppeal(ctx);
    if (!appeal) {
      if (ctx.query.done === 'deleted') {
        const t = messages(localeOf(ctx)).appeals;
        return html(ctx, renderAppealMessage({ ...pageFrame(ctx), title: t.status.title, message: t.notices.deleted, link: { href: '/forgot-password', text: t.public.startOver } }));
      }
      return expired(ctx);
    }
    const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
    html(ctx, renderAppealStatus({
      ...pageFrame(ctx),
      csrfToken: issueCsrfToken(ctx),
      appeal,
      notice: appealNotices.find((notice) => notice === done),
      statusMailed: ctx.query.mailed === '1',
      editHref: `${publicAppealBase}/status/edit`,
      withdrawAction: `${publicAppealBase}/status/delete`,
      newHref: publicAppealBase,
      retentionDays: deps.retentionDays,
      limits,
    }));
  });

  router.get('/status/edit', async (ctx) => {
    const appeal = await grantedAppeal(ctx);
    if (!appeal) return expired(ctx);
    if (appeal.status === 'approved') return ctx.redirect(`${publicAppealBase}/status`);
    showForm(ctx, { mode: 'edit', values: valuesOf(appeal), keptDocuments: appeal.documents.length });
  });

  router.post('/status/edit', async (ctx) => {
    const appeal = await grantedAppeal(ctx);
    if (!appeal) return expired(ctx);
    const form = await readAppealForm(ctx, limits);
    if (!form.unread) checkCsrf(ctx, form.raw);
    if (form.error?.code === 'bad_request') throw new AppError('bad_request', 'unreadable appeal form');
    const again = (error: AppealPageError | undefined, status: number) =>
      showForm(ctx, { mode: 'edit', values: form.unread ? valuesOf(appeal) : form.values, problems: form.problems, error, keptDocuments: appeal.documents.length, status });
    if (form.error) return again(form.error, errorCatalogue[form.error.code].status);
    if (!form.fields) return again(undefined, 400);
    const edited = await appeals.edit(appeal.userId, appeal.id, form.fields, form.documents, meta(ctx));
    if (!edited.ok) {
      if (edited.reason === 'not_found') return expired(ctx);
      return again({ code: edited.reason }, errorCatalogue[edited.reason].status);
    }
    ctx.status = 303;
    ctx.redirect(`${publicAppealBase}/status?done=edited`);
  });

  router.post('/status/delete', parseForm, async (ctx) => {
    checkCsrf(ctx, (ctx.request.body ?? {}) as Form);
    const appeal = await grantedAppeal(ctx);
    if (!appeal) return expired(ctx);
    if (!(await appeals.remove(appeal.userId, appeal.id, meta(ctx)))) throw new AppError('appeal_not_editable');
    ctx.cookies.set(statusCookie, null, { signed: true, path: publicAppealBase });
    ctx.status = 303;
    ctx.redirect(`${publicAppealBase}/status?done=deleted`);
  });

  return router;
}
