// Changes that are reported to the person (a factor added or removed, recovery codes replaced, trusted browsers
// ended, a contact changed) also go into the audit trail, at the one place every such notice passes through.
// Changes whose routes already write a richer audit row of their own (passwords, app passwords, WeChat links,
// admin actions) are not written twice.
import type { SecurityEvent } from '../connectors/email/templates.ts';
import type { AuditLog, AuthEventType } from './audit-log.ts';

interface Notifications<Options> {
  notify(userId: string, event: SecurityEvent, options: Options): Promise<unknown>;
}

const auditedEvents: Partial<Record<SecurityEvent, AuthEventType>> = {
  factor_added: 'factor.added',
  factor_removed: 'factor.removed',
  factor_renamed: 'factor.renamed',
  recovery_codes_regenerated: 'factor.recovery_codes_replaced',
  trusted_devices_revoked: 'factor.trusted_browsers_revoked',
  contact_changed: 'contact.changed',
};

export function auditedNotices<Options>(notifier: Notifications<Options>, audit: Pick<AuditLog, 'record'>): Notifications<Options> {
  return {
    async notify(userId, event, options) {
      const type = auditedEvents[event];
      if (type) await audit.record({ type, userId });
      return notifier.notify(userId, event, options);
    },
  };
}
