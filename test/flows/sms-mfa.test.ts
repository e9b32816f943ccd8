// Texted codes as a second factor: offered only for a verified phone, 6 digits, accepted once and only in the
// sign-in that asked for them; resend cooldown and daily budgets refuse before the gateway is called; a gateway
// outage says so and leaves the other factors on the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type Page } from '../helpers/browser.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';
import type { MemoryEmail } from '../../src/connectors/email/memory.ts';
import { tencentServerSettings, tencentSimulator, tencentTestSecrets, type SmsSimulator } from '../simulators/sms-simulators.ts';

const mailCallback = 'http://127.0.0.1:9/mail';
const mailClient = { client_id: 'mail-app', client_name: 'Webmail', client_secret_env: 'WEB_APP_SECRET', redirect_uris: [mailCallback], first_party: true, mfa: 'required' };
let server: TestServer;
let mailApp: RelyingParty;
let phoneCounter = 8000;

beforeAll(async () => {
  server = await startTestServer({ SMS_BUDGET_PER_ACCOUNT: '3' }, { oidc: [mailClient] });
  mailApp = await relyingParty(server.url, 'mail-app', mailCallback, webAppSecret);
});
afterAll(async () => server?.destroy());

/** A person with a verified security phone (or an unverified one). */
async function personWithPhone(target: TestServer, username: string, verified = true) {
  const phone = `+86138123${String(phoneCounter++).padStart(5, '0')}`;
  const user = await seedStudent(target.services.prisma, { username, cardNumber: `S-${username}`, email: `${username}@example.edu` });
  await target.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'security_phone', value: phone, verifiedAt: verified ? new Date() : null } });
  return { user, phone };
}

async function signInToMfa(app: RelyingParty, username: string) {
  const browser = new Browser();
  const request = await app.authorize(browser);
  const page = await submitLogin(browser, request.page, username, student.password, mailCallback);
  return { browser, request, page };
}

const outbox = () => (server.services.sms as MemorySms).messages();
const lastCodeTo = (phone: string) => {
  const message = [...outbox()].reverse().find((sent) => sent.phone === phone);
  return message?.template === 'verification_code' ? message.params.code : undefined;
};
const sendSms = (browser: Browser, page: Page) => browser.submit(page, /\/mfa\/sms$/, {});

