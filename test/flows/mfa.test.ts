// Second factor with TOTP: forced enrolment inside the sign-in, codes accepted once, step-up on acr_values,
// per-client and per-CAS-service demands, seeds sealed at rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { Browser, type Page } from '../helpers/browser.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { readCasXml, ticketFrom, validateTicket } from '../helpers/cas.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

const mailCallback = 'http://127.0.0.1:9/mail';
const finance = 'https://finance.example.edu/';
let server: TestServer;
let mailApp: RelyingParty;
let webApp: RelyingParty;

beforeAll(async () => {
  server = await startTestServer({}, {
    oidc: [{ client_id: 'mail-app', client_name: 'Webmail', client_secret_env: 'WEB_APP_SECRET', redirect_uris: [mailCallback], first_party: true, mfa: 'required' }],
    cas: [{ id: 'finance', service: finance, mfa: 'required', attributes: ['uid'] }],
  });
  mailApp = await relyingParty(server.url, 'mail-app', mailCallback, webAppSecret);
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
});
afterAll(async () => server?.destroy());

// Codes are computed from one instant per file so a test that crosses a 30 s boundary still means what it says.
const t0 = Date.now();
const codeFor = (secret: string, stepOffset = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: t0 + stepOffset * 30_000 });

const secretOn = (page: Page) => /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(page.html)?.[1];
/** Submits a code; when the "trust this browser" question follows, answers it with `trust`. */
async function submitCode(browser: Browser, page: Page, code: string, stopAt: string, trust: 'yes' | 'no' = 'no') {
  const next = await browser.submit(page, /\/mfa$/, { code }, stopAt);
  if (!next.html.includes('name="trust"')) return next;
  return browser.submit(next, /\/trust$/, { trust }, stopAt);
}

describe('trust this browser', () => {
  it('skips the second factor on a trusted browser until the trust is revoked, and only for that person', async () => {
    const user = await seedStudent(server.services.prisma, { username: 'mfa-4', cardNumber: 'M4', email: 'm4@example.edu' });
    await seedStudent(server.services.prisma, { username: 'mfa-5', cardNumber: 'M5', email: 'm5@example.edu' });
    const host = new URL(server.url).host;
    const browser = new Browser();
    const first = await mailApp.authorize(browser);
    const enrol = await submitLogin(browser, first.page, 'mfa-4', student.password, mailCallback);
    const secret = secretOn(enrol)!;
    const question = await browser.submit(enrol, /\/mfa$/, { code: codeFor(secret) }, mailCallback);
    expect(question.html).toContain('name="trust"');
    const done = await browser.submit(question, /\/trust$/, { trust: 'yes' }, mailCallback);
    expect(done.url.startsWith(mailCallback)).toBe(true);

    // Next time (the SSO session is gone): password only, no code, and the app still gets the multi-factor acr.
    browser.forget(host, '_session');
    const again = await mailApp.authorize(browser, { acr_values: 'urn:campus-idp:acr:mfa' });
    const skipped = await submitLogin(browser, again.page, 'mfa-4', student.password, mailCallback);
    expect(skipped.url.startsWith(mailCallback)).toBe(true);
    expect((await mailApp.callback(skipped.url, again)).claims()?.acr).toBe('urn:campus-idp:acr:mfa');

    // The trust cookie does nothing for someone else signing in on the same browser.
    browser.forget(host, '_session');
    const stranger = await mailApp.authorize(browser);
    const strangerPage = await submitLogin(browser, stranger.page, 'mfa-5', student.password, mailCallback);
    expect(strangerPage.html).toContain('autocomplete="one-time-code"');

    // A password change ends the trust: asked again.
    await server.services.accounts.setPassword('mfa-4', student.password);
    expect(await server.services.prisma.deviceTrust.count({ where: { userId: user.id } })).toBe(0);
    const fresh = new Browser();
    browser.copyCookie(host, 'campus_device', fresh);
    const revoked = await mailApp.authorize(fresh);
    const asked = await submitLogin(fresh, revoked.page, 'mfa-4', student.password, mailCallback);
    expect(asked.html).toContain('autocomplete="one-time-code"');
  });

  it('"Not now" asks again next time', async () => {
    await seedStudent(server.services.prisma, { username: 'mfa-6', cardNumber: 'M6', email: 'm6@example.edu' });
    const browser = new Browser();
    const first = await mailApp.authorize(browser);
    const enrol = await submitLogin(browser, first.page, 'mfa-6', student.password, mailCallback);
    await submitCode(browser, enrol, codeFor(secretOn(enrol)!), mailCallback, 'no');
    browser.forget(new URL(server.url).host, '_session');
    const again = await mailApp.authorize(browser);
    expect((await submitLogin(browser, again.page, 'mfa-6', student.password, mailCallback)).html).toContain('autocomplete="one-time-code"');
  });
});

