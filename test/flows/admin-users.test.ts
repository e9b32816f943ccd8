// /admin/users over real HTTP: search, a person's page, and each action with its reason, audit row and notice;
// a repeat changes and records nothing; help desk reads and unlocks but cannot disable; reviewers see no user
// pages; a forced password change stops the next sign-in at "choose a new password".
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browser, type Page } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { freshCode, seedStaff, signInStaff, type SeededStaff } from '../helpers/admin.ts';

let server: TestServer;
let admin: SeededStaff;
const notices: string[] = [];
let personId: string;

beforeAll(async () => {
  server = await startTestServer({ LOGIN_LIMIT_PER_ACCOUNT: '3' }, {}, { securityNotifier: { notify: async (id, event) => void notices.push(`${id}:${event}`) } });
  admin = await seedStaff(server, { username: 'ops-admin', roles: ['admin'] });
  const person = await seedStudent(server.services.prisma, { username: '20240042', cardNumber: 'P42', email: 'p42@example.edu', displayName: '王芳 Wang Fang' });
  personId = person.id;
  await server.services.prisma.contactPoint.create({ data: { userId: personId, role: 'security_phone', value: '+8613912345678' } });
});
afterAll(async () => server?.destroy());

const auditRows = (type: string) => server.services.prisma.authEvent.findMany({ where: { type }, orderBy: { createdAt: 'asc' } });

/** A browser signed in to the person's own account (a session the admin can end). */
async function personSignsIn(): Promise<Browser> {
  const browser = new Browser();
  const page = await browser.submit(await browser.visit(`${server.url}/account`), /\/login$/, { login_id: '20240042', password: student.password });
  expect(page.url).toBe(`${server.url}/account`);
  return browser;
}

