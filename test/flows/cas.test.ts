// CAS 1/2/3 against the real server: SSO with OIDC both ways, tickets single-use and bound to the service,
// renew and gateway, attributes per service, XML validity, URL tricks, CAS 1.0's exact bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { readCasXml, ticketFrom, validateTicket } from '../helpers/cas.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

const mail = 'https://mail.example.edu/cas-login';
const library = 'https://library.example.edu/login?next=%2Fshelf';
const secure = 'https://finance.example.edu/';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ CAS_TICKET_TTL: '2', CAS_COMPAT_PREFIX: '/authserver' }, {
    cas: [
      { id: 'webmail', name: 'Webmail', service: mail, attributes: ['uid', 'cn', 'mail'], attributeAliases: { containerId: 'uid' } },
      { id: 'library', name: 'Library', servicePattern: '^https://library\\.example\\.edu/.*', attributes: ['uid'], attributesOnV2: false },
      { id: 'finance', name: 'Finance', service: secure, mfa: 'required' },
    ],
  });
  await seedStudent(server.services.prisma, { displayName: 'Li <Hua> & "Co" ]]>' });
});
afterAll(async () => server?.destroy());

const cas = (path: string, params: Record<string, string>) => `${server.url}/cas${path}?${new URLSearchParams(params).toString()}`;

/** Signs in through CAS with the password and returns the service URL the browser came back to. */
async function casSignIn(browser: Browser, service = mail, extra: Record<string, string> = {}) {
  const returnTo = new URL(service).origin + new URL(service).pathname;
  const page = await browser.visit(cas('/login', { service, ...extra }), {}, returnTo);
  if (page.status === 0) return page.url;
  expect(page.html).toContain('name="password"');
  const back = await submitLogin(browser, page, student.username, student.password, returnTo);
  expect(back.status).toBe(0);
  return back.url;
}

