// WEBAUTHN_RP_ID: the ISSUER host by default, or a domain the host belongs to; never another site or an IP.
import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';

describe('passkey settings', () => {
  it('defaults to the ISSUER host and the campus-idp name', () => {
    expect(loadConfig({ ISSUER: 'https://idp.example.edu' }).webauthn).toEqual({ rpId: 'idp.example.edu', rpName: 'campus-idp' });
    expect(loadConfig({ PORT: '0' }).webauthn.rpId).toBe('localhost');
  });

  it('accepts a domain the ISSUER host belongs to', () => {
    expect(loadConfig({ ISSUER: 'https://idp.example.edu', WEBAUTHN_RP_ID: 'Example.edu', WEBAUTHN_RP_NAME: 'Example University' }).webauthn)
      .toEqual({ rpId: 'example.edu', rpName: 'Example University' });
  });

  it('refuses another site, a bare top-level domain, a label-boundary trick and an IP address, naming the variable', () => {
    for (const rpId of ['other.edu', 'edu', 'ample.edu', '10.0.0.1']) {
      expect(() => loadConfig({ ISSUER: 'https://idp.example.edu', WEBAUTHN_RP_ID: rpId })).toThrow(/WEBAUTHN_RP_ID/);
    }
    expect(() => loadConfig({ ISSUER: 'http://10.0.0.1', WEBAUTHN_RP_ID: '10.0.0.1' })).toThrow(/not an IP address/);
  });
});
