// /account/sessions (an extension of the /account router): where the person is signed in, with "sign out" for
// another browser and "sign out everywhere else", and their recent sign-in history from the audit trail. Ending
// a session also ends the apps' tokens made in it (account-sessions.ts) and tells CAS services (single logout).
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type Provider from 'oidc-provider';
import { AppError } from '../src/lib/errors.ts';
import { issueCsrfToken } from '../src/http/csrf.ts';
import type { AccountSessions } from '../src/services/account-sessions.ts';
import type { AuditLog, AuthEventType } from '../src/services/audit-log.ts';
import type { AccountPageExtension } from './account-routes.ts';
import { pageFrame } from './render.ts';
import { renderSessions, sessionNotices } from './views/account-sessions.ts';

const pagePath = '/account/sessions';
export const signInHistoryTypes: readonly AuthEventType[] = ['sign_in.succeeded', 'sign_in.failed', 'mfa.succeeded', 'mfa.failed', 'app_password.used'];

export function sessionPages(deps: {
  provider: Provider;
  sessions: AccountSessions;
  audit: Pick<AuditLog, 'record' | 'recent'>;
}): AccountPageExtension {
  const { sessions } = deps;
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const appNames = async (clientIds: string[]) => {
    const names: Record<string, string> = {};
    for (const id of new Set(clientIds)) {
      const client = await deps.provider.Client.find(id);
      if (client?.clientName) names[id] = String(client.clientName);
    }
    return names;
  };

  return (router: Router, kit) => {
    router.get('/sessions', async (ctx) => {
      const signed = await kit.requireSignedIn(ctx, pagePath);
      if (!signed) return;
      const list = await sessions.list(signed.user.id, signed.session.uid);
      const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
      ctx.type = 'html';
      ctx.body = renderSessions({
        ...pageFrame(ctx),
        csrfToken: issueCsrfToken(ctx),
        sessions: list,
        appNames: await appNames(list.flatMap((session) => session.apps)),
        history: await deps.audit.recent(signed.user.id, signInHistoryTypes, 20),
        notice: sessionNotices.find((notice) => notice === done),
      });
    });

    router.post('/sessions/revoke-others', parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, pagePath);
      if (!guarded) return;
      const { session, user } = guarded.signed;
      const count = await sessions.revokeAll(user.id, { exceptSessionUid: session.uid });
      ctx.state.logger.info({ event: 'session.revoked', accountId: user.id, count, scope: 'others' }, 'other sessions ended');
      await deps.audit.record({ type: 'session.revoked', userId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { scope: 'others', count } });
      ctx.status = 303;
      ctx.redirect(`${pagePath}?done=revokedOthers`);
    });

    router.post('/sessions/:uid/revoke', parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, pagePath);
      if (!guarded) return;
      const { session, user } = guarded.signed;
      const uid = ctx.params.uid ?? '';
      // This browser signs out through the provider's own logout (which also tells the apps), not from here.
      if (uid === session.uid) throw new AppError('bad_request', 'the current session ends with sign-out');
      if (!(await sessions.revoke(user.id, uid))) throw new AppError('not_found');
      ctx.state.logger.info({ event: 'session.revoked', accountId: user.id, scope: 'one' }, 'session ended');
      await deps.audit.record({ type: 'session.revoked', userId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { scope: 'one' } });
      ctx.status = 303;
      ctx.redirect(`${pagePath}?done=revoked`);
    });
  };
}