it('finds people by login ID, name and phone, and shows their page', async () => {
  const { browser } = await signInStaff(server, admin, '/admin/users');
  const byName = await browser.visit(`${server.url}/admin/users?q=${encodeURIComponent('wang fang')}`);
  expect(byName.html).toContain(`href="/admin/users/${personId}"`);
  const byPhone = await browser.visit(`${server.url}/admin/users?q=139-1234-5678`);
  expect(byPhone.html).toContain(`href="/admin/users/${personId}"`);
  const byId = await browser.visit(`${server.url}/admin/users?q=2024004`);
  expect(byId.html).toContain('王芳 Wang Fang');
  const nothing = await browser.visit(`${server.url}/admin/users?q=zzzz-nobody`);
  expect(nothing.html).toContain('No user matches.');
  const short = await browser.visit(`${server.url}/admin/users?q=w`);
  expect(short.status).toBe(400);
  expect(short.html).toContain('Enter at least 2 characters.');

  const page = await browser.visit(`${server.url}/admin/users/${personId}`);
  expect(page.status).toBe(200);
  expect(page.html).toContain('+8613912345678');
  expect(page.html).toContain('Active');
  expect((await browser.visit(`${server.url}/admin/users/not-a-uuid`)).status).toBe(404);
  expect((await browser.visit(`${server.url}/admin/users/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
});

it('disables with a reason, once: the person is signed out, told, and the audit trail has one row', async () => {
  const personBrowser = await personSignsIn();
  const { browser } = await signInStaff(server, admin);
  const page = await browser.visit(`${server.url}/admin/users/${personId}`);

  // No reason: refused with a message, nothing changes.
  const refused = await browser.submit(page, /\/disable$/, { reason: '   ' });
  expect(refused.status).toBe(400);
  expect(refused.html).toContain('Give a reason');
  expect((await server.services.prisma.user.findUniqueOrThrow({ where: { id: personId } })).status).toBe('active');

  // Without the CSRF token: refused before anything else.
  const forged = await browser.visit(`${server.url}/admin/users/${personId}/disable`, { form: { reason: 'forged' } });
  expect(forged.status).toBe(403);

  const done = await browser.submit(page, /\/disable$/, { reason: 'Reported stolen card <b>&</b>' });
  expect(done.url).toContain(`/admin/users/${personId}?done=disable`);
  expect(done.html).toContain('The account is disabled and signed out everywhere.');
  expect(done.html).toContain('Disabled');
  // The same form again (a double click): nothing more happens, and the page says so.
  const again = await browser.submit(page, /\/disable$/, { reason: 'Reported stolen card' });
  expect(again.html).toContain('already disabled');

  const rows = await auditRows('admin.disable');
  expect(rows).toHaveLength(1);
  expect(rows[0]!.userId).toBe(personId);
  expect(rows[0]!.detail).toMatchObject({ reason: 'Reported stolen card <b>&</b>', target: '20240042', actor: 'ops-admin', actorId: admin.id, sessionsEnded: 1 });
  expect(notices.filter((notice) => notice === `${personId}:account_disabled`)).toHaveLength(1);
  // The person's browser is signed out, and a new sign-in is refused.
  const after = await personBrowser.visit(`${server.url}/account`);
  expect(after.url).toContain('/interaction/');
  const blocked = await personBrowser.submit(after, /\/login$/, { login_id: '20240042', password: student.password });
  expect(blocked.html).toContain('This account is disabled');

  const enabled = await browser.submit(await browser.visit(`${server.url}/admin/users/${personId}`), /\/enable$/, { reason: 'Card found' });
  expect(enabled.html).toContain('The account is enabled.');
  expect(await auditRows('admin.enable')).toHaveLength(1);
  expect(notices).toContain(`${personId}:account_enabled`);
});

it('requires a new password at the next sign-in and signs out everywhere', async () => {
  const personBrowser = await personSignsIn();
  const { browser } = await signInStaff(server, admin);
  const page = await browser.visit(`${server.url}/admin/users/${personId}`);
  const done = await browser.submit(page, /\/force-password-reset$/, { reason: 'Password seen on a sticky note' });
  expect(done.html).toContain('must choose a new password');
  expect(done.html).toContain('Must choose a new password at the next sign-in.');
  expect(notices).toContain(`${personId}:password_change_required`);
  const again = await browser.submit(page, /\/force-password-reset$/, { reason: 'twice' });
  expect(again.html).toContain('already required');
  expect(await auditRows('admin.force_password_reset')).toHaveLength(1);

  const login = await personBrowser.visit(`${server.url}/account`);
  expect(login.url).toContain('/interaction/');
  const change = await personBrowser.submit(login, /\/login$/, { login_id: '20240042', password: student.password });
  expect(change.html).toContain('Your administrator asked you to choose a new password');
  // The old password does not count as a new one.
  const same = await personBrowser.submit(change, /\/password$/, { new_password: student.password, confirm_password: student.password });
  expect(same.status).toBe(400);
  expect(same.html).toContain('Choose a password you have not used here before');
  const newPassword = 'Quiet-River-Lantern-58';
  const home = await personBrowser.submit(same, /\/password$/, { new_password: newPassword, confirm_password: newPassword });
  expect(home.url).toBe(`${server.url}/account`);
  // The mark is spent: the person's page no longer says a change is pending.
  const later = await browser.visit(`${server.url}/admin/users/${personId}`);
  expect(later.html).not.toContain('Must choose a new password at the next sign-in.');
  await server.services.prisma.user.update({ where: { id: personId }, data: { passwordHash: (await server.services.prisma.user.findUniqueOrThrow({ where: { username: 'ops-admin' } })).passwordHash } });
});

it('asks a person with a second factor for the new password after the code', async () => {
  const holder = await seedStaff(server, { username: '20240077', roles: [] });
  const { browser } = await signInStaff(server, admin);
  await browser.submit(await browser.visit(`${server.url}/admin/users/${holder.id}`), /\/force-password-reset$/, { reason: 'Phishing victim' });
  const person = new Browser();
  const asked = await person.submit(await person.visit(`${server.url}/account`), /\/login$/, { login_id: holder.username, password: student.password });
  // The password alone changes nothing: the code comes first, then the new password.
  expect(asked.html).toContain('autocomplete="one-time-code"');
  expect(asked.html).not.toContain('new_password');
  let change = await person.submit(asked, /\/mfa$/, { code: await freshCode(server, holder) });
  if (change.html.includes('name="trust"')) change = await person.submit(change, /\/trust$/, { trust: 'no' });
  expect(change.html).toContain('Your administrator asked you to choose a new password');
  const newPassword = 'Amber-Kettle-Orbit-73';
  const done = await person.submit(change, /\/password$/, { new_password: newPassword, confirm_password: newPassword });
  expect(done.url).toBe(`${server.url}/account`);
});

it('signs out everywhere and unbinds a factor, each audited once', async () => {
  const personBrowser = await personSignsIn();
  const { browser } = await signInStaff(server, admin);
  const page = await browser.visit(`${server.url}/admin/users/${personId}`);
  const signedOut = await browser.submit(page, /\/sign-out-everywhere$/, { reason: 'Lost laptop' });
  // This browser and the one left signed in by the password change before.
  expect(signedOut.html).toContain('Signed out of 2 browser(s).');
  expect((await personBrowser.visit(`${server.url}/account`)).url).toContain('/interaction/');
  const nothing = await browser.submit(page, /\/sign-out-everywhere$/, { reason: 'Lost laptop' });
  expect(nothing.html).toContain('was not signed in anywhere');
  expect(await auditRows('admin.sign_out_everywhere')).toHaveLength(1);
  expect(notices).toContain(`${personId}:signed_out_everywhere`);

  await server.services.prisma.user.update({ where: { id: personId }, data: { roles: [] } });
  const factor = await server.services.totp.startEnrollment('20240042');
  const { Secret, TOTP } = await import('otpauth');
  const code = new TOTP({ secret: Secret.fromBase32(factor.secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
  expect(await server.services.totp.confirmEnrollment(personId, factor.secret, code, 'Old phone')).toBe(true);
  const factorId = (await server.services.prisma.factor.findFirstOrThrow({ where: { userId: personId, label: 'Old phone' } })).id;

  const withFactor = await browser.visit(`${server.url}/admin/users/${personId}`);
  expect(withFactor.html).toContain('Old phone');
  const unbound = await browser.submit(withFactor, new RegExp(`/factors/${factorId}/unbind$`), { reason: 'Phone lost, verified by ID card' });
  expect(unbound.html).toContain('The second factor was unbound.');
  expect(unbound.html).not.toContain('Old phone');
  const twice = await browser.submit(withFactor, new RegExp(`/factors/${factorId}/unbind$`), { reason: 'again' });
  expect(twice.html).toContain('already unbound');
  const rows = await auditRows('admin.unbind_factor');
  expect(rows).toHaveLength(1);
  expect(rows[0]!.detail).toMatchObject({ kind: 'totp', factorId, reason: 'Phone lost, verified by ID card' });
  expect(notices).toContain(`${personId}:factor_removed`);
});

async function lockOut() {
  const stranger = new Browser();
  for (let attempt = 0; attempt < 3; attempt++) {
    const login = await stranger.visit(`${server.url}/account`);
    await stranger.submit(login, /\/login$/, { login_id: '20240042', password: 'wrong-password' });
  }
}

it('lets the help desk read and unlock, but not disable; reviewers see no user pages', async () => {
  await lockOut();
  const helpdesk = await seedStaff(server, { username: 'ops-helpdesk', roles: ['helpdesk'] });
  const { browser, page: home } = await signInStaff(server, helpdesk);
  expect(home.html).toContain('href="/admin/users"');
  expect(home.html).not.toContain('href="/admin/audit"');
  const page: Page = await browser.visit(`${server.url}/admin/users/${personId}`);
  expect(page.html).toContain('locked after too many wrong passwords');
  expect(page.html).not.toContain('/disable"');
  expect(page.html).not.toContain('/force-password-reset"');

  // The form is not offered, and posting it anyway is refused.
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  const refused = await browser.visit(`${server.url}/admin/users/${personId}/disable`, { form: { _csrf: csrf, reason: 'I want to' } });
  expect(refused.status).toBe(403);
  expect(refused.html).toContain('Your role does not give access to this page.');
  expect((await server.services.prisma.user.findUniqueOrThrow({ where: { id: personId } })).status).toBe('active');

  const unlocked = await browser.submit(page, /\/unlock$/, { reason: 'Called the help desk, identity checked' });
  expect(unlocked.html).toContain('The sign-in lockout was cleared.');
  expect(unlocked.html).toContain('Not locked.');
  const twice = await browser.submit(page, /\/unlock$/, { reason: 'again' });
  expect(twice.html).toContain('were not locked');
  const rows = await auditRows('admin.unlock');
  expect(rows).toHaveLength(1);
  expect(rows[0]!.detail).toMatchObject({ actor: 'ops-helpdesk' });
  // The person signs in again.
  const person = new Browser();
  const signedIn = await person.submit(await person.visit(`${server.url}/account`), /\/login$/, { login_id: '20240042', password: student.password });
  expect(signedIn.url).toBe(`${server.url}/account`);

  const reviewer = await seedStaff(server, { username: 'ops-reviewer', roles: ['reviewer'], scopes: [{ kind: 'class', value: 'No.1 School/Grade 7/Class 3' }] });
  const { browser: reviewerBrowser, page: reviewerHome } = await signInStaff(server, reviewer);
  expect(reviewerHome.html).not.toContain('href="/admin/users"');
  expect(reviewerHome.html).toContain('No.1 School/Grade 7/Class 3');
  const denied = await reviewerBrowser.visit(`${server.url}/admin/users?q=2024`);
  expect(denied.status).toBe(403);
  expect(denied.html).not.toContain('20240042');
  expect((await reviewerBrowser.visit(`${server.url}/admin/users/${personId}`)).status).toBe(403);
});

it('refuses to disable the acting administrator themself', async () => {
  const { browser } = await signInStaff(server, admin);
  const page = await browser.visit(`${server.url}/admin/users/${admin.id}`);
  const refused = await browser.submit(page, /\/disable$/, { reason: 'oops' });
  expect(refused.status).toBe(400);
  expect(refused.html).toContain('on your account pages');
  expect((await server.services.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).status).toBe('active');
});

it('answers malformed ids in action paths without a server error', async () => {
  const { browser } = await signInStaff(server, admin);
  const page = await browser.visit(`${server.url}/admin/users/${personId}`);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  for (const q of ['a%00b', '%00%00', '138%0000']) expect((await browser.visit(`${server.url}/admin/users?q=${q}`)).status, q).toBeLessThan(500);
  // A NUL in the reason must not let the action happen and then fail on the audit row.
  const other = await seedStudent(server.services.prisma, { username: '20240099', cardNumber: 'P99', email: 'p99@example.edu' });
  const disabled = await browser.request(`${server.url}/admin/users/${other.id}/disable`, { form: { _csrf: token, reason: 'left\u0000 school' } });
  expect(disabled.status).toBe(303);
  await disabled.arrayBuffer();
  const row = await server.services.prisma.authEvent.findFirstOrThrow({ where: { type: 'admin.disable', userId: other.id } });
  expect(row.detail).toMatchObject({ reason: 'left school' });
  for (const bad of ['-'.repeat(36), 'a'.repeat(36), `${'0'.repeat(8)}-0000-0000-0000-00000000000g`]) {
    for (const path of [`factors/${bad}/unbind`, `identities/${bad}/unbind`]) {
      const response = await browser.request(`${server.url}/admin/users/${personId}/${path}`, { form: { _csrf: token, reason: 'probe' } });
      expect(response.status, path).toBeLessThan(500);
      await response.arrayBuffer();
    }
  }
});
