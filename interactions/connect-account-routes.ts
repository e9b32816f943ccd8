// /account/connections (an extension of the /account router): the bound WeChat/WeCom accounts, and unbinding one
// after a fresh proof; each unbinding is recorded in the audit trail and notified on the person's other channels.
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { AppError } from '../src/lib/errors.ts';
import { issueCsrfToken } from '../src/http/csrf.ts';
import type { ExternalIdentities } from '../src/services/external-identities.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import type { AccountPageExtension, SecurityNotifications } from './account-routes.ts';
import { format, messages } from './i18n/index.ts';
import { localeOf, pageFrame } from './render.ts';
import { renderConnections } from './views/connect-account.ts';

const pagePath = '/account/connections';

/** The outcomes /account/connections announces (?done=…); bound, already and moved come from wechat-binding-routes.ts. */
const connectionNotices = ['unbound', 'bound', 'already', 'moved'] as const;

export function connectionPages(deps: { identities: ExternalIdentities; audit: Pick<AuditLog, 'record'>; notifier: SecurityNotifications; bindWechat?: boolean }): AccountPageExtension {
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  return (router: Router, kit) => {
    router.get('/connections', async (ctx) => {
      const signed = await kit.requireSignedIn(ctx, pagePath);
      if (!signed) return;
      ctx.type = 'html';
      ctx.body = renderConnections({
        ...pageFrame(ctx),
        csrfToken: issueCsrfToken(ctx),
        identities: await deps.identities.list(signed.user.id),
        notice: connectionNotices.find((notice) => notice === ctx.query.done),
        bindWechat: deps.bindWechat ? { action: `${pagePath}/bind/wechat` } : undefined,
      });
    });

    router.post('/connections/:id/unbind', parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, pagePath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const identity = await deps.identities.find(signed.user.id, ctx.params.id ?? '');
      if (!identity) throw new AppError('not_found');
      const t = messages(localeOf(ctx)).connect;
      const name = t.names[identity.provider] ?? identity.provider;
      const what = { kind: 'described', text: format(t.confirmUnbind, { name }), back: pagePath } as const;
      if (!(await kit.freshlyProven(ctx, signed, form, what))) return;
      if (!(await deps.identities.unlink(signed.user.id, identity.id))) throw new AppError('not_found');
      const userId = signed.user.id;
      ctx.state.logger.info({ event: 'connect.unlinked', accountId: userId, provider: identity.provider }, 'external identity unlinked');
      await deps.audit.record({ type: 'factor.external_unlinked', userId, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { provider: identity.provider } });
      try {
        await deps.notifier.notify(userId, 'external_identity_unlinked', { locale: localeOf(ctx) });
      } catch (error) {
        // The change is made; a failed notice is logged for the operators, not shown as a failed change.
        ctx.state.logger.warn({ err: error, event: 'account.notify_failed', notice: 'external_identity_unlinked', accountId: userId }, 'security notice not sent');
      }
      ctx.status = 303;
      ctx.redirect(`${pagePath}?done=unbound`);
    });
  };
}