describe('sign-in and validation', () => {
  it('signs in through the shared pages and releases the service its attributes on /p3', async () => {
    const back = await casSignIn(new Browser());
    const ticket = ticketFrom(back);
    expect(ticket).toMatch(/^ST-[A-Za-z0-9]{22}$/);
    const response = await validateTicket(server.url, '/cas/p3/serviceValidate', { service: mail, ticket });
    expect(response.type).toMatch(/xml/);
    const success = readCasXml(response.body)['cas:authenticationSuccess'] as Record<string, Record<string, string>>;
    expect(success['cas:user']).toBe(student.username);
    const attributes = success['cas:attributes'] as Record<string, string>;
    expect(attributes['cas:uid']).toBe(student.username);
    expect(attributes['cas:containerId']).toBe(student.username);
    expect(attributes['cas:cn']).toBe('Li <Hua> & "Co" ]]>');
    expect(attributes['cas:mail']).toBe(student.email);
    expect(attributes['cas:isFromNewLogin']).toBe('true');
    expect(attributes['cas:longTermAuthenticationRequestTokenUsed']).toBe('false');
    expect(Date.parse(String(attributes['cas:authenticationDate']))).toBeGreaterThan(Date.now() - 60_000);
    expect(attributes).not.toHaveProperty('cas:userType');
  });

  it('burns a ticket at the first validation: a replay is INVALID_TICKET', async () => {
    const ticket = ticketFrom(await casSignIn(new Browser()));
    expect((await validateTicket(server.url, '/cas/serviceValidate', { service: mail, ticket })).body).toContain('authenticationSuccess');
    const replay = readCasXml((await validateTicket(server.url, '/cas/serviceValidate', { service: mail, ticket })).body);
    expect((replay['cas:authenticationFailure'] as Record<string, string>)['@code']).toBe('INVALID_TICKET');
  });

  it('gives exactly one of 50 parallel validations of one ticket a success', async () => {
    const ticket = ticketFrom(await casSignIn(new Browser()));
    const results = await Promise.all(Array.from({ length: 50 }, () => validateTicket(server.url, '/cas/p3/serviceValidate', { service: mail, ticket })));
    expect(results.filter((result) => result.body.includes('authenticationSuccess'))).toHaveLength(1);
    expect(results.filter((result) => result.body.includes('INVALID_TICKET'))).toHaveLength(49);
  });

  it('answers another service with INVALID_SERVICE and kills the ticket', async () => {
    const ticket = ticketFrom(await casSignIn(new Browser()));
    const wrong = await validateTicket(server.url, '/cas/serviceValidate', { service: 'https://library.example.edu/login', ticket });
    expect(wrong.body).toContain('code="INVALID_SERVICE"');
    const right = await validateTicket(server.url, '/cas/serviceValidate', { service: mail, ticket });
    expect(right.body).toContain('code="INVALID_TICKET"');
  });

  it('lets a ticket expire', async () => {
    const ticket = ticketFrom(await casSignIn(new Browser()));
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    expect((await validateTicket(server.url, '/cas/serviceValidate', { service: mail, ticket })).body).toContain('code="INVALID_TICKET"');
  });

  it('keeps attributes off /serviceValidate for a service that asked so, and serves JSON', async () => {
    const browser = new Browser();
    await casSignIn(browser);
    const first = ticketFrom((await browser.visit(cas('/login', { service: library }), {}, 'https://library.example.edu/')).url);
    const v2 = readCasXml((await validateTicket(server.url, '/cas/serviceValidate', { service: library, ticket: first })).body);
    expect(v2['cas:authenticationSuccess']).not.toHaveProperty('cas:attributes');
    const second = ticketFrom((await browser.visit(cas('/login', { service: library }), {}, 'https://library.example.edu/')).url);
    const json = await validateTicket(server.url, '/cas/p3/serviceValidate', { service: library, ticket: second, format: 'JSON' });
    expect(JSON.parse(json.body)).toMatchObject({
      serviceResponse: { authenticationSuccess: { user: student.username, attributes: { uid: student.username, isFromNewLogin: 'false' } } },
    });
  });

  it('answers the CAS 1.0 endpoint byte for byte', async () => {
    const ticket = ticketFrom(await casSignIn(new Browser()));
    expect((await validateTicket(server.url, '/cas/validate', { service: mail, ticket })).body).toBe(`yes\n${student.username}\n`);
    expect((await validateTicket(server.url, '/cas/validate', { service: mail, ticket })).body).toBe('no\n');
  });

  it('uses the spec codes for missing parameters and the wrong kind of ticket', async () => {
    expect((await validateTicket(server.url, '/cas/serviceValidate', { service: mail })).body).toContain('code="INVALID_REQUEST"');
    expect((await validateTicket(server.url, '/cas/serviceValidate', { service: mail, ticket: 'PT-abc' })).body).toContain('code="INVALID_TICKET_SPEC"');
    expect((await validateTicket(server.url, '/cas/serviceValidate', { service: mail, ticket: 'bogus' })).body).toContain('code="INVALID_TICKET_SPEC"');
    const hostile = await validateTicket(server.url, '/cas/serviceValidate', { service: mail, ticket: 'ST-</cas:user><cas:user>admin' });
    readCasXml(hostile.body);
    expect(hostile.body).not.toContain('<cas:user>admin');
  });

  it('serves the same endpoints under the compatibility prefix', async () => {
    const browser = new Browser();
    await casSignIn(browser);
    const back = await browser.visit(`${server.url}/authserver/login?service=${encodeURIComponent(mail)}`, {}, mail);
    const ticket = ticketFrom(back.url);
    expect((await validateTicket(server.url, '/authserver/serviceValidate', { service: mail, ticket })).body).toContain('<cas:uid>');
  });
});