describe('SMS codes on the second-factor prompt', () => {
  it('texts a 6-digit code to the verified phone and signs in with it (amr sms)', async () => {
    const { phone } = await personWithPhone(server, 'sms-1');
    const { browser, request, page } = await signInToMfa(mailApp, 'sms-1');
    expect(page.html).not.toContain('totp-secret');
    expect(page.html).toContain(`Text a code to 138****${phone.slice(-4)}`);

    const sent = await sendSms(browser, page);
    expect(sent.status).toBe(200);
    expect(sent.html).toContain(`We sent a code to 138****${phone.slice(-4)}`);
    const code = lastCodeTo(phone);
    expect(code).toMatch(/^\d{6}$/);

    const wrong = await browser.submit(sent, /\/mfa$/, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The code is not right');

    const question = await browser.submit(wrong, /\/mfa$/, { code: code! });
    expect(question.html).toContain('name="trust"');
    const done = await browser.submit(question, /\/trust$/, { trust: 'no' }, mailCallback);
    const claims = (await mailApp.callback(done.url, request)).claims()!;
    expect(claims.acr).toBe('urn:campus-idp:acr:mfa');
    expect(claims.amr).toEqual(['pwd', 'sms']);
  });

  it('accepts a code only in the sign-in that asked for it', async () => {
    const { phone } = await personWithPhone(server, 'sms-2');
    const first = await signInToMfa(mailApp, 'sms-2');
    await sendSms(first.browser, first.page);
    const code = lastCodeTo(phone)!;

    const other = await signInToMfa(mailApp, 'sms-2');
    const refused = await other.browser.submit(other.page, /\/mfa$/, { code });
    expect(refused.status).toBe(401);

    const question = await first.browser.submit(first.page, /\/mfa$/, { code });
    expect(question.html).toContain('name="trust"');
  });

  it('enforces the resend cooldown and the daily budget before calling the gateway', async () => {
    const { phone } = await personWithPhone(server, 'sms-3');
    const first = await signInToMfa(mailApp, 'sms-3');
    await sendSms(first.browser, first.page);
    const before = outbox().length;
    const again = await sendSms(first.browser, first.page);
    expect(again.status).toBe(429);
    expect(again.html).toContain('Please wait a minute');
    expect(outbox().length).toBe(before);

    // SMS_BUDGET_PER_ACCOUNT=3: two more sign-ins may send, the fourth send of the day is refused unsent.
    for (let sent = 1; sent < 3; sent++) {
      const signIn = await signInToMfa(mailApp, 'sms-3');
      expect((await sendSms(signIn.browser, signIn.page)).status).toBe(200);
    }
    const spent = await signInToMfa(mailApp, 'sms-3');
    const count = outbox().filter((message) => message.phone === phone).length;
    const refused = await sendSms(spent.browser, spent.page);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('Too many codes have been sent');
    expect(outbox().filter((message) => message.phone === phone).length).toBe(count);
  });

  it('voids a code after five wrong guesses', async () => {
    const { phone } = await personWithPhone(server, 'sms-4');
    const { browser, page } = await signInToMfa(mailApp, 'sms-4');
    const sent = await sendSms(browser, page);
    const code = lastCodeTo(phone)!;
    const wrongCode = code === '123456' ? '654321' : '123456';
    let current = sent;
    for (let guess = 0; guess < 5; guess++) current = await browser.submit(current, /\/mfa$/, { code: wrongCode });
    const late = await browser.submit(current, /\/mfa$/, { code });
    expect(late.status).toBe(401);
    expect(late.html).toContain('The code is not right');
  });

  it('does not offer SMS for an unverified phone: the person binds an authenticator app instead', async () => {
    await personWithPhone(server, 'sms-5', false);
    const { page } = await signInToMfa(mailApp, 'sms-5');
    expect(page.html).toContain('totp-secret');
    expect(page.html).not.toContain('Text a code');
  });
});

describe('binding a phone during forced enrolment', () => {
  it('proves the number with a code, binds it as the security phone, and refuses bad or taken numbers', async () => {
    const { phone: takenPhone } = await personWithPhone(server, 'sms-6');
    const user = await seedStudent(server.services.prisma, { username: 'sms-7', cardNumber: 'S-sms-7', email: 'sms-7@example.edu' });
    const { browser, request, page } = await signInToMfa(mailApp, 'sms-7');
    expect(page.html).toContain('totp-secret');
    expect(page.html).toContain('Text me a code');

    const bad = await browser.submit(page, /\/mfa\/phone$/, { phone: '12345' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('cannot receive text messages');
    expect(bad.html).toContain('value="12345"');

    const taken = await browser.submit(bad, /\/mfa\/phone$/, { phone: takenPhone.replace('+86', '') });
    expect(taken.status).toBe(409);
    expect(taken.html).toContain('already bound to another campus account');

    const phone = '+8613912340001';
    const sent = await browser.submit(taken, /\/mfa\/phone$/, { phone: '139 1234 0001' });
    expect(sent.html).toContain('We sent a code to 139****0001');
    const question = await browser.submit(sent, /\/mfa$/, { code: lastCodeTo(phone)! });
    expect(question.html).toContain('ol class="recovery-codes"');
    const done = await browser.submit(question, /\/trust$/, { trust: 'no' }, mailCallback);
    expect((await mailApp.callback(done.url, request)).claims()?.amr).toEqual(['pwd', 'sms']);
    const bound = await server.services.prisma.contactPoint.findUnique({ where: { userId_role: { userId: user.id, role: 'security_phone' } } });
    expect(bound?.value).toBe(phone);
    expect(bound?.verifiedAt).not.toBeNull();

    // The new factor is announced on the person's channels: the campus mailbox and the phone just bound.
    const mailbox = server.services.email as MemoryEmail;
    for (let wait = 0; wait < 50 && !mailbox.messages().some((mail) => mail.to === 'sms-7@example.edu'); wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    const notice = mailbox.messages().find((mail) => mail.to === 'sms-7@example.edu');
    expect(notice?.text).toContain('verification method was added');
    expect(outbox().some((message) => message.phone === phone && message.template === 'security_notice')).toBe(true);

    // Next sign-in: the bound phone is the second factor, no enrolment.
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // the account cache (2 s)
    const next = await signInToMfa(mailApp, 'sms-7');
    expect(next.page.html).not.toContain('totp-secret');
    expect(next.page.html).toContain('Text a code to 139****0001');
  });
});

describe('through the Tencent Cloud gateway', () => {
  let gateway: SmsSimulator;
  let tencentServer: TestServer;
  let app: RelyingParty;

  beforeAll(async () => {
    gateway = await tencentSimulator(tencentTestSecrets);
    tencentServer = await startTestServer(tencentServerSettings(gateway), { oidc: [mailClient] });
    app = await relyingParty(tencentServer.url, 'mail-app', mailCallback, webAppSecret);
  });
  afterAll(async () => {
    await tencentServer?.destroy();
    await gateway?.close();
  });

  it('delivers the code through the signed API, and an outage offers the other ways without signing in', async () => {
    const { phone } = await personWithPhone(tencentServer, 'sms-t1');
    const { browser, page } = await signInToMfa(app, 'sms-t1');
    gateway.mode = 'outage';
    const down = await sendSms(browser, page);
    expect(down.status).toBe(503);
    expect(down.html).toContain('Text messages cannot be sent right now');
    expect(down.html).toContain('recovery code');
    expect(down.html).toContain('name="code"');

    gateway.mode = 'ok';
    const retry = await signInToMfa(app, 'sms-t1');
    const sent = await sendSms(retry.browser, retry.page);
    expect(sent.html).toContain('We sent a code');
    const delivered = gateway.outbox.find((message) => message.phone === phone);
    expect(delivered?.params[0]).toMatch(/^\d{6}$/);
    expect(delivered?.params[1]).toBe('5');
    const question = await retry.browser.submit(sent, /\/mfa$/, { code: delivered!.params[0]! });
    expect(question.html).toContain('name="trust"');
  });
});

describe('unknown-browser risk rule (MFA_UNKNOWN_BROWSER)', () => {
  let riskServer: TestServer;
  let webApp: RelyingParty;
  const webCallback = 'http://127.0.0.1:9/cb';

  beforeAll(async () => {
    riskServer = await startTestServer({ MFA_UNKNOWN_BROWSER: 'true' });
    webApp = await relyingParty(riskServer.url, 'web-app', webCallback, webAppSecret);
  });
  afterAll(async () => riskServer?.destroy());

  it('asks a person with a factor on a new browser, not again on that browser, and not people without one', async () => {
    const { phone } = await personWithPhone(riskServer, 'risk-1');
    await personWithPhone(riskServer, 'risk-2');
    await seedStudent(riskServer.services.prisma, { username: 'risk-3', cardNumber: 'R3', email: 'r3@example.edu' });
    const host = new URL(riskServer.url).host;
    const riskOutbox = () => (riskServer.services.sms as MemorySms).messages();

    const browser = new Browser();
    const first = await webApp.authorize(browser);
    const asked = await submitLogin(browser, first.page, 'risk-1', student.password, webCallback);
    expect(asked.html).toContain('Text a code to');
    const sent = await sendSms(browser, asked);
    const code = [...riskOutbox()].reverse().find((message) => message.phone === phone);
    const question = await browser.submit(sent, /\/mfa$/, { code: code?.template === 'verification_code' ? code.params.code : '' });
    const done = await browser.submit(question, /\/trust$/, { trust: 'no' }, webCallback);
    expect(done.url.startsWith(webCallback)).toBe(true);

    // Same browser, new session: known now, so the password is enough for an app that does not demand MFA.
    browser.forget(host, '_session');
    const again = await webApp.authorize(browser);
    const straight = await submitLogin(browser, again.page, 'risk-1', student.password, webCallback);
    expect(straight.url.startsWith(webCallback)).toBe(true);
    expect((await webApp.callback(straight.url, again)).claims()?.amr).toEqual(['pwd']);

    // Known to risk-1 does not make it known to risk-2; someone without any factor is never asked.
    browser.forget(host, '_session');
    const other = await webApp.authorize(browser);
    expect((await submitLogin(browser, other.page, 'risk-2', student.password, webCallback)).html).toContain('Text a code to');
    const plain = new Browser();
    const noFactor = await webApp.authorize(plain);
    expect((await submitLogin(plain, noFactor.page, 'risk-3', student.password, webCallback)).url.startsWith(webCallback)).toBe(true);
  });

  it('is off by default: an app that does not demand MFA gets password-only sign-in', async () => {
    await personWithPhone(server, 'risk-off');
    const webAppOnMain = await relyingParty(server.url, 'web-app', webCallback, webAppSecret);
    const browser = new Browser();
    const request = await webAppOnMain.authorize(browser);
    expect((await submitLogin(browser, request.page, 'risk-off', student.password, webCallback)).url.startsWith(webCallback)).toBe(true);
  });
});
