// The CAS service entry's "appPasswords" flag: off unless set, a boolean, and never on a service that needs MFA.
import { describe, expect, it } from 'vitest';
import { parseCasServices } from './cas-services.ts';

const service = (extra: Record<string, unknown>) => ({ id: 'webmail', service: 'https://mail.example.edu/cas-login', ...extra });

describe('appPasswords on a CAS service', () => {
  it('is off unless the entry says true', () => {
    expect(parseCasServices([service({})], 'clients.json')[0]?.appPasswords).toBe(false);
    expect(parseCasServices([service({ appPasswords: true })], 'clients.json')[0]?.appPasswords).toBe(true);
  });

  it('must be true or false, and cannot go with "mfa": "required"', () => {
    expect(() => parseCasServices([service({ appPasswords: 'yes' })], 'clients.json')).toThrow(/cas\[0\] \(id "webmail"\) field "appPasswords": must be true or false/);
    expect(() => parseCasServices([service({ appPasswords: true, mfa: 'required' })], 'clients.json')).toThrow(/field "appPasswords": an app password is one factor/);
  });
});
