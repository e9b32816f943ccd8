// The contacts prompt's pages: "your security phone is missing" with a form to bind it right there (a code to
// the new value, as on /account/contacts), one missing role at a time; "Later" only when CONTACT_PROMPT=skip.
// A session that signed in longer ago than the fresh-proof window also gives the password with the value.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../src/services/accounts.ts';
import type { ContactBinding, CodeTransaction } from '../src/services/contact-binding.ts';
import type { ContactRole } from '../src/services/contact-points.ts';
import type { ContactsRule } from '../src/oidc/contacts-policy.ts';
import type { FreshProof } from '../src/services/fresh-proof.ts';
import { freshProofSeconds } from '../src/services/fresh-proof.ts';
import { readSsoSession } from '../src/cas/sso-bridge.ts';
import { AppError, errorCatalogue, type ErrorCode } from '../src/lib/errors.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { interactionHelpers, type Details } from './interaction-helpers.ts';
import { localeOf, pageFrame } from './render.ts';
import type { SecurityNotifications } from './account-routes.ts';
import { renderContactCode, renderContactPrompt, type ContactPromptView } from './views/contacts.ts';

export interface ContactPromptDependencies {
  provider: Provider;
  accounts: AccountService;
  binding: ContactBinding;
  rule: ContactsRule;
  institutionDomains: readonly string[];
  freshProof: FreshProof;
  notifier: SecurityNotifications;
}

interface PromptState {
  accountId: string;
  sessionUid: string;
  role: ContactRole;
  transaction: CodeTransaction;
}

