// The text message to a pupil's guardian on each result of an identity review (verified, returned). It rides on
// the gateway's approved security-notice template (params.event), so no further vendor template is needed; it
// never carries the ID number. Failures are logged with a masked number and never undo the decision.
import type { Locale } from '../config/env.ts';
import type { Logger } from '../lib/logger.ts';
import { maskPhone, type SmsSender } from '../connectors/sms/sms-sender.ts';

export type IdentityResult = 'verified' | 'returned';

const labels: Record<Locale, Record<IdentityResult, string>> = {
  'zh-CN': {
    verified: '学生身份信息已核验通过',
    returned: '学生身份信息被退回，请登录“电子档案”查看审核意见并修改',
  },
  en: {
    verified: "the pupil's identity record was verified",
    returned: "the pupil's identity record was returned: sign in to the electronic archive to read the reviewer's note",
  },
};

export function identityResultLabel(result: IdentityResult, locale: Locale): string {
  return labels[locale][result];
}

export function createIdentityNotices(deps: { sms: SmsSender; logger: Logger; locale: Locale }) {
  return {
    /** Sends to each distinct number; resolves either way. */
    async tellGuardian(phones: readonly string[], result: IdentityResult, userId: string): Promise<void> {
      for (const phone of new Set(phones.filter(Boolean))) {
        try {
          const sent = await deps.sms.send({ phone, template: 'security_notice', params: { event: identityResultLabel(result, deps.locale) } });
          if (!sent.ok) deps.logger.warn({ event: 'identity.guardian_sms_failed', userId, to: maskPhone(phone), reason: sent.reason }, 'guardian SMS not delivered');
        } catch (error) {
          deps.logger.warn({ event: 'identity.guardian_sms_failed', userId, to: maskPhone(phone), err: error }, 'guardian SMS not delivered');
        }
      }
    },
  };
}

export type IdentityNotices = ReturnType<typeof createIdentityNotices>;
