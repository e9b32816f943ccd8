// Contact points with roles (issue #5): /account/contacts refuses a recovery e-mail on the institution's domains
// and a phone bound to another account, binds only what a code proved (a code answers only its own purpose),
// tells the old contact point, checks the send cooldown and budgets before anything is sent; a verified login
// phone signs in and a security phone does not; the required-contact prompt blocks or can be put off.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { Browser, type Page } from '../helpers/browser.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';
import type { MemoryEmail } from '../../src/connectors/email/memory.ts';

const nowhere = 'about:nowhere';
let phoneCounter = 1000;
const newPhone = () => `+86139000${String(phoneCounter++).padStart(5, '0')}`;

function outboxes(server: TestServer) {
  const sms = () => (server.services.sms as MemorySms).messages();
  const email = () => (server.services.email as MemoryEmail).messages();
  return {
    sms,
    email,
    smsCodeTo: (phone: string) => {
      const message = [...sms()].reverse().find((sent) => sent.phone === phone);
      return message?.template === 'verification_code' ? message.params.code : undefined;
    },
    emailCodeTo: (address: string) => /\b(\d{6})\b/.exec([...email()].reverse().find((sent) => sent.to === address)?.text ?? '')?.[1],
  };
}

async function person(server: TestServer, username: string, contacts: { role: string; value: string; verified?: boolean }[] = []) {
  const user = await seedStudent(server.services.prisma, { username, cardNumber: `C-${username}`, email: `${username}@example.edu` });
  for (const contact of contacts) {
    await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: contact.role, value: contact.value, verifiedAt: contact.verified === false ? null : new Date() } });
  }
  return user;
}

const boundContact = async (server: TestServer, userId: string, role: string) =>
  (await server.services.prisma.contactPoint.findUnique({ where: { userId_role: { userId, role } } }))?.value;

/** Signs in from /account/contacts with the password and lands on the list. */
async function contactsPage(server: TestServer, username: string): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const login = await browser.visit(`${server.url}/account/contacts`);
  let page = await submitLogin(browser, login, username, student.password, nowhere);
  // A verified phone is a second factor: the account pages step up with a texted code first.
  if (page.html.includes('/mfa/sms"')) {
    const phone = (await server.services.prisma.contactPoint.findFirstOrThrow({ where: { user: { username }, role: 'security_phone' } })).value;
    const sent = await browser.submit(page, /\/mfa\/sms$/, {});
    const question = await browser.submit(sent, /\/mfa$/, { code: outboxes(server).smsCodeTo(phone)! });
    page = await browser.submit(question, /\/trust$/, { trust: 'no' }, nowhere);
  }
  expect(page.html).toContain('Phone numbers and e-mail');
  return { browser, page };
}

/** Submits a new value for `role`, giving the password when the fresh-proof page asks for it. */
async function requestCode(browser: Browser, page: Page, role: string, value: string): Promise<Page> {
  const action = new RegExp(`/account/contacts/${role}$`);
  const answer = await browser.submit(page, action, { value });
  if (!answer.html.includes('Confirm it is you')) return answer;
  return browser.submit(answer, action, { password: student.password });
}

