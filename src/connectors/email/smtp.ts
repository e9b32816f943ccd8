// Mail through the campus (or a provider's) SMTP relay with nodemailer: one short-lived connection per message,
// bounded waits at every step, and the relay's replies translated into our results.
import { createTransport } from 'nodemailer';
import type { NodemailerError } from 'nodemailer/lib/errors';
import type { Logger } from '../../lib/logger.ts';
import { ConfigError } from '../../lib/errors.ts';
import { isEmailAddress, maskEmail, type EmailResult, type EmailSender } from './email-sender.ts';

export interface SmtpSenderConfig {
  /** smtp://user:pass@host:587 (STARTTLS when offered; `?starttls=required` insists), or smtps://…:465. */
  url: string;
  /** Header From, e.g. `campus-idp <no-reply@example.edu>`. */
  from: string;
  logger: Logger;
  /** Bound on connecting, the greeting and each idle wait; 10 s unless a test needs less. */
  timeoutMs?: number;
}

interface SmtpEndpoint {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  auth: { user: string; pass: string } | undefined;
}

export function parseSmtpUrl(raw: string): SmtpEndpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('SMTP_URL must be a URL such as smtp://user:password@mail.example.edu:587');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError(`SMTP_URL must be an smtp: or smtps: URL (got ${url.protocol})`);
  if (!url.hostname) throw new ConfigError('SMTP_URL names no host');
  const starttls = url.searchParams.get('starttls');
  if (starttls !== null && starttls !== 'required') throw new ConfigError('SMTP_URL accepts only ?starttls=required');
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS: starttls === 'required',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
  };
}

const connectionFailures = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'ECONNREFUSED', 'ECONNRESET']);

function classify(error: NodemailerError): Extract<EmailResult, { ok: false }> {
  const status = error.responseCode;
  const detail = [error.code, error.command, status].filter(Boolean).join(' ');
  if (status !== undefined && status >= 400 && status < 500) return { ok: false, reason: 'vendor_unavailable', retryable: true, detail };
  if (error.code === 'EAUTH' || error.code === 'ENOAUTH') return { ok: false, reason: 'rejected', retryable: false, detail };
  const onRecipient = (error.rejected?.length ?? 0) > 0 || /^RCPT/i.test(error.command ?? '');
  if (error.code === 'EENVELOPE' && onRecipient && status !== undefined && status >= 500) return { ok: false, reason: 'invalid_address', retryable: false, detail };
  if (connectionFailures.has(error.code ?? '') || status === undefined) return { ok: false, reason: 'vendor_unavailable', retryable: true, detail };
  return { ok: false, reason: 'rejected', retryable: false, detail };
}

export function createSmtpSender(config: SmtpSenderConfig): EmailSender {
  const endpoint = parseSmtpUrl(config.url);
  const timeoutMs = config.timeoutMs ?? 10_000;
  const transport = createTransport({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    requireTLS: endpoint.requireTLS,
    auth: endpoint.auth,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    socketCloseTimeout: Math.min(timeoutMs, 5_000),
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const relay = `${endpoint.host}:${endpoint.port}`;

  return {
    name: 'smtp',
    async send(message) {
      const to = maskEmail(message.to);
      if (!isEmailAddress(message.to)) {
        config.logger.warn({ event: 'email.invalid_address', to }, 'Not an e-mail address; nothing sent');
        return { ok: false, reason: 'invalid_address', retryable: false, detail: 'syntax' };
      }
      try {
        const info = await transport.sendMail({ from: config.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
        config.logger.info({ event: 'email.sent', to, relay }, 'E-mail accepted by the relay');
        return { ok: true, messageId: info.messageId };
      } catch (caught) {
        const error = caught as NodemailerError;
        const result = classify(error);
        if (result.reason === 'rejected' && (error.code === 'EAUTH' || error.code === 'ENOAUTH')) {
          config.logger.error({ event: 'email.auth_failed', relay, detail: result.detail }, 'The SMTP relay refused our credentials: check SMTP_URL');
        } else {
          config.logger.warn({ event: 'email.failed', to, relay, reason: result.reason, detail: result.detail }, 'E-mail not delivered to the relay');
        }
        return result;
      }
    },
  };
}
