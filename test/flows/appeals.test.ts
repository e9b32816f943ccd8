// Lost-phone appeals (issue #8) over real HTTP: a signed-in person opens an appeal with the password re-entered,
// edits and withdraws it; uploads are checked on their content and size (a .jpg name proves nothing, a path in
// the name is never used); a reviewer's rejection leaves every binding, an approval unbinds the numbers, ends
// every session and tells the person (once, however often it is clicked); someone who cannot sign in appeals
// from the forgot-password page with a code to the recovery e-mail; a reviewer of the wrong role or scope is
// refused; after approval the next sign-in asks for a new number and binding it clears rebindPending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { solveChallenge } from 'altcha-lib';
import { Browser, type Page } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { act, seedStaff, signInStaff, type SeededStaff } from '../helpers/admin.ts';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';
import type { MemoryEmail } from '../../src/connectors/email/memory.ts';
import { waitFor } from '../helpers/wait.ts';

const nowhere = 'about:nowhere';
let phoneCounter = 2000;
const newPhone = () => `+86139100${String(phoneCounter++).padStart(5, '0')}`;

const jpeg = (size = 2048) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), randomBytes(size)]);
const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(512)]);

interface Upload {
  name: string;
  bytes: Buffer;
  type?: string;
}

/** The appeal form as the browser sends it: fields, the hidden CSRF token of `page`, and the files. */
function appealForm(page: Page, fields: Record<string, string | string[]>, files: Upload[]): FormData {
  const form = new FormData();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  if (csrf) form.append('_csrf', csrf);
  for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) form.append(name, item);
  for (const file of files) form.append('documents', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'image/jpeg' }), file.name);
  return form;
}

const goodFields = (extra: Record<string, string | string[]> = {}) => ({
  reason: 'lost', reason_text: 'Lost on the bus', unbind_roles: ['login_phone', 'security_phone'], organisation: 'Physics', contact_phone: '13700001111', password: student.password, ...extra,
});

function outbox(server: TestServer) {
  return {
    sms: () => (server.services.sms as MemorySms).messages(),
    email: () => (server.services.email as MemoryEmail).messages(),
  };
}