type Form = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Registers the prompt's POST routes on `router` and returns the GET handler for the contacts prompt. */
export function contactPromptStep(deps: ContactPromptDependencies, router: Router) {
  const { binding, rule } = deps;
  const { parseForm, details, finish } = interactionHelpers(deps.provider);

  /** The first missing role of this sign-in, or undefined when nothing is missing any more. */
  const stateOf = async (interaction: Details): Promise<PromptState | undefined> => {
    const accountId = interaction.session?.accountId;
    const sessionUid = interaction.session?.uid;
    if (interaction.prompt.name !== 'contacts' || !accountId || !sessionUid) throw new AppError('interaction_expired');
    const [role] = await rule.missing(accountId);
    return role && { accountId, sessionUid, role, transaction: { accountId, role, binding: `prompt:${interaction.uid}` } };
  };

  /** The password was checked in this sign-in moments ago, or proved since: no need to ask again. */
  const isFresh = async (ctx: Context, state: PromptState) => {
    const session = await readSsoSession(ctx, deps.provider);
    if (session && session.uid === state.sessionUid && Date.now() / 1000 - session.loginTs <= freshProofSeconds) return true;
    return deps.freshProof.isFresh(state.accountId, state.sessionUid);
  };

  const showEntry = async (ctx: Context, interaction: Details, state: PromptState, extra: Pick<ContactPromptView, 'error' | 'formError'> = {}) => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderContactPrompt({
      ...pageFrame(ctx, interaction.params.ui_locales),
      languageLinks: undefined,
      csrfToken: issueCsrfToken(ctx),
      role: state.role,
      sendAction: `/interaction/${interaction.uid}/contacts/send`,
      skipAction: (await rule.mayPutOff(state.accountId)) ? `/interaction/${interaction.uid}/contacts/skip` : undefined,
      askPassword: !(await isFresh(ctx, state)),
      afterAppeal: Boolean((await rule.rebinding?.(state.accountId))?.includes(state.role)),
      institutionDomains: deps.institutionDomains,
      ...extra,
    });
  };

  const showCode = (ctx: Context, interaction: Details, state: PromptState, sentTo: string, error?: ErrorCode) => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderContactCode({
      ...pageFrame(ctx, interaction.params.ui_locales),
      languageLinks: undefined,
      csrfToken: issueCsrfToken(ctx),
      role: state.role,
      sentTo,
      minutes: binding.minutes(state.role),
      action: `/interaction/${interaction.uid}/contacts/verify`,
      cancelHref: `/interaction/${interaction.uid}?change=1`,
      error,
    });
  };

  const done = (ctx: Context) => finish(ctx, { contacts: 'complete' });

  const show = async (ctx: Context, interaction: Details) => {
    const state = await stateOf(interaction);
    if (!state) return done(ctx);
    const sentTo = ctx.query.change === '1' ? undefined : await binding.pending(state.transaction);
    return sentTo ? showCode(ctx, interaction, state, sentTo) : showEntry(ctx, interaction, state);
  };

  /** The interaction, its state and the form, after the CSRF check (a failed one re-renders the entry form). */
  const guard = async (ctx: Context) => {
    const interaction = await details(ctx);
    const state = await stateOf(interaction);
    const form = (ctx.request.body ?? {}) as Form;
    if (state && !verifyCsrf(ctx, form._csrf)) {
      ctx.status = 403;
      await showEntry(ctx, interaction, state, { formError: 'csrf_failed' });
      return undefined;
    }
    return { interaction, state, form };
  };

  router.post('/:uid/contacts/send', parseForm, async (ctx) => {
    const guarded = await guard(ctx);
    if (!guarded) return;
    const { interaction, state, form } = guarded;
    if (!state) return done(ctx);
    const typed = text(form.value).slice(0, 254);
    if (!(await isFresh(ctx, state))) {
      const user = await deps.accounts.findById(state.accountId);
      if (!user) throw new AppError('interaction_expired');
      const password = text(form.password).slice(0, 1024);
      const proof = password
        ? await deps.freshProof.prove({ accountId: user.id, username: user.username, sessionUid: state.sessionUid, ip: ctx.ip, password })
        : 'invalid';
      if (proof !== 'ok') {
        ctx.status = proof === 'limited' ? 429 : 401;
        return showEntry(ctx, interaction, state, { formError: proof === 'limited' ? 'proofLimited' : 'proofInvalid', error: undefined });
      }
    }
    const started = await binding.start(state.transaction, typed, { ip: ctx.ip, locale: localeOf(ctx, interaction.params.ui_locales) });
    if (!started.ok) {
      ctx.state.logger.info({ event: 'contacts.code_not_sent', accountId: state.accountId, role: state.role, reason: started.error }, 'contact code not sent');
      ctx.status = errorCatalogue[started.error].status;
      return showEntry(ctx, interaction, state, { error: { role: state.role, code: started.error, value: typed } });
    }
    ctx.state.logger.info({ event: 'contacts.code_sent', accountId: state.accountId, role: state.role, to: started.masked }, 'contact code sent');
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}`);
  });

  router.post('/:uid/contacts/verify', parseForm, async (ctx) => {
    const guarded = await guard(ctx);
    if (!guarded) return;
    const { interaction, state, form } = guarded;
    if (!state) return done(ctx);
    const finished = await binding.finish(state.transaction, text(form.code).slice(0, 32));
    if (!finished.ok) {
      ctx.state.logger.info({ event: 'contacts.bind_failed', accountId: state.accountId, role: state.role, reason: finished.error }, 'contact not bound');
      ctx.status = errorCatalogue[finished.error].status;
      const sentTo = finished.error === 'invalid_code' ? await binding.pending(state.transaction) : undefined;
      if (sentTo) return showCode(ctx, interaction, state, sentTo, 'invalid_code');
      return showEntry(ctx, interaction, state, { formError: finished.error });
    }
    ctx.state.logger.info({ event: 'contacts.bound', accountId: state.accountId, role: state.role, during: 'sign_in' }, 'contact bound');
    try {
      await deps.notifier.notify(state.accountId, 'contact_changed', { locale: localeOf(ctx, interaction.params.ui_locales), previous: finished.previous ? [{ role: state.role, value: finished.previous }] : [] });
    } catch (error) {
      ctx.state.logger.warn({ err: error, event: 'contacts.notify_failed', accountId: state.accountId }, 'security notice not sent');
    }
    // The next missing role, if any, is asked for on the same prompt; otherwise the sign-in goes on.
    if ((await rule.missing(state.accountId)).length > 0) {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${interaction.uid}`);
    }
    return done(ctx);
  });

  router.post('/:uid/contacts/skip', parseForm, async (ctx) => {
    const guarded = await guard(ctx);
    if (!guarded) return;
    const { state } = guarded;
    if (!state) return done(ctx);
    if (!rule.skippable) throw new AppError('bad_request', 'CONTACT_PROMPT=block');
    // A number an approved lost-phone appeal unbound must be bound again in this sign-in.
    if (!(await rule.mayPutOff(state.accountId))) throw new AppError('bad_request', 'contact prompt after an approved appeal');
    await rule.skip(state.accountId, state.sessionUid);
    ctx.state.logger.info({ event: 'contacts.later', accountId: state.accountId, missing: state.role }, 'contact prompt skipped for this session');
    await finish(ctx, { contacts: 'later' });
  });

  return { show };
}