describe('per user type', () => {
  it('asks staff for a second factor everywhere when MFA_REQUIRED_USER_TYPES=staff, students not', async () => {
    const staffServer = await startTestServer({ MFA_REQUIRED_USER_TYPES: 'staff' }, { cas: [{ id: 'lib', service: 'https://library.example.edu/' }] });
    try {
      await seedStudent(staffServer.services.prisma, { username: 'pupil-1', cardNumber: 'P1', email: 'p1@example.edu' });
      const teacher = await seedStudent(staffServer.services.prisma, { username: 'T0002', cardNumber: 'T2', email: 't2@example.edu' });
      await staffServer.services.prisma.user.update({ where: { id: teacher.id }, data: { type: 'staff' } });
      const app = await relyingParty(staffServer.url, 'web-app', redirectUri, webAppSecret);

      const pupil = new Browser();
      const pupilStart = await app.authorize(pupil);
      expect((await submitLogin(pupil, pupilStart.page, 'pupil-1', student.password, redirectUri)).url.startsWith(redirectUri)).toBe(true);

      const staff = new Browser();
      const staffStart = await app.authorize(staff);
      const enrol = await submitLogin(staff, staffStart.page, 'T0002', student.password, redirectUri);
      expect(secretOn(enrol)).toMatch(/^[A-Z2-7]+$/);
      // CAS too: the staff member's password-only session is not enough for any service.
      const casLogin = await staff.request(`${staffServer.url}/cas/login?service=${encodeURIComponent('https://library.example.edu/')}`);
      expect(new URL(casLogin.headers.get('location')!).pathname).toBe('/auth');
    } finally {
      await staffServer.destroy();
    }
  });
});