describe('lost-phone appeals', () => {
  let server: TestServer;
  let out: ReturnType<typeof outbox>;
  let reviewer: SeededStaff;

  beforeAll(async () => {
    server = await startTestServer({ CAPTCHA_MAX_NUMBER: '1000' });
    out = outbox(server);
    reviewer = await seedStaff(server, { username: 'ap-reviewer', roles: ['reviewer'], scopes: [{ kind: 'department', value: 'Physics' }] });
  });
  afterAll(async () => server?.destroy());

  /** A person (department Physics) with a login phone, a security phone and a recovery e-mail. */
  async function person(username: string) {
    const user = await seedStudent(server.services.prisma, { username, cardNumber: `C-${username}`, email: `${username}@example.edu` });
    const phones = { login_phone: newPhone(), security_phone: newPhone() };
    for (const [role, value] of Object.entries(phones)) await server.services.prisma.contactPoint.create({ data: { userId: user.id, role, value, verifiedAt: new Date() } });
    await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'recovery_email', value: `${username}@personal.example.com`, verifiedAt: new Date() } });
    return { ...user, phones, recovery: `${username}@personal.example.com` };
  }

  /** Signs in with the password alone from /account/appeal and lands on the appeal form. */
  async function appealPage(username: string): Promise<{ browser: Browser; page: Page }> {
    const browser = new Browser();
    const login = await browser.visit(`${server.url}/account/appeal`);
    const page = await browser.submit(login, /\/interaction\/[^/]+\/login$/, { login_id: username, password: student.password });
    return { browser, page };
  }

  const send = (browser: Browser, page: Page, action: string, fields: Record<string, string | string[]>, files: Upload[]) =>
    browser.visit(`${server.url}${action}`, { method: 'POST', multipart: appealForm(page, fields, files) });

  const bindings = async (userId: string) =>
    (await server.services.prisma.contactPoint.findMany({ where: { userId }, orderBy: { role: 'asc' }, select: { role: true, value: true } })).map((row) => `${row.role}=${row.value}`);
  const auditTypes = async (userId: string) =>
    (await server.services.prisma.authEvent.findMany({ where: { userId, type: { startsWith: 'appeal.' } }, orderBy: { createdAt: 'asc' } })).map((event) => event.type);

  /** Opens an appeal for a fresh person; returns everything a later step needs. */
  async function opened(username: string) {
    const user = await person(username);
    const { browser, page } = await appealPage(username);
    const status = await send(browser, page, '/account/appeal', goodFields(), [{ name: 'card.jpg', bytes: jpeg() }]);
    expect(status.html).toContain('Your appeal was sent');
    const appeal = await server.services.prisma.appeal.findFirstOrThrow({ where: { userId: user.id } });
    return { user, browser, appeal };
  }

  async function decide(staffBrowser: Browser, appealId: string, decision: 'approve' | 'reject', note: string) {
    const page = await staffBrowser.visit(`${server.url}/admin/appeals/${appealId}`);
    return { page, result: await act(staffBrowser, page, /\/decide$/, note, { decision }) };
  }

  it('opens an appeal only with the right password, shows it as pending and says what happens next', async () => {
    const user = await person('ap-open');
    const { browser, page } = await appealPage('ap-open');
    expect(page.html).toContain('<h1>Lost-phone appeal</h1>');
    expect(page.html).toContain('What happens next');
    expect(page.html).toContain('enctype="multipart/form-data"');

    const wrong = await send(browser, page, '/account/appeal', goodFields({ password: 'not-the-password' }), [{ name: 'card.jpg', bytes: jpeg() }]);
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The password is not right.');
    expect(wrong.html).toContain('value="Physics"');
    expect(await server.services.prisma.appeal.count({ where: { userId: user.id } })).toBe(0);

    // A number that is not bound cannot be chosen (the next sign-in would ask for a number never lost).
    await server.services.prisma.contactPoint.delete({ where: { userId_role: { userId: user.id, role: 'security_phone' } } });
    const unbound = await send(browser, page, '/account/appeal', goodFields(), [{ name: 'card.jpg', bytes: jpeg() }]);
    expect(unbound.status).toBe(400);
    expect(unbound.html).toContain('Choose only numbers that are bound to this account');
    await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'security_phone', value: user.phones.security_phone, verifiedAt: new Date() } });

    const missing = await send(browser, page, '/account/appeal', goodFields({ unbind_roles: [], contact_phone: '12' }), [{ name: 'card.jpg', bytes: jpeg() }]);
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('Choose at least one number to unbind.');
    expect(missing.html).toContain('Enter a phone number we can reach');

    const status = await send(browser, page, '/account/appeal', goodFields(), [{ name: 'card.jpg', bytes: jpeg() }, { name: 'back.pdf', bytes: Buffer.from('%PDF-1.4\n%EOF\n'), type: 'application/pdf' }]);
    expect(status.url).toMatch(/\/account\/appeal\?done=opened$/);
    expect(status.html).toContain('Waiting for a reviewer. Nothing has changed on your account yet.');
    expect(status.html).toContain('2 file(s) kept for the reviewer');
    const stored = await server.services.prisma.appeal.findFirstOrThrow({ where: { userId: user.id }, include: { documents: true } });
    expect(stored).toMatchObject({ status: 'pending', channel: 'signed_in', contactPhone: '+8613700001111', unbindRoles: ['login_phone', 'security_phone'] });
    expect(stored.documents.map((document) => document.mediaType).sort()).toEqual(['application/pdf', 'image/jpeg']);
    expect(await auditTypes(user.id)).toEqual(['appeal.opened']);
    await waitFor(() => out.email().find((mail) => mail.to === 'ap-open@example.edu' && mail.subject === 'We received your lost-phone appeal'));

    // One open appeal per person: a second one is refused.
    const second = await browser.visit(`${server.url}/account/appeal/new`);
    expect(second.url).toMatch(/\/account\/appeal$/);
  });

  it('refuses oversized, wrongly typed and empty uploads with a clear message, never using the path in a name', async () => {
    const user = await person('ap-abuse');
    const { browser, page } = await appealPage('ap-abuse');
    const attempt = (files: Upload[]) => send(browser, page, '/account/appeal', goodFields(), files);

    const big = await attempt([{ name: 'huge.jpg', bytes: jpeg(6 * 1024 * 1024) }]);
    expect(big.status).toBe(413);
    expect(big.html).toContain('The file “huge.jpg” is larger than 5 MB.');
    expect(big.html).toContain('value="Physics"');

    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const wrongType = await attempt([{ name: 'photo.jpg', bytes: html, type: 'image/jpeg' }]);
    expect(wrongType.status).toBe(415);
    expect(wrongType.html).toContain('The file “photo.jpg” is not a JPEG, PNG or WebP photo or a PDF (we check the content, not the name)');

    const traversal = await attempt([{ name: '../../../etc/passwd.jpg', bytes: Buffer.from('root:x:0:0:root') }]);
    expect(traversal.status).toBe(415);
    expect(traversal.html).toContain('“passwd.jpg”');
    expect(traversal.html).not.toContain('etc/passwd');
    const windows = await attempt([{ name: '..\\..\\Windows\\win.ini', bytes: Buffer.from('[fonts]') }]);
    expect(windows.html).toContain('“win.ini”');
    expect(windows.html).not.toContain('Windows');

    const empty = await attempt([{ name: 'empty.png', bytes: Buffer.alloc(0) }]);
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('The file “empty.png” is empty.');

    const none = await attempt([]);
    expect(none.status).toBe(400);
    expect(none.html).toContain('Add a photo or scan of your ID card');

    // The same refusal in Chinese.
    await browser.visit(`${server.url}/account/appeal?lang=zh-CN`);
    const zh = await attempt([{ name: 'photo.jpg', bytes: html }]);
    expect(zh.html).toContain('文件 “photo.jpg” 不是 JPEG、PNG、WebP 图片或 PDF');
    await browser.visit(`${server.url}/account/appeal?lang=en`);

    expect(await server.services.prisma.appeal.count({ where: { userId: user.id } })).toBe(0);
    expect(await server.services.prisma.appealDocument.count({ where: { appeal: { userId: user.id } } })).toBe(0);

    // A real image under a path-laden name is accepted: the name was only ever a label, and it is not kept.
    const accepted = await attempt([{ name: '../../uploads/../card.png', bytes: png(), type: 'text/html' }]);
    expect(accepted.html).toContain('Your appeal was sent');
    const stored = await server.services.prisma.appealDocument.findFirstOrThrow({ where: { appeal: { userId: user.id } } });
    expect(stored.mediaType).toBe('image/png');
    expect(JSON.stringify(stored)).not.toContain('uploads');
  });

  it('edits a pending appeal (keeping its documents), and withdrawing deletes it and its documents, changing no binding', async () => {
    const { user, browser, appeal } = await opened('ap-edit');
    const before = await bindings(user.id);
    const form = await browser.visit(`${server.url}/account/appeal/edit`);
    expect(form.html).toContain('Leave this empty to keep the 1 file(s) you sent before');
    expect(form.html).toContain('value="Physics"');
    const edited = await send(browser, form, '/account/appeal/edit', goodFields({ organisation: 'Physics, Lab 3', unbind_roles: 'security_phone' }), []);
    expect(edited.html).toContain('Your appeal was changed and is waiting for a reviewer again.');
    const changed = await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id }, include: { documents: true } });
    expect(changed).toMatchObject({ organisation: 'Physics, Lab 3', unbindRoles: ['security_phone'], revision: appeal.revision + 1, status: 'pending' });
    expect(changed.documents).toHaveLength(1);

    const withdrawn = await browser.submit(edited, /\/account\/appeal\/delete$/, {});
    expect(withdrawn.html).toContain('Your appeal and its documents were deleted. Nothing changed on your account.');
    expect(await server.services.prisma.appeal.count({ where: { id: appeal.id } })).toBe(0);
    expect(await server.services.prisma.appealDocument.count({ where: { appealId: appeal.id } })).toBe(0);
    expect(await bindings(user.id)).toEqual(before);
    expect(await auditTypes(user.id)).toEqual(['appeal.opened', 'appeal.edited', 'appeal.deleted']);
  });

  it('a rejection keeps every binding, shows the note, tells the person, and the person can resubmit', async () => {
    const { user, browser, appeal } = await opened('ap-reject');
    const before = await bindings(user.id);
    const { browser: staffBrowser } = await signInStaff(server, reviewer, '/admin/appeals');
    const queue = await staffBrowser.visit(`${server.url}/admin/appeals`);
    expect(queue.html).toContain('ap-reject');
    const { result } = await decide(staffBrowser, appeal.id, 'reject', 'The photo is blurred; please send a sharper one.');
    expect(result.html).toContain('Not approved: the person was told with your note.');
    expect(await bindings(user.id)).toEqual(before);
    expect((await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id } })).rebindPending).toBe(false);

    const status = await browser.visit(`${server.url}/account/appeal`);
    expect(status.html).toContain('Not approved. Read the reviewer’s note');
    expect(status.html).toContain('The photo is blurred; please send a sharper one.');
    await waitFor(() => out.email().find((mail) => mail.to === 'ap-reject@example.edu' && mail.subject === 'Your lost-phone appeal was not approved' && mail.text.includes('The photo is blurred')));
    await waitFor(() => out.sms().find((text) => text.phone === '+8613700001111' && text.template === 'security_notice' && text.params.event === 'appeal not approved'));

    const form = await browser.visit(`${server.url}/account/appeal/edit`);
    const resubmitted = await send(browser, form, '/account/appeal/edit', goodFields(), [{ name: 'sharper.jpg', bytes: jpeg() }]);
    expect(resubmitted.html).toContain('waiting for a reviewer again');
    expect(await auditTypes(user.id)).toEqual(['appeal.opened', 'appeal.rejected', 'appeal.resubmitted']);
  });

  it('an approval unbinds the numbers, signs the person out everywhere and tells them; a second click applies nothing', async () => {
    const { user, browser, appeal } = await opened('ap-approve');
    expect((await browser.visit(`${server.url}/account/appeal`)).html).toContain('Waiting for a reviewer');
    const { browser: staffBrowser } = await signInStaff(server, reviewer, '/admin/appeals');
    const { page: review, result } = await decide(staffBrowser, appeal.id, 'approve', 'Card matches the registry photo.');
    expect(result.html).toContain('Approved: the numbers were unbound and the person signed out everywhere (1 session(s)).');

    expect(await bindings(user.id)).toEqual([`email=ap-approve@example.edu`, `recovery_email=ap-approve@personal.example.com`]);
    const decided = await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id } });
    expect(decided).toMatchObject({ status: 'approved', rebindPending: true, reviewerId: reviewer.id, revision: appeal.revision + 1 });

    // The person's session has ended: the appeal page asks them to sign in again.
    const after = await browser.visit(`${server.url}/account/appeal`);
    expect(after.html).toContain('/login"');
    await waitFor(() => out.email().find((mail) => mail.to === 'ap-approve@personal.example.com' && mail.subject === 'Your lost-phone appeal was approved'));
    await waitFor(() => out.sms().find((text) => text.phone === '+8613700001111' && text.template === 'security_notice' && text.params.event === 'appeal approved'));
    expect(out.sms().some((text) => text.phone === user.phones.login_phone && text.template === 'security_notice' && text.params.event === 'appeal approved')).toBe(false);

    // The same form again (a double click, or the stale page): nothing more happens.
    const again = await act(staffBrowser, review, /\/decide$/, 'Card matches the registry photo.', { decision: 'approve' });
    expect(again.html).toContain('This appeal was changed or decided in the meantime. Nothing was applied');
    const types = await auditTypes(user.id);
    expect(types.filter((type) => type === 'appeal.approved')).toHaveLength(1);
    const adminEvents = await server.services.prisma.authEvent.count({ where: { userId: user.id, type: 'admin.appeal.approve' } });
    expect(adminEvents).toBe(1);
  });

  it('two decisions on the same revision at once: exactly one applies, and the mail speaks the person\'s language', async () => {
    const user = await person('ap-race');
    const { browser, page } = await appealPage('ap-race');
    await browser.visit(`${server.url}/account/appeal?lang=zh-CN`);
    const status = await send(browser, page, '/account/appeal', goodFields(), [{ name: 'card.jpg', bytes: jpeg() }]);
    expect(status.html).toContain('申诉已提交');
    const appeal = await server.services.prisma.appeal.findFirstOrThrow({ where: { userId: user.id } });
    // Two reviewer tabs (signed in one after the other: a TOTP code is accepted once), both on the same revision.
    const first = await signInStaff(server, reviewer, '/admin/appeals');
    const second = await signInStaff(server, reviewer, '/admin/appeals');
    const pages = await Promise.all([first.browser.visit(`${server.url}/admin/appeals/${appeal.id}`), second.browser.visit(`${server.url}/admin/appeals/${appeal.id}`)]);
    const results = await Promise.all([
      act(first.browser, pages[0], /\/decide$/, 'Approved by A', { decision: 'approve' }),
      act(second.browser, pages[1], /\/decide$/, 'Rejected by B', { decision: 'reject' }),
    ]);
    expect(results.filter((result) => result.html.includes('Nothing was applied'))).toHaveLength(1);
    const types = (await auditTypes(user.id)).filter((type) => type === 'appeal.approved' || type === 'appeal.rejected');
    expect(types).toHaveLength(1);
    const decided = await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id } });
    expect(decided.revision).toBe(appeal.revision + 1);
    const subject = decided.status === 'approved' ? '您的手机号申诉已通过' : '您的手机号申诉未通过';
    await waitFor(() => out.email().find((mail) => mail.to === 'ap-race@example.edu' && mail.subject === subject));
  });

  it('refuses a form larger than all documents together before reading it', async () => {
    const user = await person('ap-huge');
    const { browser, page } = await appealPage('ap-huge');
    const big = () => ({ name: 'big.jpg', bytes: jpeg(5.5 * 1024 * 1024) });
    const refused = await send(browser, page, '/account/appeal', goodFields(), [big(), big(), big()]);
    expect(refused.status).toBe(413);
    expect(refused.html).toContain('is larger than 5 MB');
    const tooMany = await send(browser, page, '/account/appeal', goodFields(), [0, 1, 2, 3].map(() => ({ name: 'card.jpg', bytes: jpeg() })));
    expect(tooMany.status).toBe(413);
    expect(tooMany.html).toContain('send at most 3 files');
    expect(await server.services.prisma.appeal.count({ where: { userId: user.id } })).toBe(0);
  });

  it('after approval the next sign-in asks for a new number, and binding it clears rebindPending', async () => {
    const { user, appeal } = await opened('ap-rebind');
    const { browser: staffBrowser } = await signInStaff(server, reviewer, '/admin/appeals');
    await decide(staffBrowser, appeal.id, 'approve', 'Matches.');

    const browser = new Browser();
    const login = await browser.visit(`${server.url}/account/appeal`);
    const prompt = await browser.submit(login, /\/interaction\/[^/]+\/login$/, { login_id: 'ap-rebind', password: student.password }, nowhere);
    expect(prompt.html).toContain('Your login phone is missing.');
    expect(prompt.html).toContain('Your lost-phone appeal was approved and the old number was unbound.');
    expect(prompt.html).toContain('/contacts/send"');
    const phone = newPhone();
    const codePage = await browser.submit(prompt, /\/contacts\/send$/, { value: phone.slice(3) });
    const code = [...out.sms()].reverse().find((text) => text.phone === phone && text.template === 'verification_code');
    expect(code?.template).toBe('verification_code');
    let page = await browser.submit(codePage, /\/contacts\/verify$/, { code: code?.template === 'verification_code' ? code.params.code : '' }, nowhere);
    // Both numbers were unbound: the prompt asks for the second one as well.
    expect(page.html).toContain('/contacts/send"');
    const second = newPhone();
    const secondCode = await browser.submit(page, /\/contacts\/send$/, { value: second.slice(3) });
    const text2 = [...out.sms()].reverse().find((text) => text.phone === second && text.template === 'verification_code');
    page = await browser.submit(secondCode, /\/contacts\/verify$/, { code: text2?.template === 'verification_code' ? text2.params.code : '' }, nowhere);
    // The sign-in finishes on the status page of the approved appeal.
    expect(page.url).toMatch(/\/account\/appeal$/);
    expect(page.html).toContain('Approved. The numbers were unbound');
    expect((await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id } })).rebindPending).toBe(false);
    expect(await auditTypes(user.id)).toContain('appeal.rebound');
  });

  it('someone who cannot sign in appeals from the forgot-password page with a code to the recovery e-mail', async () => {
    const user = await person('ap-public');
    const browser = new Browser();
    const forgot = await browser.visit(`${server.url}/forgot-password`);
    expect(forgot.html).toContain('href="/appeal"');
    const start = await browser.visit(`${server.url}/appeal`);
    expect(start.html).toContain('Appeal without signing in');

    const noCaptcha = await browser.submit(start, /\/appeal$/, { login_id: 'ap-public' });
    expect(noCaptcha.status).toBe(400);
    expect(noCaptcha.html).toContain('Tick “I am not a robot”');

    const challenge = (await (await fetch(`${server.url}/appeal/challenge`)).json()) as { algorithm: string; challenge: string; maxnumber: number; salt: string; signature: string };
    const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
    const altcha = Buffer.from(JSON.stringify({ ...challenge, number: solution!.number })).toString('base64');
    const codePage = await browser.submit(start, /\/appeal$/, { login_id: 'ap-public', altcha });
    expect(codePage.html).toContain('If ap-public has a recovery e-mail address, a 6-digit code is on its way to it.');
    const mail = await waitFor(() => out.email().find((message) => message.to === user.recovery && /send a lost-phone appeal/.test(message.text)));
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;

    const wrong = await browser.submit(codePage, /\/appeal\/code$/, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    const form = await browser.submit(wrong, /\/appeal\/code$/, { code });
    expect(form.html).toContain('You showed you can read the recovery e-mail of ap-public');
    expect(form.html).not.toContain('name="password"');

    const status = await send(browser, form, '/appeal/form', goodFields({ password: '' }), [{ name: 'id.pdf', bytes: Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n'), type: 'application/pdf' }]);
    expect(status.url).toMatch(/\/appeal\/status\?done=opened&mailed=1$/);
    expect(status.html).toContain('Waiting for a reviewer');
    expect(status.html).toContain('We e-mailed a link to this page to your recovery address');
    const stored = await server.services.prisma.appeal.findFirstOrThrow({ where: { userId: user.id }, include: { documents: true } });
    expect(stored.channel).toBe('forgot_password');
    expect(await auditTypes(user.id)).toEqual(['appeal.recovery_proven', 'appeal.opened']);
    expect(stored.documents[0]!.mediaType).toBe('application/pdf');

    // The mailed status link opens the status page in another browser, which may withdraw the appeal.
    const received = await waitFor(() => out.email().find((message) => message.to === user.recovery && message.subject === 'We received your lost-phone appeal'));
    const link = /(http:\/\/\S+\/appeal\/s\?token=\S+)/.exec(received.text)![1]!;
    expect(out.email().filter((message) => message.to === `ap-public@example.edu` && message.text.includes('/appeal/s?'))).toHaveLength(0);
    const other = new Browser();
    const viaLink = await other.visit(link);
    expect(viaLink.url).toMatch(/\/appeal\/status$/);
    expect(viaLink.html).toContain('Waiting for a reviewer');
    const gone = await other.submit(viaLink, /\/appeal\/status\/delete$/, {});
    expect(gone.html).toContain('Your appeal and its documents were deleted');
    expect(await server.services.prisma.appeal.count({ where: { userId: user.id } })).toBe(0);

    // A stranger without the cookie or link sees nothing.
    const stranger = await new Browser().visit(`${server.url}/appeal/status`);
    expect(stranger.status).toBe(400);
    expect(stranger.html).not.toContain('Physics');
  });

  it('keeps the queue and the evidence from the wrong role and from reviewers of other departments', async () => {
    const { appeal } = await opened('ap-scope');
    const helpdesk = await seedStaff(server, { username: 'ap-helpdesk', roles: ['helpdesk'] });
    const { browser: helpBrowser } = await signInStaff(server, helpdesk, '/admin/appeals');
    expect((await helpBrowser.visit(`${server.url}/admin/appeals`)).status).toBe(403);
    expect((await helpBrowser.visit(`${server.url}/admin/appeals/${appeal.id}`)).status).toBe(403);

    const chemist = await seedStaff(server, { username: 'ap-chemist', roles: ['reviewer'], scopes: [{ kind: 'department', value: 'Chemistry' }] });
    const { browser: chemBrowser } = await signInStaff(server, chemist, '/admin/appeals');
    expect((await chemBrowser.visit(`${server.url}/admin/appeals`)).html).not.toContain('ap-scope');
    expect((await chemBrowser.visit(`${server.url}/admin/appeals/${appeal.id}`)).status).toBe(404);
    const anyForm = await chemBrowser.visit(`${server.url}/account/appeal`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(anyForm.html)?.[1] ?? '';
    expect(csrf).not.toBe('');
    const post = await chemBrowser.visit(`${server.url}/admin/appeals/${appeal.id}/decide`, { method: 'POST', form: { _csrf: csrf, decision: 'approve', revision: String(appeal.revision), reason: 'x' } });
    expect(post.status).toBe(404);
    expect((await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.id } })).status).toBe('pending');

    // Evidence: never public, and for the reviewer served with nosniff, a sandbox CSP and the sniffed type.
    const document = await server.services.prisma.appealDocument.findFirstOrThrow({ where: { appealId: appeal.id } });
    const documentUrl = `${server.url}/admin/appeals/${appeal.id}/documents/${document.id}`;
    const anonymous = await fetch(documentUrl, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect((await new Browser().request(`${server.url}/account/appeal/documents/${document.id}`)).status).toBe(404);
    const { browser: staffBrowser } = await signInStaff(server, reviewer, '/admin/appeals');
    const served = await staffBrowser.request(documentUrl);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toContain('sandbox');
    expect(served.headers.get('content-disposition')).toMatch(/^inline; filename="appeal-[0-9a-f]{8}-[0-9a-f]{8}\.jpg"$/);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(document.content, 'base64'))).toBe(true);
    const download = await staffBrowser.request(`${documentUrl}?download=1`);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(await server.services.prisma.authEvent.count({ where: { type: 'appeal.document_viewed' } })).toBeGreaterThanOrEqual(2);
  });

  it('deletes the documents of decided appeals past the retention period (at start and daily), keeping the appeals', async () => {
    const { appeal: old } = await opened('ap-retain-old');
    const { appeal: recent } = await opened('ap-retain-new');
    const { appeal: waiting } = await opened('ap-retain-wait');
    const { browser: staffBrowser } = await signInStaff(server, reviewer, '/admin/appeals');
    await decide(staffBrowser, old.id, 'reject', 'Too blurred.');
    await decide(staffBrowser, recent.id, 'reject', 'Too blurred.');
    const longAgo = new Date(Date.now() - 31 * 86_400_000);
    await server.services.prisma.appeal.update({ where: { id: old.id }, data: { decidedAt: longAgo } });
    await server.services.prisma.appeal.update({ where: { id: waiting.id }, data: { createdAt: longAgo, updatedAt: longAgo } });

    await server.stop();
    server = await server.restart();
    out = outbox(server);
    const documents = (appealId: string) => server.services.prisma.appealDocument.count({ where: { appealId } });
    await expect.poll(() => documents(old.id)).toBe(0);
    expect(await documents(recent.id)).toBe(1);
    expect(await documents(waiting.id)).toBe(1);
    expect((await server.services.prisma.appeal.findUniqueOrThrow({ where: { id: old.id } })).status).toBe('rejected');
  });
});
