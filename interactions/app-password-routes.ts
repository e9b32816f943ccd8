// /account/app-passwords (an extension of the /account router): list, create (shown once) and revoke app
// passwords. Creating and revoking need a fresh proof, are recorded in the audit trail and notified on the
// person's other channels.
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { AppError } from '../src/lib/errors.ts';
import { issueCsrfToken } from '../src/http/csrf.ts';
import { checkAppPasswordName, TooManyAppPasswords, type AppPasswords } from '../src/services/app-passwords.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import type { SecurityEvent } from '../src/connectors/email/templates.ts';
import type { AccountPageExtension, SecurityNotifications, SignedIn } from './account-routes.ts';
import { messages, format } from './i18n/index.ts';
import { localeOf, pageFrame } from './render.ts';
import { appPasswordNotices, renderAppPasswords, renderNewAppPassword, type AppPasswordError, type AppPasswordNotice } from './views/app-passwords.ts';

const pagePath = '/account/app-passwords';

export function appPasswordPages(deps: { appPasswords: AppPasswords; audit: Pick<AuditLog, 'record'>; notifier: SecurityNotifications }): AccountPageExtension {
  const { appPasswords } = deps;
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  return (router: Router, kit) => {
    const show = async (ctx: Context, { user }: SignedIn, extra: { notice?: AppPasswordNotice; createError?: { error: AppPasswordError; value: string } } = {}) => {
      ctx.type = 'html';
      ctx.body = renderAppPasswords({ ...pageFrame(ctx), csrfToken: issueCsrfToken(ctx), passwords: await appPasswords.list(user.id), ...extra });
    };

    const confirmText = (ctx: Context, kind: 'confirmCreate' | 'confirmRevoke', name: string) => format(messages(localeOf(ctx)).appPasswords[kind], { name });

    const done = async (ctx: Context, userId: string, type: 'app_password.created' | 'app_password.revoked', notice: SecurityEvent, detail: Record<string, string>) => {
      ctx.state.logger.info({ event: type, accountId: userId, appPasswordId: detail.appPasswordId }, type === 'app_password.created' ? 'app password created' : 'app password revoked');
      await deps.audit.record({ type, userId, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail });
      try {
        await deps.notifier.notify(userId, notice, { locale: localeOf(ctx) });
      } catch (error) {
        // The change is made; a failed notice is logged for the operators, not shown as a failed change.
        ctx.state.logger.warn({ err: error, event: 'account.notify_failed', notice, accountId: userId }, 'security notice not sent');
      }
    };

    router.get('/app-passwords', async (ctx) => {
      const signed = await kit.requireSignedIn(ctx, pagePath);
      if (!signed) return;
      const notice = typeof ctx.query.done === 'string' ? ctx.query.done : '';
      await show(ctx, signed, { notice: appPasswordNotices.find((known) => known === notice) });
    });

    router.post('/app-passwords', parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, pagePath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const typed = typeof form.name === 'string' ? form.name.slice(0, 200) : '';
      const check = checkAppPasswordName(typed);
      if (!check.ok) {
        ctx.status = 400;
        return show(ctx, signed, { createError: { error: check.problem === 'empty' ? 'nameEmpty' : 'nameTooLong', value: typed } });
      }
      const what = { kind: 'described', text: confirmText(ctx, 'confirmCreate', check.name), back: pagePath } as const;
      if (!(await kit.freshlyProven(ctx, signed, form, what, { name: check.name }))) return;
      let created: { id: string; password: string };
      try {
        created = await appPasswords.create(signed.user.id, check.name);
      } catch (error) {
        if (!(error instanceof TooManyAppPasswords)) throw error;
        ctx.status = 409;
        return show(ctx, signed, { createError: { error: 'tooMany', value: check.name } });
      }
      await done(ctx, signed.user.id, 'app_password.created', 'app_password_created', { appPasswordId: created.id, name: check.name });
      ctx.type = 'html';
      ctx.body = renderNewAppPassword({ ...pageFrame(ctx), languageLinks: undefined, name: check.name, password: created.password, loginId: signed.user.username });
    });

    router.post('/app-passwords/:id/revoke', parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, pagePath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const entry = await appPasswords.find(signed.user.id, ctx.params.id ?? '');
      if (!entry) throw new AppError('not_found');
      const what = { kind: 'described', text: confirmText(ctx, 'confirmRevoke', entry.name), back: pagePath } as const;
      if (!(await kit.freshlyProven(ctx, signed, form, what))) return;
      if (!(await appPasswords.revoke(signed.user.id, entry.id))) throw new AppError('not_found');
      await done(ctx, signed.user.id, 'app_password.revoked', 'app_password_revoked', { appPasswordId: entry.id, name: entry.name });
      ctx.status = 303;
      ctx.redirect(`${pagePath}?done=revoked`);
    });
  };
}
