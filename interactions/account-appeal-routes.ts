// /account/appeal: a signed-in person whose phone no longer receives codes asks for it to be unbound. A session
// from the password alone is enough here (the phone is what is missing), so the password is entered again on the
// form (rate limited like every fresh proof). The status page shows pending / approved / rejected with the
// reviewer's note; an open appeal can be changed and sent again, or withdrawn.
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../src/services/accounts.ts';
import type { Appeals, AppealView, UnbindableRole } from '../src/services/appeals.ts';
import { unbindableRoles } from '../src/services/appeals.ts';
import type { FreshProof } from '../src/services/fresh-proof.ts';
import { readSsoSession } from '../src/cas/sso-bridge.ts';
import { AppError, errorCatalogue } from '../src/lib/errors.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { maskPhone } from '../src/connectors/sms/sms-sender.ts';
import type { AccountPageExtension, AccountPageKit, SignedIn } from './account-routes.ts';
import { readAppealForm, type AppealFormRead } from './appeal-form.ts';
import { localeOf, pageFrame } from './render.ts';
import { messages } from './i18n/index.ts';
import {
  appealNotices,
  renderAppealForm,
  renderAppealMessage,
  renderAppealStatus,
  type AppealFormValues,
  type AppealPageError,
  type FormProblem,
  type UploadLimits,
} from './views/appeals.ts';

export interface AccountAppealDependencies {
  provider: Provider;
  accounts: AccountService;
  appeals: Appeals;
  freshProof: FreshProof;
  limits: UploadLimits;
  retentionDays: number;
}

const appealPath = '/account/appeal';
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export const valuesOf = (appeal: AppealView): AppealFormValues => ({
  reason: appeal.reason,
  reason_text: appeal.reasonText,
  unbind_roles: appeal.unbindRoles,
  organisation: appeal.organisation,
  contact_phone: appeal.contactPhone,
});

