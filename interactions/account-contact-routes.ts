// /account/contacts: the login phone, security phone and recovery e-mail. Adding or changing one: the new value
// → a fresh proof of the person (password or an authenticator code, unless given in the last minutes) → a code
// to the new value → bound → a notice to the old value and every other verified channel. Removing needs a fresh
// proof too, and a role the institution requires can only be changed.
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { ContactBinding, CodeTransaction } from '../src/services/contact-binding.ts';
import type { ContactPoints, ContactRole } from '../src/services/contact-points.ts';
import { isPhoneRole } from '../src/services/contact-points.ts';
import { contactRoles } from '../src/config/env.ts';
import { AppError, errorCatalogue, type ErrorCode } from '../src/lib/errors.ts';
import { issueCsrfToken } from '../src/http/csrf.ts';
import { maskEmail } from '../src/connectors/email/email-sender.ts';
import { maskPhone } from '../src/connectors/sms/sms-sender.ts';
import type { PreviousContact } from '../src/services/security-notifier.ts';
import { format, messages } from './i18n/index.ts';
import { localeOf, pageFrame } from './render.ts';
import type { AccountPageExtension, SecurityNotifications, SignedIn } from './account-routes.ts';
import { contactNotices, contactRoleOrder, renderContactCode, renderContacts, type ContactFormError } from './views/contacts.ts';

const contactsPath = '/account/contacts';
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
export const maskContact = (role: ContactRole, value: string) => (isPhoneRole(role) ? maskPhone(value) : maskEmail(value));

