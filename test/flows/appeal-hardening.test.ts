// Lost-phone appeals (issue #8), the review's regression tests: the person's language is kept on the appeal (not in
// the key-value store) and changes with an edit; the rebind prompt after an approval cannot be put off with
// "Later"; the mailed status link keeps its token out of the access log's path; starting an appeal without
// signing in is limited per address, and opening one per person per day; an approval whose sessions cannot be
// ended is still audited and told; an approval racing an edit applies one of them; bad input from a reviewer or
// a browser never ends in a 500; a file name in Chinese reads back as typed; /account/security points a person
// who lost their phone to the appeal; no one reviews their own appeal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { solveChallenge } from 'altcha-lib';
import { Browser, type Page } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { act, seedStaff, signInStaff, type SeededStaff } from '../helpers/admin.ts';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';
import type { MemoryEmail } from '../../src/connectors/email/memory.ts';
import { createAppeals } from '../../src/services/appeals.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { waitFor } from '../helpers/wait.ts';

const nowhere = 'about:nowhere';
let phoneCounter = 7000;
const newPhone = () => `+86139200${String(phoneCounter++).padStart(5, '0')}`;
const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), randomBytes(1024)]);

interface Upload {
  name: string;
  bytes: Buffer;
}

function appealForm(page: Page, fields: Record<string, string | string[]>, files: Upload[]): FormData {
  const form = new FormData();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  if (csrf) form.append('_csrf', csrf);
  for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) form.append(name, item);
  for (const file of files) form.append('documents', new Blob([new Uint8Array(file.bytes)], { type: 'image/jpeg' }), file.name);
  return form;
}

const goodFields = (extra: Record<string, string | string[]> = {}) => ({
  reason: 'lost', reason_text: 'Lost on the bus', unbind_roles: ['login_phone'], organisation: 'Physics', contact_phone: '13700002222', password: student.password, ...extra,
});

