// Contact settings: INSTITUTION_EMAIL_DOMAINS, REQUIRED_CONTACTS and CONTACT_PROMPT are parsed once, and a bad
// value fails at boot naming the variable; the institution-domain rule covers subdomains only on a label boundary.
import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';
import { isInstitutionEmail } from '../services/contact-points.ts';

describe('contact settings', () => {
  it('defaults to no domains, nothing required, and a skippable prompt', () => {
    expect(loadConfig({}).contacts).toMatchObject({ institutionEmailDomains: [], required: [], prompt: 'skip' });
  });

  it('reads the lists', () => {
    const { contacts } = loadConfig({ INSTITUTION_EMAIL_DOMAINS: ' Example.EDU , @mail.example.edu', REQUIRED_CONTACTS: 'recovery_email,security_phone', CONTACT_PROMPT: 'block' });
    expect(contacts.institutionEmailDomains).toEqual(['example.edu', 'mail.example.edu']);
    expect(contacts.required).toEqual(['security_phone', 'recovery_email']);
    expect(contacts.prompt).toBe('block');
  });

  it('names each bad variable', () => {
    expect(() => loadConfig({ REQUIRED_CONTACTS: 'security_phone,fax' })).toThrow(/REQUIRED_CONTACTS must list some of login_phone, security_phone, recovery_email \(unknown: "fax"\)/);
    expect(() => loadConfig({ CONTACT_PROMPT: 'maybe' })).toThrow(/CONTACT_PROMPT must be one of block, skip/);
    expect(() => loadConfig({ INSTITUTION_EMAIL_DOMAINS: 'example.edu,not a domain' })).toThrow(/INSTITUTION_EMAIL_DOMAINS .*"not a domain"/);
    expect(() => loadConfig({ NODE_ENV: 'production', REQUIRED_CONTACTS: 'security_phone' })).toThrow(/asks for a phone, which needs SMS_PROVIDER/);
  });

  it('treats subdomains as the institution, look-alikes not', () => {
    const domains = ['example.edu'];
    expect(isInstitutionEmail('a@example.edu', domains)).toBe(true);
    expect(isInstitutionEmail('a@Mail.Example.EDU', domains)).toBe(true);
    expect(isInstitutionEmail('a@notexample.edu', domains)).toBe(false);
    expect(isInstitutionEmail('a@example.edu.evil.com', domains)).toBe(false);
  });
});