describe('single sign-on with OIDC', () => {
  it('an OIDC sign-in carries into CAS without a password, and a CAS sign-in into OIDC', async () => {
    const webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
    const browser = new Browser();
    const started = await webApp.authorize(browser);
    await submitLogin(browser, started.page, student.username, student.password, redirectUri);
    const casBack = await browser.visit(cas('/login', { service: mail }), {}, mail);
    expect(casBack.status).toBe(0);
    const attributes = readCasXml((await validateTicket(server.url, '/cas/p3/serviceValidate', { service: mail, ticket: ticketFrom(casBack.url) })).body);
    expect(JSON.stringify(attributes)).toContain('"cas:isFromNewLogin":"false"');

    const other = new Browser();
    await casSignIn(other);
    const oidc = await webApp.authorize(other);
    expect(oidc.page.url.startsWith(redirectUri)).toBe(true);
  });
});

describe('renew and gateway', () => {
  it('renew=true asks for the password despite SSO; an SSO ticket fails renew validation', async () => {
    const browser = new Browser();
    await casSignIn(browser);
    const sso = ticketFrom((await browser.visit(cas('/login', { service: mail }), {}, mail)).url);
    expect((await validateTicket(server.url, '/cas/serviceValidate', { service: mail, ticket: sso, renew: 'true' })).body).toContain('code="INVALID_TICKET"');

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const renewed = await casSignIn(browser, mail, { renew: 'true' });
    const fresh = await validateTicket(server.url, '/cas/serviceValidate', { service: mail, ticket: ticketFrom(renewed), renew: 'true' });
    expect(fresh.body).toContain('authenticationSuccess');
  });

  it('gateway without a session returns to the service without a ticket', async () => {
    const response = await new Browser().request(cas('/login', { service: mail, gateway: 'true' }));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(mail);
  });

  it('warn shows an interstitial before going on; method=POST hands the ticket over in a form', async () => {
    const browser = new Browser();
    await casSignIn(browser);
    const warn = await browser.visit(cas('/login', { service: mail, warn: 'true' }), {}, mail);
    expect(warn.status).toBe(200);
    expect(warn.html).toMatch(new RegExp(`href="${mail}\\?ticket=ST-`));
    const post = await browser.visit(cas('/login', { service: mail, method: 'POST' }), {}, mail);
    expect(post.html).toMatch(new RegExp(`<form id="cas-post" method="post" action="${mail}">`));
    expect(post.html).toMatch(/name="ticket" value="ST-/);
  });
});

describe('service registry', () => {
  it.each([
    'https://evil.example/',
    'https://mail.example.edu/cas-login.evil.com',
    'https://mail.example.edu@evil.com/cas-login',
    '//evil.com',
    'https://library.example.edu.evil.com/login',
    'https://mail.example.edu/cas-login\r\nSet-Cookie: x=1',
    'javascript:alert(1)',
  ])('refuses %j with an error page and no redirect', async (service) => {
    const response = await new Browser().request(cas('/login', { service }));
    expect(response.status).toBe(403);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toMatch(/not registered/);
  });

  it('sends a password-only session of a service that demands a second factor through the MFA step', async () => {
    const browser = new Browser();
    await casSignIn(browser);
    const response = await browser.request(cas('/login', { service: secure }));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.pathname).toBe('/auth');
    expect(location.searchParams.get('acr_values')).toBe('urn:campus-idp:acr:mfa');
    const gateway = await browser.request(cas('/login', { service: secure, gateway: 'true' }));
    expect(gateway.headers.get('location')).toBe(secure);
  });

  it('redirects after logout only to a registered service', async () => {
    const browser = new Browser();
    await casSignIn(browser);
    const good = await browser.request(cas('/logout', { service: mail }));
    expect(good.headers.get('location')).toBe(mail);
    // The SSO session is over: the next CAS login asks for the password.
    const next = await browser.visit(cas('/login', { service: mail }), {}, mail);
    expect(next.html).toContain('name="password"');
    const bad = await browser.request(cas('/logout', { service: 'https://evil.example/' }));
    expect(bad.status).toBe(200);
    expect(bad.headers.get('location')).toBeNull();
  });
});
