// What the rest of the IdP sees of a mail relay: send one message to one address, get a result that says what
// happened in our terms. Relay errors never throw; callers decide whether to retry or offer another channel.
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export type EmailResult =
  | { ok: true; messageId?: string }
  | { ok: false; reason: 'invalid_address' | 'vendor_unavailable' | 'rejected'; retryable: boolean; detail?: string };

export interface EmailSender {
  readonly name: string;
  send(message: EmailMessage): Promise<EmailResult>;
}

/** A single plain mailbox (no display name, no list): what the IdP ever sends to. */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+\.[^\s@<>(),;:"\\[\]]+$/.test(value);
}

/** `zh***@example.com`: what logs and pages may show of an address. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address.slice(0, Math.min(2, at))}***${address.slice(at)}`;
}
