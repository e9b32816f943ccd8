// What the rest of the IdP sees of an SMS gateway: send one verification code or security notice to one number,
// get a result that says what happened in our terms. Vendor errors never throw; callers offer other factors on failure.
export type SmsMessage =
  | {
      /** E.164, e.g. +8613812348347. */
      phone: string;
      template: 'verification_code';
      params: { code: string; minutes: number };
    }
  | {
      phone: string;
      template: 'security_notice';
      /** A notice never carries a code. */
      params: { event: string; code?: never };
    };

export type SmsResult =
  | { ok: true; messageId?: string }
  | { ok: false; reason: 'rate_limited' | 'invalid_number' | 'vendor_unavailable' | 'rejected'; vendorCode?: string; retryable: boolean };

export interface SmsSender {
  readonly name: string;
  send(message: SmsMessage): Promise<SmsResult>;
}

/** `138****8347`: what logs and pages may show of a number. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/^\+86/, '');
  return digits.length >= 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : '****';
}

export const unavailable = (vendorCode?: string): SmsResult => ({ ok: false, reason: 'vendor_unavailable', vendorCode, retryable: true });

/** For a vendor whose account has no approved template for this kind of message. */
export const noTemplate = (template: SmsMessage['template']): SmsResult => ({ ok: false, reason: 'rejected', vendorCode: `no_template:${template}`, retryable: false });