export function accountAppealPages(deps: AccountAppealDependencies): AccountPageExtension {
  const { appeals, limits } = deps;
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  return (router: Router, kit: AccountPageKit) => {
    /** The session may be from the password alone: the lost phone is why the person is here. */
    const signedIn = async (ctx: Context): Promise<SignedIn | undefined> => {
      const session = await readSsoSession(ctx, deps.provider);
      const user = session && (await deps.accounts.findById(session.accountId));
      if (session && user?.status === 'active') return { session, user };
      await kit.requireSignedIn(ctx, appealPath);
      return undefined;
    };

    const boundPhones = (signed: SignedIn) => {
      const bound: Partial<Record<UnbindableRole, string>> = {};
      for (const role of unbindableRoles) {
        const contact = signed.user.contacts.find((entry) => entry.role === role && entry.verifiedAt);
        if (contact) bound[role] = maskPhone(contact.value);
      }
      return bound;
    };

    const showForm = (ctx: Context, signed: SignedIn, extra: { mode: 'new' | 'edit'; values?: AppealFormValues; problems?: FormProblem[]; error?: AppealPageError; keptDocuments?: number; status?: number }) => {
      if (extra.status) ctx.status = extra.status;
      ctx.type = 'html';
      ctx.body = renderAppealForm({
        ...pageFrame(ctx),
        languageLinks: ctx.method === 'GET' ? pageFrame(ctx).languageLinks : undefined,
        csrfToken: issueCsrfToken(ctx),
        action: extra.mode === 'new' ? appealPath : `${appealPath}/edit`,
        mode: extra.mode,
        askPassword: true,
        values: extra.values ?? {},
        bound: boundPhones(signed),
        problems: extra.problems,
        error: extra.error,
        keptDocuments: extra.keptDocuments,
        limits,
        cancelHref: extra.mode === 'new' ? '/account/security' : appealPath,
      });
    };

    const showStatus = (ctx: Context, appeal: AppealView) => {
      const done = text(ctx.query.done);
      ctx.type = 'html';
      ctx.body = renderAppealStatus({
        ...pageFrame(ctx),
        csrfToken: issueCsrfToken(ctx),
        appeal,
        notice: appealNotices.find((notice) => notice === done),
        editHref: `${appealPath}/edit`,
        withdrawAction: `${appealPath}/delete`,
        newHref: `${appealPath}/new`,
        backHref: '/account/security',
        retentionDays: deps.retentionDays,
        limits,
      });
    };

    /**
     * Every form POST: a session first (nothing is read for a stranger), then the body within the limits, then
     * CSRF, then the password; a refused upload or field re-renders the form with what was typed.
     */
    const readGuarded = async (ctx: Context, signed: SignedIn, mode: 'new' | 'edit', keptDocuments?: number): Promise<AppealFormRead | undefined> => {
      const form = await readAppealForm(ctx, limits);
      if (form.unread) {
        // The body was over the limits or unreadable: nothing of it was kept, so nothing was changed either.
        if (form.error?.code === 'bad_request') throw new AppError('bad_request', 'unreadable appeal form');
        showForm(ctx, signed, { mode, error: form.error, keptDocuments, status: errorCatalogue[form.error!.code].status });
        return undefined;
      }
      if (!verifyCsrf(ctx, form.raw._csrf)) {
        ctx.state.logger.warn({ event: 'appeal.csrf_failed', path: ctx.path }, 'appeal form without a valid CSRF token');
        throw new AppError('csrf_failed');
      }
      const proof = await deps.freshProof.prove({ accountId: signed.user.id, username: signed.user.username, sessionUid: signed.session.uid, ip: ctx.ip, password: text(form.raw.password).slice(0, 1024) });
      const problems: FormProblem[] = [...form.problems];
      if (proof !== 'ok') problems.push(proof === 'limited' ? 'passwordLimited' : 'password');
      ctx.state.logger.info({ event: 'appeal.password_check', accountId: signed.user.id, result: proof }, 'appeal password re-entry');
      if (form.error || problems.length || !form.fields) {
        const status = form.error ? errorCatalogue[form.error.code].status : proof === 'limited' ? 429 : proof !== 'ok' ? 401 : 400;
        showForm(ctx, signed, { mode, values: form.values, problems, error: form.error, keptDocuments, status });
        return undefined;
      }
      return form;
    };

    const meta = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent'), locale: localeOf(ctx) });

    router.get('/appeal', async (ctx) => {
      const signed = await signedIn(ctx);
      if (!signed) return;
      const appeal = await appeals.latest(signed.user.id);
      if (appeal) return showStatus(ctx, appeal);
      if (text(ctx.query.done) === 'deleted') {
        ctx.type = 'html';
        const t = messages(localeOf(ctx)).appeals;
        ctx.body = renderAppealMessage({ ...pageFrame(ctx), title: t.status.title, message: t.notices.deleted, link: { href: `${appealPath}/new`, text: t.status.another } });
        return;
      }
      showForm(ctx, signed, { mode: 'new' });
    });

    router.get('/appeal/new', async (ctx) => {
      const signed = await signedIn(ctx);
      if (!signed) return;
      const appeal = await appeals.latest(signed.user.id);
      if (appeal && appeal.status !== 'approved') return ctx.redirect(appealPath);
      showForm(ctx, signed, { mode: 'new' });
    });

    router.post('/appeal', async (ctx) => {
      const signed = await signedIn(ctx);
      if (!signed) return;
      const form = await readGuarded(ctx, signed, 'new');
      if (!form) return;
      if (form.documents.length === 0) return showForm(ctx, signed, { mode: 'new', values: form.values, error: { code: 'document_missing' }, status: 400 });
      const opened = await appeals.open(signed.user.id, form.fields!, form.documents, { ...meta(ctx), channel: 'signed_in' });
      if (!opened.ok) return showForm(ctx, signed, { mode: 'new', values: form.values, error: { code: opened.reason }, status: errorCatalogue[opened.reason].status });
      ctx.state.logger.info({ event: 'appeal.opened', accountId: signed.user.id, appealId: opened.appeal.id }, 'lost-phone appeal opened');
      appeals.received(opened.appeal, { locale: localeOf(ctx) });
      ctx.status = 303;
      ctx.redirect(`${appealPath}?done=opened`);
    });

    const openAppeal = async (userId: string) => {
      const appeal = await appeals.latest(userId);
      return appeal && appeal.status !== 'approved' ? appeal : undefined;
    };

    router.get('/appeal/edit', async (ctx) => {
      const signed = await signedIn(ctx);
      if (!signed) return;
      const appeal = await openAppeal(signed.user.id);
      if (!appeal) return ctx.redirect(appealPath);
      showForm(ctx, signed, { mode: 'edit', values: valuesOf(appeal), keptDocuments: appeal.documents.length });
    });

    router.post('/appeal/edit', async (ctx) => {
      const signed = await signedIn(ctx);
      if (!signed) return;
      const appeal = await openAppeal(signed.user.id);
      if (!appeal) throw new AppError('appeal_not_editable');
      const form = await readGuarded(ctx, signed, 'edit', appeal.documents.length);
      if (!form) return;
      const edited = await appeals.edit(signed.user.id, appeal.id, form.fields!, form.documents, meta(ctx));
      if (!edited.ok) {
        if (edited.reason === 'not_found') throw new AppError('not_found');
        return showForm(ctx, signed, { mode: 'edit', values: form.values, error: { code: edited.reason }, keptDocuments: 0, status: errorCatalogue[edited.reason].status });
      }
      ctx.state.logger.info({ event: 'appeal.edited', accountId: signed.user.id, appealId: appeal.id }, 'lost-phone appeal changed');
      ctx.status = 303;
      ctx.redirect(`${appealPath}?done=edited`);
    });

    router.post('/appeal/delete', parseForm, async (ctx) => {
      const form = (ctx.request.body ?? {}) as Record<string, unknown>;
      if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
      const signed = await signedIn(ctx);
      if (!signed) return;
      if (!(await appeals.remove(signed.user.id, text(form.appeal), meta(ctx)))) throw new AppError('appeal_not_editable');
      ctx.state.logger.info({ event: 'appeal.deleted', accountId: signed.user.id }, 'lost-phone appeal withdrawn');
      ctx.status = 303;
      ctx.redirect(`${appealPath}?done=deleted`);
    });
  };
}