export function contactPages(deps: { contacts: ContactPoints; binding: ContactBinding; notifier: SecurityNotifications }): AccountPageExtension {
  const { contacts, binding } = deps;
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  return (router: Router, kit) => {
    const roleOf = (ctx: Context): ContactRole => {
      const role = contactRoles.find((known) => known === ctx.params.role);
      if (!role) throw new AppError('not_found');
      return role;
    };
    const transaction = ({ session, user }: SignedIn, role: ContactRole): CodeTransaction => ({ accountId: user.id, role, binding: `${user.id}:${session.uid}` });

    const showList = async (ctx: Context, { user }: SignedIn, extra: { error?: ContactFormError; notice?: (typeof contactNotices)[number] } = {}) => {
      const bound = await contacts.list(user.id);
      ctx.type = 'html';
      ctx.body = renderContacts({
        ...pageFrame(ctx),
        csrfToken: issueCsrfToken(ctx),
        institutionDomains: contacts.rules.institutionEmailDomains,
        contacts: contactRoleOrder.map((role) => {
          const found = bound.find((contact) => contact.role === role);
          return { role, value: found && maskContact(role, found.value), verified: Boolean(found?.verifiedAt), required: contacts.rules.required.includes(role) };
        }),
        ...extra,
      });
    };

    const refuse = (ctx: Context, signed: SignedIn, error: ContactFormError) => {
      ctx.status = errorCatalogue[error.code].status;
      return showList(ctx, signed, { error });
    };

    const showCode = (ctx: Context, role: ContactRole, sentTo: string, error?: ErrorCode) => {
      ctx.type = 'html';
      ctx.body = renderContactCode({
        ...pageFrame(ctx),
        languageLinks: undefined,
        csrfToken: issueCsrfToken(ctx),
        role,
        sentTo,
        minutes: binding.minutes(role),
        action: `${contactsPath}/${role}/verify`,
        cancelHref: contactsPath,
        error,
      });
    };

    const notify = async (ctx: Context, userId: string, previous: PreviousContact[]) => {
      try {
        await deps.notifier.notify(userId, 'contact_changed', { locale: localeOf(ctx), previous });
      } catch (error) {
        ctx.state.logger.warn({ err: error, event: 'account.notify_failed', notice: 'contact_changed', accountId: userId }, 'security notice not sent');
      }
    };

    router.get('/contacts', async (ctx) => {
      const signed = await kit.requireSignedIn(ctx, contactsPath);
      if (!signed) return;
      const done = text(ctx.query.done);
      await showList(ctx, signed, { notice: contactNotices.find((notice) => notice === done) });
    });

    router.post('/contacts/:role', parseForm, async (ctx) => {
      const role = roleOf(ctx);
      const guarded = await kit.guardPost(ctx, contactsPath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const typed = text(form.value).slice(0, 254);
      // The rules are checked before the proof is asked for, so a refusal never costs a password.
      const candidate = await contacts.checkCandidate(signed.user.id, role, typed);
      if (!candidate.ok) return refuse(ctx, signed, { role, code: candidate.reason, value: typed });
      const t = messages(localeOf(ctx)).contacts;
      const what = { kind: 'described', text: format(t.confirmBind, { role: t.inText[role], value: candidate.value }), back: contactsPath } as const;
      if (!(await kit.freshlyProven(ctx, signed, form, what, { value: typed }))) return;
      const started = await binding.start(transaction(signed, role), typed, { ip: ctx.ip, locale: localeOf(ctx) });
      if (!started.ok) {
        ctx.state.logger.info({ event: 'contacts.code_not_sent', accountId: signed.user.id, role, reason: started.error }, 'contact code not sent');
        return refuse(ctx, signed, { role, code: started.error, value: typed });
      }
      ctx.state.logger.info({ event: 'contacts.code_sent', accountId: signed.user.id, role, to: started.masked }, 'contact code sent');
      ctx.status = 303;
      ctx.redirect(`${contactsPath}/${role}/verify`);
    });

    router.get('/contacts/:role/verify', async (ctx) => {
      const role = roleOf(ctx);
      const signed = await kit.requireSignedIn(ctx, contactsPath);
      if (!signed) return;
      const sentTo = await binding.pending(transaction(signed, role));
      if (!sentTo) return ctx.redirect(contactsPath);
      showCode(ctx, role, sentTo);
    });

    router.post('/contacts/:role/verify', parseForm, async (ctx) => {
      const role = roleOf(ctx);
      const guarded = await kit.guardPost(ctx, contactsPath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const finished = await binding.finish(transaction(signed, role), text(form.code).slice(0, 32));
      if (!finished.ok) {
        ctx.state.logger.info({ event: 'contacts.bind_failed', accountId: signed.user.id, role, reason: finished.error }, 'contact not bound');
        // A wrong code leaves the code page up while the code still lives (five wrong guesses void it).
        const pendingTo = finished.error === 'invalid_code' ? await binding.pending(transaction(signed, role)) : undefined;
        if (pendingTo) {
          ctx.status = 401;
          return showCode(ctx, role, pendingTo, 'invalid_code');
        }
        return refuse(ctx, signed, { role, code: finished.error, value: '' });
      }
      ctx.state.logger.info({ event: 'contacts.bound', accountId: signed.user.id, role, replaced: Boolean(finished.previous) }, 'contact bound');
      await notify(ctx, signed.user.id, finished.previous ? [{ role, value: finished.previous }] : []);
      ctx.status = 303;
      ctx.redirect(`${contactsPath}?done=bound`);
    });

    router.post('/contacts/:role/remove', parseForm, async (ctx) => {
      const role = roleOf(ctx);
      const guarded = await kit.guardPost(ctx, contactsPath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const current = (await contacts.list(signed.user.id)).find((contact) => contact.role === role);
      if (!current) throw new AppError('not_found');
      if (contacts.rules.required.includes(role)) return refuse(ctx, signed, { role, code: 'contact_required', value: '' });
      const t = messages(localeOf(ctx)).contacts;
      const what = { kind: 'described', text: format(t.confirmRemove, { role: t.inText[role], value: maskContact(role, current.value) }), back: contactsPath } as const;
      if (!(await kit.freshlyProven(ctx, signed, form, what))) return;
      const removed = await contacts.remove(signed.user.id, role);
      if (!removed.ok) return refuse(ctx, signed, { role, code: removed.reason, value: '' });
      ctx.state.logger.info({ event: 'contacts.removed', accountId: signed.user.id, role }, 'contact removed');
      await notify(ctx, signed.user.id, removed.removed ? [{ role, value: removed.removed }] : []);
      ctx.status = 303;
      ctx.redirect(`${contactsPath}?done=removed`);
    });
  };
}