describe('/account/contacts', () => {
  let server: TestServer;
  let out: ReturnType<typeof outboxes>;

  beforeAll(async () => {
    server = await startTestServer({ INSTITUTION_EMAIL_DOMAINS: 'example.edu, mail.example.edu', SMS_BUDGET_PER_ACCOUNT: '3' });
    out = outboxes(server);
  });
  afterAll(async () => server?.destroy());

  it('refuses a recovery e-mail on the institution domains (subdomains too) and binds nothing', async () => {
    const user = await person(server, 'c-domain');
    const { browser, page } = await contactsPage(server, 'c-domain');
    const mailsBefore = out.email().length;
    for (const address of ['me@example.edu', 'Me@Dept.Mail.Example.EDU']) {
      const refused = await browser.submit(page, /\/account\/contacts\/recovery_email$/, { value: address });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('A recovery e-mail must be outside the campus mail domains (example.edu, mail.example.edu)');
      expect(refused.html).toContain(`value="${address}"`);
    }
    expect(out.email().length).toBe(mailsBefore);
    expect(await boundContact(server, user.id, 'recovery_email')).toBeUndefined();

    // The same message in Chinese.
    const zh = await browser.visit(`${server.url}/account/contacts?lang=zh-CN`);
    const refusedZh = await browser.submit(zh, /\/account\/contacts\/recovery_email$/, { value: 'me@example.edu' });
    expect(refusedZh.html).toContain('备用邮箱不能使用本校邮箱域名（example.edu, mail.example.edu）');
  });

  it('refuses a phone bound to another account, and a login phone that is someone else\'s login ID', async () => {
    const taken = newPhone();
    await person(server, 'c-owner', [{ role: 'security_phone', value: taken }]);
    await seedStudent(server.services.prisma, { username: '13900088888', cardNumber: 'C-digits', email: 'digits@example.edu' });
    const user = await person(server, 'c-taker');
    const { browser, page } = await contactsPage(server, 'c-taker');
    const textsBefore = out.sms().length;

    for (const role of ['login_phone', 'security_phone']) {
      const refused = await browser.submit(page, new RegExp(`/account/contacts/${role}$`), { value: taken.slice(3) });
      expect(refused.status).toBe(409);
      expect(refused.html).toContain('This phone number is already bound to another campus account');
    }
    const clash = await browser.submit(page, /\/account\/contacts\/login_phone$/, { value: '139 0008 8888' });
    expect(clash.status).toBe(409);
    expect(clash.html).toContain('it is already the login ID of a campus account');
    expect(out.sms().length).toBe(textsBefore);
    expect(await boundContact(server, user.id, 'login_phone')).toBeUndefined();
    expect(await boundContact(server, user.id, 'security_phone')).toBeUndefined();
  });

  it('binds what the code proved, a code only for its own purpose, and tells the old phone', async () => {
    const oldPhone = newPhone();
    const user = await person(server, 'c-change', [{ role: 'security_phone', value: oldPhone }]);
    const { browser, page } = await contactsPage(server, 'c-change');
    expect(page.html).toContain(`138****`.replace('138', oldPhone.slice(3, 6)));

    // New security phone: the fresh proof first (a wrong password is refused), then a code to the new number.
    const phone = newPhone();
    const confirm = await browser.submit(page, /\/account\/contacts\/security_phone$/, { value: phone.slice(3) });
    expect(confirm.html).toContain('Confirm it is you');
    expect(confirm.html).toContain(`set your security phone to ${phone}`);
    const wrong = await browser.submit(confirm, /\/account\/contacts\/security_phone$/, { password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(out.smsCodeTo(phone)).toBeUndefined();
    const codePage = await browser.submit(wrong, /\/account\/contacts\/security_phone$/, { password: student.password });
    expect(codePage.url).toMatch(/\/account\/contacts\/security_phone\/verify$/);
    expect(codePage.html).toContain(`We sent a code to ${phone.slice(3, 6)}****${phone.slice(-4)}`);
    const phoneCode = out.smsCodeTo(phone)!;
    expect(phoneCode).toMatch(/^\d{6}$/);

    // A recovery e-mail in the same session (the proof is still fresh: no second password).
    const emailPage = await requestCode(browser, page, 'recovery_email', 'li.hua@personal.example.com');
    expect(emailPage.html).toContain('We sent a code to li***@personal.example.com');
    const emailCode = out.emailCodeTo('li.hua@personal.example.com')!;
    expect(emailCode).toMatch(/^\d{6}$/);

    // The phone's code does not bind the e-mail.
    if (phoneCode !== emailCode) {
      const crossed = await browser.submit(emailPage, /\/recovery_email\/verify$/, { code: phoneCode });
      expect(crossed.status).toBe(401);
      expect(crossed.html).toContain('The code is not right');
      expect(await boundContact(server, user.id, 'recovery_email')).toBeUndefined();
    }
    const emailDone = await browser.submit(emailPage, /\/recovery_email\/verify$/, { code: emailCode });
    expect(emailDone.url).toContain('done=bound');
    expect(await boundContact(server, user.id, 'recovery_email')).toBe('li.hua@personal.example.com');

    const noticesBefore = out.sms().filter((message) => message.phone === oldPhone && message.template === 'security_notice').length;
    const done = await browser.submit(codePage, /\/security_phone\/verify$/, { code: phoneCode });
    expect(done.url).toContain('done=bound');
    expect(done.html).toContain('Your previous contact points have been told about the change');
    const bound = await server.services.prisma.contactPoint.findUniqueOrThrow({ where: { userId_role: { userId: user.id, role: 'security_phone' } } });
    expect(bound.value).toBe(phone);
    expect(bound.verifiedAt).not.toBeNull();
    // The old number is no longer bound, yet it hears about the change.
    await vi.waitFor(() => expect(out.sms().filter((message) => message.phone === oldPhone && message.template === 'security_notice').length).toBe(noticesBefore + 1));
    // A used code does not work twice.
    const again = await browser.submit(codePage, /\/security_phone\/verify$/, { code: phoneCode });
    expect(again.html).toContain('The code is not right');
  });

  it('refuses a resend within the cooldown and past the daily budget before anything is sent', async () => {
    const user = await person(server, 'c-budget');
    const first = await contactsPage(server, 'c-budget');
    const loginPhone = newPhone();
    expect((await requestCode(first.browser, first.page, 'login_phone', loginPhone)).status).toBe(200);
    const sent = out.sms().length;
    const tooSoon = await first.browser.submit(first.page, /\/account\/contacts\/login_phone$/, { value: newPhone() });
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.html).toContain('Please wait a minute');
    expect(out.sms().length).toBe(sent);

    // SMS_BUDGET_PER_ACCOUNT=3: the second and third texts go out, the fourth is refused unsent.
    expect((await requestCode(first.browser, first.page, 'security_phone', newPhone())).status).toBe(200);
    const second = await contactsPage(server, 'c-budget');
    expect((await requestCode(second.browser, second.page, 'login_phone', newPhone())).status).toBe(200);
    const count = out.sms().length;
    const spent = await requestCode(second.browser, second.page, 'security_phone', newPhone());
    expect(spent.status).toBe(429);
    expect(spent.html).toContain('Too many codes have been sent');
    expect(out.sms().length).toBe(count);
    expect(await boundContact(server, user.id, 'login_phone')).toBeUndefined();
  });

  it('removes a contact after a fresh proof and tells it', async () => {
    const recovery = 'keep.me@personal.example.net';
    const user = await person(server, 'c-remove', [{ role: 'recovery_email', value: recovery }]);
    const { browser, page } = await contactsPage(server, 'c-remove');
    const confirm = await browser.submit(page, /\/recovery_email\/remove$/, {});
    expect(confirm.html).toContain('remove your recovery e-mail (ke***@personal.example.net)');
    const done = await browser.submit(confirm, /\/recovery_email\/remove$/, { password: student.password });
    expect(done.url).toContain('done=removed');
    expect(await boundContact(server, user.id, 'recovery_email')).toBeUndefined();
    await vi.waitFor(() => expect(out.email().some((mail) => mail.to === recovery && mail.subject === 'Security notice for your account')).toBe(true));
  });
});

describe('signing in with a phone number', () => {
  let server: TestServer;
  let app: RelyingParty;

  beforeAll(async () => {
    server = await startTestServer();
    app = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  });
  afterAll(async () => server?.destroy());

  const signIn = async (loginId: string) => {
    const browser = new Browser();
    const request = await app.authorize(browser);
    const page = await submitLogin(browser, request.page, loginId, student.password, redirectUri);
    return { page, request };
  };

  it('accepts a verified login phone (11 digits or E.164), never a security phone or an unverified one', async () => {
    const loginPhone = newPhone();
    const securityPhone = newPhone();
    const unverified = newPhone();
    const user = await person(server, 'p-login', [{ role: 'login_phone', value: loginPhone }, { role: 'security_phone', value: securityPhone }]);
    await person(server, 'p-unverified', [{ role: 'login_phone', value: unverified, verified: false }]);

    for (const loginId of [loginPhone.slice(3), loginPhone]) {
      const { page, request } = await signIn(loginId);
      expect(page.status).toBe(0);
      const tokens = await app.callback(page.url, request);
      expect(tokens.claims()!.sub).toBe(user.id);
    }
    for (const loginId of [securityPhone.slice(3), securityPhone, unverified.slice(3)]) {
      const { page } = await signIn(loginId);
      expect(page.status).toBe(401);
      expect(page.html).toContain('Login ID or password is incorrect.');
    }
  });
});

describe('required contacts after sign-in', () => {
  const appFor = async (server: TestServer) => relyingParty(server.url, 'web-app', redirectUri, webAppSecret);

  it('never lets a password-only session of someone with a second factor bind a phone', async () => {
    const server = await startTestServer({ REQUIRED_CONTACTS: 'security_phone', CONTACT_PROMPT: 'block' });
    try {
      const app = await appFor(server);
      const user = await person(server, 'r-factor');
      const { secret } = await server.services.totp.startEnrollment('r-factor');
      const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
      expect(await server.services.totp.confirmEnrollment(user.id, secret, totp.generate({ timestamp: Date.now() - 30_000 }), 'Phone app')).toBe(true);

      // Password only (the app demands no second factor): no contact prompt, so no phone to bind.
      const browser = new Browser();
      const plain = await app.authorize(browser);
      expect((await submitLogin(browser, plain.page, 'r-factor', student.password, redirectUri)).status).toBe(0);

      // With the second factor shown, the missing phone is asked for.
      const stepped = await app.authorize(browser, { acr_values: 'urn:campus-idp:acr:mfa' });
      expect(stepped.page.html).toContain('autocomplete="one-time-code"');
      const question = await browser.submit(stepped.page, /\/mfa$/, { code: totp.generate() });
      const prompt = await browser.submit(question, /\/trust$/, { trust: 'no' }, redirectUri);
      expect(prompt.html).toContain('Your security phone is missing.');
    } finally {
      await server.destroy();
    }
  });

  it('CONTACT_PROMPT=block: the sign-in cannot finish until the security phone is bound', async () => {
    const webmail = 'https://mail.example.edu/login';
    const server = await startTestServer({ REQUIRED_CONTACTS: 'security_phone', CONTACT_PROMPT: 'block' }, { cas: [{ id: 'webmail', name: 'Webmail', service: webmail }] });
    try {
      const out = outboxes(server);
      const app = await appFor(server);
      const user = await person(server, 'r-block');
      await person(server, 'r-complete', [{ role: 'security_phone', value: newPhone() }]);

      // Someone who has it is not asked.
      const other = new Browser();
      const complete = await app.authorize(other);
      expect((await submitLogin(other, complete.page, 'r-complete', student.password, redirectUri)).status).toBe(0);

      const browser = new Browser();
      const request = await app.authorize(browser);
      const prompt = await submitLogin(browser, request.page, 'r-block', student.password, redirectUri);
      expect(prompt.status).toBe(200);
      expect(prompt.html).toContain('Your security phone is missing.');
      expect(prompt.html).toContain('You need to add it before you can continue.');
      expect(prompt.html).not.toContain('Later');
      // Just signed in: the password is not asked again.
      expect(prompt.html).not.toContain('name="password"');

      // "Later" is refused, and a new authorization request in the same session meets the prompt again.
      const uid = /\/interaction\/([^/"]+)\/contacts\/send/.exec(prompt.html)![1]!;
      const skipped = await browser.request(`${server.url}/interaction/${uid}/contacts/skip`, { form: { _csrf: /name="_csrf" value="([^"]+)"/.exec(prompt.html)![1]! } });
      expect(skipped.status).toBe(400);
      // CAS reads the same SSO session: no ticket either, the browser is sent to the same prompt.
      const casLogin = await browser.visit(`${server.url}/cas/login?service=${encodeURIComponent(webmail)}`, {}, webmail);
      expect(casLogin.status).toBe(200);
      expect(casLogin.html).toContain('Your security phone is missing.');
      const again = await app.authorize(browser);
      expect(again.page.html).toContain('Your security phone is missing.');

      const phone = newPhone();
      const codePage = await browser.submit(again.page, /\/contacts\/send$/, { value: phone });
      expect(codePage.html).toContain(`We sent a code to ${phone.slice(3, 6)}****${phone.slice(-4)}`);
      const wrong = await browser.submit(codePage, /\/contacts\/verify$/, { code: out.smsCodeTo(phone) === '000000' ? '111111' : '000000' });
      expect(wrong.status).toBe(401);
      const done = await browser.submit(wrong, /\/contacts\/verify$/, { code: out.smsCodeTo(phone)! }, redirectUri);
      expect(done.status).toBe(0);
      expect((await app.callback(done.url, again)).claims()!.sub).toBe(user.id);
      expect(await boundContact(server, user.id, 'security_phone')).toBe(phone);
    } finally {
      await server.destroy();
    }
  });

  it('CONTACT_PROMPT=skip: "Later" finishes the sign-in and is remembered for this session only', async () => {
    const server = await startTestServer({ REQUIRED_CONTACTS: 'recovery_email', CONTACT_PROMPT: 'skip', INSTITUTION_EMAIL_DOMAINS: 'example.edu' });
    try {
      const app = await appFor(server);
      await person(server, 'r-skip');
      const browser = new Browser();
      const request = await app.authorize(browser);
      const prompt = await submitLogin(browser, request.page, 'r-skip', student.password, redirectUri);
      expect(prompt.html).toContain('Your recovery e-mail is missing.');
      // The campus address is refused here too.
      const refused = await browser.submit(prompt, /\/contacts\/send$/, { value: 'r-skip@example.edu' });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('outside the campus mail domains (example.edu)');

      const later = await browser.submit(refused, /\/contacts\/skip$/, {}, redirectUri);
      expect(later.status).toBe(0);
      await app.callback(later.url, request);

      // Same session: not asked again.
      const second = await app.authorize(browser);
      expect(second.page.status).toBe(0);

      // A new sign-in (another browser) asks again.
      const fresh = new Browser();
      const third = await app.authorize(fresh);
      expect((await submitLogin(fresh, third.page, 'r-skip', student.password, redirectUri)).html).toContain('Your recovery e-mail is missing.');
    } finally {
      await server.destroy();
    }
  });
});

// Needs Debian chromium; .ci/run installs it.
describe.skipIf(!hasChromium)('in Chromium', () => {
  it('changes the recovery e-mail with a code from the outbox, and the old address is told', async () => {
    const server = await startTestServer({ INSTITUTION_EMAIL_DOMAINS: 'example.edu' });
    const chromium = await launchChromium();
    try {
      const out = outboxes(server);
      const oldAddress = 'old.box@personal.example.com';
      const newAddress = 'new.box@personal.example.org';
      const user = await person(server, 'b-email', [{ role: 'recovery_email', value: oldAddress }]);
      const context = await chromium.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 } });
      const page = await context.newPage();

      await page.goto(`${server.url}/account`);
      await page.fill('#login_id', 'b-email');
      await page.fill('#password', student.password);
      await page.press('#password', 'Enter');
      await page.waitForURL(`${server.url}/account`);
      await page.getByRole('link', { name: 'Phone numbers and e-mail' }).click();
      await page.waitForURL(`${server.url}/account/contacts`);
      expect(await page.locator('#contact-recovery_email .contact-value').innerText()).toBe('ol***@personal.example.com');

      await page.fill('#value-recovery_email', newAddress);
      await page.locator('#contact-recovery_email').getByRole('button', { name: 'Change' }).click();
      await page.waitForSelector('#password');
      expect(await page.locator('h1').innerText()).toBe('Confirm it is you');
      await page.fill('#password', student.password);
      await page.press('#password', 'Enter');
      await page.waitForURL(/\/recovery_email\/verify$/);
      expect(await page.getByRole('status').innerText()).toContain('ne***@personal.example.org');

      const code = out.emailCodeTo(newAddress)!;
      expect(code).toMatch(/^\d{6}$/);
      await page.fill('#code', code);
      await page.press('#code', 'Enter');
      await page.waitForURL(/done=bound/);
      expect(await page.getByRole('status').innerText()).toContain('Saved');
      expect(await page.locator('#contact-recovery_email .contact-value').innerText()).toBe('ne***@personal.example.org');
      expect(await boundContact(server, user.id, 'recovery_email')).toBe(newAddress);
      await vi.waitFor(() => expect(out.email().some((mail) => mail.to === oldAddress && mail.subject === 'Security notice for your account')).toBe(true));
      // Phone-friendly: nothing wider than the screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await context.close();
    } finally {
      await chromium.close();
      await server.destroy();
    }
  });
});