describe('recovery codes', () => {
  it('shows ten codes once at enrolment; each signs in once instead of the app', async () => {
    const user = await seedStudent(server.services.prisma, { username: 'mfa-7', cardNumber: 'M7', email: 'm7@example.edu' });
    const browser = new Browser();
    const first = await mailApp.authorize(browser);
    const enrol = await submitLogin(browser, first.page, 'mfa-7', student.password, mailCallback);
    const question = await browser.submit(enrol, /\/mfa$/, { code: codeFor(secretOn(enrol)!) }, mailCallback);
    const codes = [...question.html.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((match) => match[1]!);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const stored = await server.services.prisma.factor.findMany({ where: { userId: user.id, kind: 'recovery' } });
    expect(stored.map((row) => row.secret)).not.toContain(codes[0]!.replace(/-/g, ''));
    await browser.submit(question, /\/trust$/, { trust: 'no' }, mailCallback);

    const signIn = async (code: string) => {
      const other = new Browser();
      const started = await mailApp.authorize(other);
      const prompt = await submitLogin(other, started.page, 'mfa-7', student.password, mailCallback);
      return submitCode(other, prompt, code, mailCallback);
    };
    expect((await signIn(codes[3]!.toUpperCase())).url.startsWith(mailCallback)).toBe(true);
    expect((await signIn(codes[3]!)).status).toBe(401);
    expect(await server.services.prisma.factor.count({ where: { userId: user.id, kind: 'recovery' } })).toBe(9);
  });
});

describe('TOTP', () => {
  it('enrols inside the sign-in when the app demands a second factor, then asks for codes, each accepted once', async () => {
    const user = await seedStudent(server.services.prisma, { username: 'mfa-1', cardNumber: 'M1', email: 'm1@example.edu' });
    const browser = new Browser();
    const started = await mailApp.authorize(browser, { acr_values: 'urn:campus-idp:acr:mfa' });
    const enrol = await submitLogin(browser, started.page, 'mfa-1', student.password, mailCallback);
    expect(enrol.html).toContain('<img src="data:image/png;base64,');
    const secret = secretOn(enrol)!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    const wrong = await submitCode(browser, enrol, '000000', mailCallback);
    expect(wrong.status).toBe(401);
    expect(secretOn(wrong)).toBe(secret);

    const done = await submitCode(browser, wrong, codeFor(secret), mailCallback);
    expect(done.url.startsWith(mailCallback)).toBe(true);
    const tokens = await mailApp.callback(done.url, started);
    expect(tokens.claims()?.acr).toBe('urn:campus-idp:acr:mfa');

    // Sealed at rest: the database does not hold the seed.
    const factor = await server.services.prisma.factor.findFirstOrThrow({ where: { userId: user.id } });
    expect(factor.secret).not.toContain(secret);

    // A new browser: password, then a code (no enrolment). The code just used is refused; the next one works once.
    const other = new Browser();
    const again = await mailApp.authorize(other);
    const prompt = await submitLogin(other, again.page, 'mfa-1', student.password, mailCallback);
    expect(secretOn(prompt)).toBeUndefined();
    expect(prompt.html).toContain('autocomplete="one-time-code"');
    const replay = await submitCode(other, prompt, codeFor(secret), mailCallback);
    expect(replay.status).toBe(401);
    const next = codeFor(secret, 1);
    const accepted = await submitCode(other, replay, next, mailCallback);
    expect(accepted.url.startsWith(mailCallback)).toBe(true);

    const third = new Browser();
    const once = await mailApp.authorize(third);
    const page = await submitLogin(third, once.page, 'mfa-1', student.password, mailCallback);
    expect((await submitCode(third, page, next, mailCallback)).status).toBe(401);
  });

  it('steps a password-only session up when an app asks for the multi-factor acr', async () => {
    await seedStudent(server.services.prisma, { username: 'mfa-2', cardNumber: 'M2', email: 'm2@example.edu' });
    const browser = new Browser();
    const first = await webApp.authorize(browser);
    const signedIn = await submitLogin(browser, first.page, 'mfa-2', student.password, redirectUri);
    expect((await webApp.callback(signedIn.url, first)).claims()?.amr).toEqual(['pwd']);

    const stepUp = await webApp.authorize(browser, { acr_values: 'urn:campus-idp:acr:mfa' });
    expect(stepUp.page.html).toContain('autocomplete="one-time-code"');
    expect(stepUp.page.html).not.toContain('name="password"');
    const secret = secretOn(stepUp.page)!;
    const done = await submitCode(browser, stepUp.page, codeFor(secret), redirectUri);
    const tokens = await webApp.callback(done.url, stepUp);
    expect(tokens.claims()).toMatchObject({ acr: 'urn:campus-idp:acr:mfa', amr: ['pwd', 'otp'] });
  });

  it('counts the second factor for a CAS service that demands one', async () => {
    await seedStudent(server.services.prisma, { username: 'mfa-3', cardNumber: 'M3', email: 'm3@example.edu' });
    const browser = new Browser();
    const login = await browser.visit(`${server.url}/cas/login?service=${encodeURIComponent(finance)}`, {}, finance);
    const enrol = await submitLogin(browser, login, 'mfa-3', student.password, finance);
    const back = await submitCode(browser, enrol, codeFor(secretOn(enrol)!), finance);
    const response = readCasXml((await validateTicket(server.url, '/cas/p3/serviceValidate', { service: finance, ticket: ticketFrom(back.url) })).body);
    const success = response['cas:authenticationSuccess'] as Record<string, unknown>;
    expect(success['cas:user']).toBe('mfa-3');
    // The service learns how the person signed in, as the ID token would say it.
    const attributes = success['cas:attributes'] as Record<string, unknown>;
    expect(attributes['cas:authnContextClass']).toBe('urn:campus-idp:acr:mfa');
    expect(attributes['cas:amr']).toEqual(['pwd', 'otp']);
    // The same session now reaches the service directly.
    const direct = await browser.visit(`${server.url}/cas/login?service=${encodeURIComponent(finance)}`, {}, finance);
    expect(direct.status).toBe(0);
  });
});
