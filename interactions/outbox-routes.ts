// /account/outbox: the development outbox. Without an SMS gateway or a mail relay, texts and e-mails are kept in
// memory; outside production an administrator reads them here (the codes included) to try the flows.
import type { MemorySms } from '../src/connectors/sms/memory.ts';
import type { MemoryEmail } from '../src/connectors/email/memory.ts';
import type { UserRecord } from '../src/services/accounts.ts';
import { AppError } from '../src/lib/errors.ts';
import type { AccountPageExtension } from './account-routes.ts';
import { pageFrame } from './render.ts';
import { renderOutbox, type OutboxEntry } from './views/outbox.ts';

/** The in-memory senders in use; empty in production or when real ones are configured. */
export interface DevOutbox {
  sms?: MemorySms;
  email?: MemoryEmail;
}

export const canReadOutbox = (user: UserRecord, outbox: DevOutbox) => user.roles.includes('admin') && Boolean(outbox.sms || outbox.email);

export function outboxEntries(outbox: DevOutbox): OutboxEntry[] {
  const texts = (outbox.sms?.messages() ?? []).map((message): OutboxEntry => ({
    at: message.at,
    channel: 'sms',
    to: message.phone,
    text: message.template === 'verification_code' ? `${message.template}: ${message.params.code} (${message.params.minutes} min)` : `${message.template}: ${message.params.event}`,
  }));
  const mails = (outbox.email?.messages() ?? []).map((message): OutboxEntry => ({ at: message.at, channel: 'email', to: message.to, text: `${message.subject}\n\n${message.text}` }));
  return [...texts, ...mails].sort((a, b) => b.at.getTime() - a.at.getTime());
}

export function outboxPages(outbox: DevOutbox): AccountPageExtension {
  return (router, kit) => {
    router.get('/outbox', async (ctx) => {
      const signed = await kit.requireSignedIn(ctx, '/account/outbox');
      if (!signed) return;
      if (!canReadOutbox(signed.user, outbox)) throw new AppError('not_found');
      ctx.type = 'html';
      ctx.body = renderOutbox({ ...pageFrame(ctx), entries: outboxEntries(outbox) });
    });
  };
}
