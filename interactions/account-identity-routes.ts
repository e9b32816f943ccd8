// /account/identity (an extension of the /account router): the person's electronic archive. Shows the record,
// its status and the reviewer's note; the form submits or corrects it (services/identity-verification.ts decides
// whether it is verified at once or waits for the reviewer). CSRF on the POST; a stale form changes nothing.
// Submissions are limited per person (the registry match must not become an oracle for guessing ID numbers).
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { issueCsrfToken } from '../src/http/csrf.ts';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { IdentityVerification } from '../src/services/identity-verification.ts';
import type { AccountPageExtension } from './account-routes.ts';
import { identityFieldsOf, issuesMap } from './identity-form.ts';
import { pageFrame } from './render.ts';
import { renderArchive, valuesOf, type FieldIssues, type FieldValues } from './views/identity.ts';

const pagePath = '/account/identity';
const notices = ['verified', 'pending', 'unchanged', 'stale', 'limited'];
/** Submissions one person may make per hour. */
const submissionsPerHour = 10;

export function identityPages(deps: { identity: IdentityVerification; store: KeyValueStore }): AccountPageExtension {
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const show = async (ctx: Context, userId: string, extra: { values?: FieldValues; issues?: FieldIssues; notice?: string } = {}) => {
    const record = await deps.identity.recordOf(userId);
    ctx.type = 'html';
    ctx.body = renderArchive({
      ...pageFrame(ctx),
      csrfToken: issueCsrfToken(ctx),
      record,
      values: extra.values ?? (record ? valuesOf(record) : {}),
      issues: extra.issues ?? {},
      notice: extra.notice,
    });
  };

  return (router: Router, kit) => {
    router.get('/identity', async (ctx) => {
      const signed = await kit.requireSignedIn(ctx, pagePath);
      if (!signed) return;
      const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
      await show(ctx, signed.user.id, { notice: notices.find((notice) => notice === done) });
    });

    router.post('/identity', parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, pagePath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const { raw, values } = identityFieldsOf(form);
      if ((await deps.store.increment(`identity:submit:${signed.user.id}`, 3600)) > submissionsPerHour) {
        ctx.state.logger.warn({ event: 'identity.rate_limited', accountId: signed.user.id }, 'identity submissions limited');
        ctx.status = 429;
        return show(ctx, signed.user.id, { values, notice: 'limited' });
      }
      const revision = typeof form.revision === 'string' && /^\d{1,9}$/.test(form.revision) ? Number(form.revision) : undefined;
      const outcome = await deps.identity.submit(signed.user.id, raw, { expectedRevision: revision, actor: { ip: ctx.ip, userAgent: ctx.get('user-agent') } });
      if (!outcome.ok && 'issues' in outcome) {
        ctx.status = 400;
        return show(ctx, signed.user.id, { values, issues: issuesMap(outcome.issues) });
      }
      if (!outcome.ok) {
        ctx.status = 409;
        return show(ctx, signed.user.id, { notice: 'stale' });
      }
      ctx.status = 303;
      ctx.redirect(`${pagePath}?done=${outcome.changed ? outcome.status : 'unchanged'}`);
    });
  };
}
