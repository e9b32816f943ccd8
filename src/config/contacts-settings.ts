// Contact points: institution mail domains, required roles and their prompt, and e-mailed code budgets.
import type { SettingReader } from './setting-reader.ts';

/** The contact points a person binds on /account/contacts, in their roles. */
export const contactRoles = ['login_phone', 'security_phone', 'recovery_email'] as const;
export type ContactRole = (typeof contactRoles)[number];

export interface ContactsConfig {
  /** The institution's own mail domains (INSTITUTION_EMAIL_DOMAINS), subdomains included: never a recovery email. */
  institutionEmailDomains: string[];
  /** Roles every person must have verified (REQUIRED_CONTACTS); asked for after sign-in. */
  required: ContactRole[];
  /** CONTACT_PROMPT: block = the sign-in cannot finish without them; skip = "Later" for this session. */
  prompt: 'block' | 'skip';
  /** Codes sent by e-mail: resend cooldown and daily budgets (EMAIL_CODE_*). */
  emailBudgets: { cooldownSeconds: number; perNumberPerDay: number; perAccountPerDay: number; perIpPerDay: number; globalPerDay: number };
}

export function contactsSettings(settings: SettingReader): ContactsConfig {
  const { problems, read, integer, oneOf } = settings;
  const list = (name: string) => (read(name) ?? '').split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);
  const institutionEmailDomains = list('INSTITUTION_EMAIL_DOMAINS').map((domain) => domain.replace(/^[@.]/, ''));
  const badDomains = institutionEmailDomains.filter((domain) => !/^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/.test(domain));
  if (badDomains.length) problems.push(`INSTITUTION_EMAIL_DOMAINS must be a comma-separated list of mail domains such as example.edu,mail.example.edu (not valid: "${badDomains.join('", "')}")`);
  const required = list('REQUIRED_CONTACTS');
  const unknown = required.filter((role) => !(contactRoles as readonly string[]).includes(role));
  if (unknown.length) problems.push(`REQUIRED_CONTACTS must list some of ${contactRoles.join(', ')} (unknown: "${unknown.join('", "')}")`);
  return {
    institutionEmailDomains,
    required: contactRoles.filter((role) => required.includes(role)),
    prompt: oneOf('CONTACT_PROMPT', ['block', 'skip'], 'skip'),
    emailBudgets: {
      cooldownSeconds: integer('EMAIL_CODE_COOLDOWN', 60, 10, 3600),
      perNumberPerDay: integer('EMAIL_BUDGET_PER_ADDRESS', 10, 1, 1000),
      perAccountPerDay: integer('EMAIL_BUDGET_PER_ACCOUNT', 10, 1, 1000),
      perIpPerDay: integer('EMAIL_BUDGET_PER_IP', 30, 1, 1_000_000),
      globalPerDay: integer('EMAIL_BUDGET_GLOBAL', 50_000, 1, 100_000_000),
    },
  };

}