describe('lost-phone appeals: review fixes', () => {
  let server: TestServer;
  let reviewer: SeededStaff;
  const mails = () => (server.services.email as MemoryEmail).messages();
  const texts = () => (server.services.sms as MemorySms).messages();

  beforeAll(async () => {
    server = await startTestServer({ CAPTCHA_MAX_NUMBER: '1000', APPEAL_LIMIT_PER_IP: '3' });
    reviewer = await seedStaff(server, { username: 'ah-reviewer', roles: ['reviewer'], scopes: [{ kind: 'department', value: 'Physics' }] });
  });
  afterAll(async () => server?.destroy());

  async function person(username: string) {
    const user = await seedStudent(server.services.prisma, { username, cardNumber: `C-${username}`, email: `${username}@example.edu` });
    await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'login_phone', value: newPhone(), verifiedAt: new Date() } });
    await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'recovery_email', value: `${username}@personal.example.com`, verifiedAt: new Date() } });
    return user;
  }

  async function appealPage(username: string, language = 'en'): Promise<{ browser: Browser; page: Page }> {
    const browser = new Browser(language);
    const login = await browser.visit(`${server.url}/account/appeal`);
    const page = await browser.submit(login, /\/interaction\/[^/]+\/login$/, { login_id: username, password: student.password });
    return { browser, page };
  }

  const send = (browser: Browser, page: Page, action: string, fields: Record<string, string | string[]>, files: Upload[]) =>
    browser.visit(`${server.url}${action}`, { method: 'POST', multipart: appealForm(page, fields, files) });

  async function opened(username: string, language = 'en') {
    const user = await person(username);
    const { browser, page } = await appealPage(username, language);
    const status = await send(browser, page, '/account/appeal', goodFields(), [{ name: 'card.jpg', bytes: jpeg() }]);
    expect(status.status).toBe(200);
    const appeal = await server.services.prisma.appeal.findFirstOrThrow({ where: { userId: user.id } });
    return { user, browser, appeal };
  }

  const altcha = async () => {
    const challenge = (await (await fetch(`${server.url}/appeal/challenge`)).json()) as { algorithm: string; challenge: string; maxnumber: number; salt: string; signature: string };
    const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
    return Buffer.from(JSON.stringify({ ...challenge, number: solution!.number })).toString('base64');
  };

  it('keeps the language on the appeal itself: the decision is written in the language of the last edit, not the reviewer\'s', async () => {
    const { user, browser, appeal } = await opened('ah-locale', 'en');
    expect(appeal.locale).toBe('en');
    expect(await server.services.store.get(`appeal:locale:${appeal.id}`)).toBeUndefined();
    // The person edits it in Chinese: from now on they are written to in Chinese.
    const form = await browser.visit(`${server.url}/account/appeal/edit?lang=zh-CN`);
    const edited = await send(browser, form, '/account/appeal/edit', goodFields({ organisation: '物理系' }), []);
    expect(edited.status).toBe(200);
    expect((await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id } })).locale).toBe('zh-CN');
    const { browser: staffBrowser } = await signInStaff(server, reviewer, '/admin/appeals');
    const review = await staffBrowser.visit(`${server.url}/admin/appeals/${appeal.id}?lang=en`);
    await act(staffBrowser, review, /\/decide$/, 'Blurred photo.', { decision: 'reject' });
    await waitFor(() => mails().find((mail) => mail.to === 'ah-locale@example.edu' && mail.subject === '您的手机号申诉未通过'));
    expect(mails().some((mail) => mail.to === 'ah-locale@example.edu' && mail.subject === 'Your lost-phone appeal was not approved')).toBe(false);
    expect(user.id).toBeTruthy();
  });

  it('no one reviews their own appeal, administrators included: not listed, not shown, not decided', async () => {
    const admin = await seedStaff(server, { username: 'ah-admin', roles: ['admin'] });
    const own = await server.services.prisma.appeal.create({
      data: { userId: admin.id, reason: 'lost', unbindRoles: ['login_phone'], organisation: 'Physics', contactPhone: '13700003333', channel: 'signed_in' },
    });
    const { appeal: other } = await opened('ah-other');
    const { browser: adminBrowser } = await signInStaff(server, admin, '/admin/appeals');
    const queue = await adminBrowser.visit(`${server.url}/admin/appeals`);
    expect(queue.html).toContain(other.id);
    expect(queue.html).not.toContain(own.id);
    expect((await adminBrowser.visit(`${server.url}/admin/appeals/${own.id}`)).status).toBe(404);
    // A forged decision (with a valid CSRF token from another appeal's page) changes nothing.
    const otherPage = await adminBrowser.visit(`${server.url}/admin/appeals/${other.id}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(otherPage.html)![1]!;
    const forged = await adminBrowser.request(`${server.url}/admin/appeals/${own.id}/decide`, { form: { _csrf: csrf, decision: 'approve', revision: '1', reason: 'Mine.' } });
    expect(forged.status).toBe(404);
    expect((await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: own.id } })).status).toBe('pending');
  });

  it('after an approval the sign-in cannot go on without a new number: no "Later", and skipping is refused', async () => {
    const { appeal } = await opened('ah-rebind');
    const { browser: staffBrowser } = await signInStaff(server, reviewer, '/admin/appeals');
    const review = await staffBrowser.visit(`${server.url}/admin/appeals/${appeal.id}`);
    await act(staffBrowser, review, /\/decide$/, 'Matches.', { decision: 'approve' });

    const browser = new Browser();
    const login = await browser.visit(`${server.url}/account`);
    const prompt = await browser.submit(login, /\/interaction\/[^/]+\/login$/, { login_id: 'ah-rebind', password: student.password }, nowhere);
    expect(prompt.html).toContain('Your lost-phone appeal was approved');
    expect(prompt.html).not.toContain('/contacts/skip');
    const uid = /\/interaction\/([^/]+)\/contacts\/send/.exec(prompt.html)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(prompt.html)![1]!;
    const skipped = await browser.visit(`${server.url}/interaction/${uid}/contacts/skip`, { method: 'POST', form: { _csrf: csrf } }, nowhere);
    expect(skipped.status).toBe(400);
    // Still asked: the sign-in does not finish without binding a number.
    const again = await browser.visit(`${server.url}/interaction/${uid}`, {}, nowhere);
    expect(again.html).toContain('/contacts/send"');
    expect(again.html).not.toContain('/contacts/skip');
    expect((await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id } })).rebindPending).toBe(true);
  });

  it('mails the status link with its token in the query string (the access log records paths), and the link still works', async () => {
    const user = await person('ah-link');
    const browser = new Browser();
    const start = await browser.visit(`${server.url}/appeal`);
    const codePage = await browser.submit(start, /\/appeal$/, { login_id: 'ah-link', altcha: await altcha() });
    const mail = await waitFor(() => mails().find((message) => message.to === 'ah-link@personal.example.com' && /send a lost-phone appeal/.test(message.text)));
    const form = await browser.submit(codePage, /\/appeal\/code$/, { code: /\b(\d{6})\b/.exec(mail.text)![1]! });
    await send(browser, form, '/appeal/form', goodFields({ password: '' }), [{ name: 'card.jpg', bytes: jpeg() }]);
    const received = await waitFor(() => mails().find((message) => message.to === 'ah-link@personal.example.com' && message.subject === 'We received your lost-phone appeal'));
    const link = /(http:\/\/\S+\/appeal\/s\S*)/.exec(received.text)![1]!;
    const url = new URL(link);
    expect(url.pathname).toBe('/appeal/s');
    expect(url.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const other = new Browser();
    const viaLink = await other.visit(link);
    expect(viaLink.url).toMatch(/\/appeal\/status$/);
    expect(viaLink.html).toContain('Waiting for a reviewer');
    expect(await server.services.prisma.appeal.count({ where: { userId: user.id } })).toBe(1);
  });

  it('limits how often one address starts an appeal without signing in, in words the person reads', async () => {
    await person('ah-limit');
    const codesBefore = mails().filter((message) => message.to === 'ah-limit@personal.example.com').length;
    const statuses: number[] = [];
    let last: Page | undefined;
    // The link test above started one from this address already; the limit is 3.
    for (let attempt = 0; attempt < 3; attempt++) {
      const browser = new Browser(attempt === 2 ? 'zh-CN' : 'en');
      const start = await browser.visit(`${server.url}/appeal`);
      last = await browser.submit(start, /\/appeal$/, { login_id: 'ah-limit', altcha: await altcha() });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.html).toContain('role="alert"');
    expect(last!.html).toContain('value="ah-limit"');
    expect(last!.html).not.toContain('name="code"');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mails().filter((message) => message.to === 'ah-limit@personal.example.com').length - codesBefore).toBe(2);
  });

  it('a revision no database can hold, or none, is a clear refusal, not a 500', async () => {
    const { appeal } = await opened('ah-revision');
    const { browser: staffBrowser } = await signInStaff(server, reviewer, '/admin/appeals');
    const review = await staffBrowser.visit(`${server.url}/admin/appeals/${appeal.id}`);
    for (const revision of ['99999999999', '1e300', '-5', '']) {
      const result = await act(staffBrowser, review, /\/decide$/, 'x', { decision: 'approve', revision });
      expect(result.status, `revision ${revision}`).toBeLessThan(500);
      expect(result.html).not.toContain('internal_error');
    }
    expect((await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id } })).status).toBe('pending');
  });

  it('names a refused file as the person named it, in Chinese too (file names are UTF-8)', async () => {
    await person('ah-name');
    const { browser, page } = await appealPage('ah-name', 'zh-CN');
    const refused = await send(browser, page, '/account/appeal', goodFields(), [{ name: '身份证照片.jpg', bytes: Buffer.from('not an image') }]);
    expect(refused.status).toBe(415);
    expect(refused.html).toContain('“身份证照片.jpg”');
  });

  it('bad bodies on the appeal forms are clear refusals, never a 500 or a stack trace', async () => {
    await person('ah-bad');
    const { browser, page } = await appealPage('ah-bad');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const cases: Response[] = [
      await browser.request(`${server.url}/account/appeal`, { method: 'POST', form: { _csrf: csrf, reason: 'lost' } }),
      await fetch(`${server.url}/account/appeal`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', cookie: browser.cookieHeaderFor(new URL(server.url)) }, body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\xfe\r\n--y--' }),
      await fetch(`${server.url}/account/appeal`, { method: 'POST', headers: { 'content-type': 'multipart/form-data', cookie: browser.cookieHeaderFor(new URL(server.url)) }, body: 'x' }),
    ];
    for (const response of cases) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await response.text()).not.toMatch(/at .*\.ts:\d+/);
    }
    // Repeated fields and non-UTF-8 text (raw bytes, as an old browser might send) re-render the form.
    const part = (name: string, value: Buffer | string, filename?: string) => Buffer.concat([
      Buffer.from(`--b0undary\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: image/jpeg` : ''}\r\n\r\n`),
      Buffer.from(value), Buffer.from('\r\n'),
    ]);
    const body = Buffer.concat([
      part('_csrf', csrf), part('reason', 'lost'), part('reason', 'stolen'), part('unbind_roles', 'login_phone'),
      part('organisation', Buffer.from([0xff, 0xfe, 0x41, 0xc3])), part('contact_phone', '13700002222'), part('password', student.password),
      part('documents', jpeg(), 'card.jpg'), Buffer.from('--b0undary--\r\n'),
    ]);
    const twice = await fetch(`${server.url}/account/appeal`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b0undary', cookie: browser.cookieHeaderFor(new URL(server.url)), accept: 'text/html', 'accept-language': 'en' }, body });
    expect(twice.status).toBe(400);
    const twiceHtml = await twice.text();
    expect(twiceHtml).toContain('Choose what happened.');
    expect(twiceHtml).toContain('\uFFFDA');
    expect(await server.services.prisma.appeal.count({ where: { user: { username: 'ah-bad' } } })).toBe(0);
  });

  it('caps the appeals one person opens in a day: opening and withdrawing in a loop cannot text a number without end', async () => {
    const user = await person('ah-loop');
    const { browser, page } = await appealPage('ah-loop');
    const target = '13700009999';
    for (let round = 0; round < 5; round++) {
      const status = await send(browser, page, '/account/appeal', goodFields({ contact_phone: target }), [{ name: 'card.jpg', bytes: jpeg() }]);
      expect(status.html, `round ${round}`).toContain('Your appeal was sent');
      const gone = await browser.submit(status, /\/account\/appeal\/delete$/, {});
      expect(gone.html).toContain('Your appeal and its documents were deleted');
    }
    const refused = await send(browser, page, '/account/appeal', goodFields({ contact_phone: target }), [{ name: 'card.jpg', bytes: jpeg() }]);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('You have sent too many appeals today');
    expect(refused.html).toContain('value="Physics"');
    expect(await server.services.prisma.appeal.count({ where: { userId: user.id } })).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(texts().filter((text) => text.phone === '+8613700009999').length).toBe(5);
  });

  it('an approval whose sessions cannot be ended (store down) is still audited and told to the person', async () => {
    const { user, appeal } = await opened('ah-store-down');
    const recorded: { type: string; detail?: unknown }[] = [];
    const told: string[] = [];
    const appeals = createAppeals({
      prisma: server.services.prisma,
      audit: { record: async (event) => void recorded.push(event) },
      sessions: { revokeAll: () => Promise.reject(new Error('connection lost')) },
      notices: { received: async () => undefined, decided: async (notice) => void told.push(notice.decision) },
      documentRetentionDays: 30,
      logger: createLogger('silent'),
    });
    const decided = await appeals.decide({ appealId: appeal.id, revision: appeal.revision, decision: 'approved', reviewerId: reviewer.id, note: 'ok', locale: 'en' });
    expect(decided.ok).toBe(true);
    expect(recorded.map((event) => event.type)).toEqual(['appeal.approved']);
    expect(recorded[0]!.detail).toMatchObject({ sessionsFailed: true });
    await waitFor(() => (told.length ? told : undefined));
    expect(told).toEqual(['approved']);
    expect(await server.services.prisma.contactPoint.count({ where: { userId: user.id, role: 'login_phone' } })).toBe(0);
  });

  it('an approval and the person\'s edit at the same moment: exactly one applies, and an edit that wins unbinds nothing', async () => {
    const { user, browser, appeal } = await opened('ah-race-edit');
    const before = await server.services.prisma.contactPoint.count({ where: { userId: user.id } });
    const { browser: staffBrowser } = await signInStaff(server, reviewer, '/admin/appeals');
    const review = await staffBrowser.visit(`${server.url}/admin/appeals/${appeal.id}`);
    const form = await browser.visit(`${server.url}/account/appeal/edit`);
    const [decided, edited] = await Promise.all([
      act(staffBrowser, review, /\/decide$/, 'Matches.', { decision: 'approve' }),
      send(browser, form, '/account/appeal/edit', goodFields({ organisation: 'Physics, changed' }), []),
    ]);
    const row = await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id } });
    const approved = decided.html.includes('Approved: the numbers were unbound');
    const changed = edited.html.includes('Your appeal was changed');
    expect([approved, changed].filter(Boolean)).toHaveLength(1);
    if (approved) {
      // The edit was refused, or found the session already ended by the approval (sign-in page).
      expect(row).toMatchObject({ status: 'approved', organisation: 'Physics' });
      expect(edited.status === 409 || edited.html.includes('/login"')).toBe(true);
    } else {
      expect(row).toMatchObject({ status: 'pending', organisation: 'Physics, changed' });
      expect(decided.html).toContain('Nothing was applied');
      expect(await server.services.prisma.contactPoint.count({ where: { userId: user.id } })).toBe(before);
    }
  });

  it('/account/security points a person whose phone no longer receives codes to the appeal', async () => {
    await person('ah-security');
    const browser = new Browser();
    const login = await browser.visit(`${server.url}/account/security`);
    let page = await browser.submit(login, /\/interaction\/[^/]+\/login$/, { login_id: 'ah-security', password: student.password });
    if (page.html.includes('/mfa/sms')) {
      page = await browser.submit(page, /\/mfa\/sms$/, {});
      const code = [...texts()].reverse().find((text) => text.template === 'verification_code');
      page = await browser.submit(page, /\/mfa$/, { code: code?.template === 'verification_code' ? code.params.code : '' });
      if (page.html.includes('name="trust"')) page = await browser.submit(page, /\/trust$/, { trust: 'no' });
    }
    expect(page.url).toMatch(/\/account\/security$/);
    expect(page.html).toContain('href="/account/appeal"');
    expect(page.html).toContain('Lost your phone? Ask for it to be unbound');
  });
});
