// SAML 1.1 validation (/samlValidate, DTDs refused) and the CAS REST protocol for non-browser clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { Browser } from '../helpers/browser.ts';
import { submitLogin } from '../helpers/oidc.ts';
import { ticketFrom, validateTicket } from '../helpers/cas.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { createWeakPasswords } from '../../src/services/weak-passwords.ts';

const mail = 'https://mail.example.edu/cas-login';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ CAS_TICKET_TTL: '30', LOGIN_LIMIT_PER_ACCOUNT: '3' }, {
    cas: [
      { id: 'webmail', service: mail, attributes: ['uid', 'cn'] },
      { id: 'finance', service: 'https://finance.example.edu/', mfa: 'required' },
    ],
  });
  await seedStudent(server.services.prisma);
});
afterAll(async () => server?.destroy());

const soap = (ticket: string) =>
  `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body>` +
  `<samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" MajorVersion="1" MinorVersion="1" RequestID="_1" IssueInstant="2026-11-22T00:00:00Z">` +
  `<samlp:AssertionArtifact>${ticket}</samlp:AssertionArtifact></samlp:Request></SOAP-ENV:Body></SOAP-ENV:Envelope>`;

const samlValidate = async (body: string, contentType = 'text/xml') => {
  const response = await fetch(`${server.url}/cas/samlValidate?TARGET=${encodeURIComponent(mail)}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await response.text();
  expect(XMLValidator.validate(text)).toBe(true);
  return { status: response.status, text, parsed: new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@' }).parse(text) as Record<string, unknown> };
};

async function casTicket() {
  const browser = new Browser();
  const page = await browser.visit(`${server.url}/cas/login?service=${encodeURIComponent(mail)}`, {}, mail);
  return ticketFrom((await submitLogin(browser, page, student.username, student.password, mail)).url);
}

describe('/samlValidate', () => {
  it('answers a SAML 1.1 request with the person and attributes, once', async () => {
    const ticket = await casTicket();
    const { text } = await samlValidate(soap(ticket));
    expect(text).toContain('<samlp:StatusCode Value="samlp:Success"/>');
    expect(text).toContain(`<saml:NameIdentifier>${student.username}</saml:NameIdentifier>`);
    expect(text).toMatch(/<saml:Attribute AttributeName="uid"[^>]*><saml:AttributeValue>20230001</);
    const replay = await samlValidate(soap(ticket));
    expect(replay.text).toContain('samlp:Responder');
    expect(replay.text).toContain('INVALID_TICKET');
  });

  it('refuses a document with a DOCTYPE (no XXE) and a body that is not XML', async () => {
    const ticket = await casTicket();
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${soap('&x;')}`;
    const refused = await samlValidate(xxe);
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain('root:');
    expect((await samlValidate(soap(ticket), 'application/x-www-form-urlencoded')).status).toBe(415);
    // The ticket was never consumed by the refused requests.
    expect((await samlValidate(soap(ticket))).text).toContain('samlp:Success');
  });
});

describe('REST protocol', () => {
  const rest = (path: string, form?: Record<string, string>, method = 'POST') =>
    fetch(`${server.url}/cas/v1/tickets${path}`, {
      method,
      headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      body: form ? new URLSearchParams(form) : undefined,
      redirect: 'manual',
    });

  it('trades a password for a TGT, the TGT for a service ticket that validates, and DELETE ends it', async () => {
    const created = await rest('', { username: student.username, password: student.password });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${server.url}/cas/v1/tickets/TGT-[A-Za-z0-9]+$`));
    const tgt = location.split('/').pop()!;
    const st = await rest(`/${tgt}`, { service: mail });
    expect(st.status).toBe(200);
    const ticket = await st.text();
    expect(ticket).toMatch(/^ST-/);
    expect((await validateTicket(server.url, '/cas/p3/serviceValidate', { service: mail, ticket })).body).toContain(`<cas:user>${student.username}</cas:user>`);
    expect((await rest(`/${tgt}`, { service: 'https://evil.example/' })).status).toBe(400);
    expect((await rest(`/${tgt}`, { service: 'https://finance.example.edu/' })).status).toBe(403);
    expect((await rest(`/${tgt}`, undefined, 'DELETE')).status).toBe(200);
    expect((await rest(`/${tgt}`, { service: mail })).status).toBe(404);
  });

  it('refuses a password that must be changed first (an administrator asked for a new one), as the sign-in page would', async () => {
    const person = await seedStudent(server.services.prisma, { username: 'rest-reset', cardNumber: 'C-rest', email: 'rest-reset@example.edu' });
    expect((await rest('', { username: 'rest-reset', password: student.password })).status).toBe(201);
    await createWeakPasswords({ store: server.services.store, accounts: server.services.accounts }).mark((await server.services.accounts.findById(person.id))!, []);
    const refused = await rest('', { username: 'rest-reset', password: student.password });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.text()).toContain('/account/password');
    // A new password ends the requirement.
    await server.services.accounts.setPassword('rest-reset', 'Violet-Harbour-Lantern-77');
    expect((await rest('', { username: 'rest-reset', password: 'Violet-Harbour-Lantern-77' })).status).toBe(201);
  });

  it('answers every failed sign-in alike and stops after the account limit', async () => {
    expect((await rest('', { username: student.username, password: 'wrong-one' })).status).toBe(401);
    expect((await rest('', { username: 'nobody', password: 'wrong-one' })).status).toBe(401);
    expect((await rest('', { username: student.username })).status).toBe(400);
    await rest('', { username: student.username, password: 'wrong-two' });
    await rest('', { username: student.username, password: 'wrong-three' });
    expect((await rest('', { username: student.username, password: student.password })).status).toBe(401);
  });
});
