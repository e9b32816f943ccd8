// Identity verification against the registry, over real HTTP: a submission that matches the registry is verified at
// once (guardian texted); a mismatch waits for the reviewer of that class, who returns it with a note (guardian
// texted, person reads the note), the person resubmits, the reviewer approves (texted again); a reviewer of another
// class neither sees nor decides it; a repeated decision does nothing twice; correcting a key field re-enters review;
// the campus_identity scope carries the verified status and class to a real OIDC client, and nothing without it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';
import { importRegistryFromCsv } from '../../src/services/registry-import.ts';
import { checkCharacter, createIdNumberHasher } from '../../src/services/national-id.ts';
import { identityResultLabel } from '../../src/services/identity-notices.ts';
import { Browser, type Page } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { seedStaff, signInStaff } from '../helpers/admin.ts';

const registryKey = randomBytes(32);
const idNumber = (first17: string) => first17 + checkCharacter(first17);
const zhang = { name: '张三', id: idNumber('11010520100315002'), phone: '13800000001' };
const li = { name: '李四', id: idNumber('11010520100722001'), phone: '13800000002' };
const school = '第一中学';
let server: TestServer;
const outbox = () => (server.services.sms as MemorySms).messages();
const textsTo = (phone: string) => outbox().filter((message) => message.phone === `+86${phone}`).map((message) => (message.template === 'security_notice' ? message.params.event : ''));

beforeAll(async () => {
  server = await startTestServer({ REGISTRY_KEY: registryKey.toString('base64'), DEFAULT_LOCALE: 'zh-CN' });
  const report = await importRegistryFromCsv(server.services.prisma, createIdNumberHasher(registryKey), [
    'name,id_number,school,grade,class,enrolment_year,guardian_phone',
    `${zhang.name},${zhang.id},${school},七年级,3班,2023,${zhang.phone}`,
    `${li.name},${li.id.toLowerCase()},${school},七年级,3班,2023,${li.phone}`,
  ].join('\n'));
  expect(report.errors).toEqual([]);
});
afterAll(async () => server?.destroy());

async function signedInArchive(username: string): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser('en');
  const login = await browser.visit(`${server.url}/account/identity`);
  const page = await browser.submit(login, /\/login$/, { login_id: username, password: student.password });
  expect(page.url).toBe(`${server.url}/account/identity`);
  return { browser, page };
}

const fields = (person: { name: string; id: string; phone: string }, overrides: Record<string, string> = {}) => ({
  name: person.name, id_number: person.id, school, grade: '七年级', class: '3班', enrolment_year: '2023', guardian_name: '家长', guardian_phone: person.phone, ...overrides,
});

const statusOf = (page: Page) => /id="identity-status" data-status="(\w+)"/.exec(page.html)?.[1];

describe('identity verification', () => {
  it('verifies a submission that matches the registry at once and texts the guardian', async () => {
    await seedStudent(server.services.prisma, { username: 'pupil-zhang', cardNumber: 'PZ', email: 'pz@example.edu', displayName: zhang.name });
    const { browser, page } = await signedInArchive('pupil-zhang');
    expect(page.html).toContain('id="no-record"');
    // Bad input first: a mistyped ID number and year are named, in the person's language, and nothing is saved.
    const bad = await browser.submit(page, /\/account\/identity$/, fields(zhang, { id_number: `${zhang.id.slice(0, 17)}${zhang.id.endsWith('1') ? '2' : '1'}`, enrolment_year: '23' }));
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('its last character does not fit');
    expect(bad.html).toContain('Enter a four-digit year');
    expect(await server.services.prisma.identityRecord.count()).toBe(0);

    const done = await browser.submit(page, /\/account\/identity$/, fields(zhang, { id_number: ` ${zhang.id.toLowerCase()} ` }));
    expect(done.url).toContain('done=verified');
    expect(statusOf(done)).toBe('verified');
    expect(done.html).toContain('matched the school registry');
    expect(done.html).toContain(`…${zhang.id.slice(-4)}`);
    expect(done.html).not.toContain(zhang.id);
    expect(textsTo(zhang.phone)).toEqual([identityResultLabel('verified', 'zh-CN')]);
  });

  it('sends a mismatch to the reviewer of that class only: returned with a note, resubmitted, approved', async () => {
    const prisma = server.services.prisma;
    await seedStudent(prisma, { username: 'pupil-li', cardNumber: 'PL', email: 'pl@example.edu', displayName: '李斯' });
    const reviewer = await seedStaff(server, { username: 'reviewer-3', roles: ['reviewer'], scopes: [{ kind: 'class', value: `${school}/七年级/3班` }] });
    const other = await seedStaff(server, { username: 'reviewer-4', roles: ['reviewer'], scopes: [{ kind: 'class', value: `${school}/七年级/4班` }] });

    const person = await signedInArchive('pupil-li');
    const sent = await person.browser.submit(person.page, /\/account\/identity$/, fields(li, { name: '李斯' }));
    expect(sent.url).toContain('done=pending');
    expect(statusOf(sent)).toBe('pending');
    expect(textsTo(li.phone)).toEqual([]);

    // The reviewer of another class sees nothing and cannot decide it.
    const stranger = await signInStaff(server, other, '/admin/identity');
    expect(stranger.page.status).toBe(200);
    expect(stranger.page.html).toContain('id="queue-empty"');
    expect(stranger.page.html).not.toContain('pupil-li');
    const record = await prisma.identityRecord.findUniqueOrThrow({ where: { userId: (await prisma.user.findUniqueOrThrow({ where: { username: 'pupil-li' } })).id } });
    const reviewerView = await signInStaff(server, reviewer, '/admin/identity');
    expect(reviewerView.page.html).toContain('pupil-li');
    expect(reviewerView.page.html).toContain('registry has “李四”');
    // A valid form token of the stranger's own (their queue is empty, so take one from their archive page).
    const token = /name="_csrf" value="([^"]+)"/.exec((await stranger.browser.visit(`${server.url}/account/identity`)).html)?.[1] ?? '';
    const forged = await stranger.browser.request(`${server.url}/admin/identity/${record.id}/decide`, {
      form: { _csrf: token, revision: String(record.revision), decision: 'approve', reason: 'looks fine' },
    });
    expect(forged.status).toBe(404);
    await forged.arrayBuffer();
    expect((await prisma.identityRecord.findUniqueOrThrow({ where: { id: record.id } })).status).toBe('pending');

    // Returned with a note; a second click on the same form changes nothing and texts nobody again.
    const returned = await reviewerView.browser.submit(reviewerView.page, new RegExp(`/admin/identity/${record.id}/decide$`), { decision: 'return', reason: '姓名与学籍不一致，请核对' });
    expect(returned.url).toContain('done=done');
    const again = await reviewerView.browser.submit(reviewerView.page, new RegExp(`/admin/identity/${record.id}/decide$`), { decision: 'return', reason: '姓名与学籍不一致，请核对' });
    expect(again.url).toContain('done=stale');
    expect(textsTo(li.phone)).toEqual([identityResultLabel('returned', 'zh-CN')]);

    const archive = await person.browser.visit(`${server.url}/account/identity`);
    expect(statusOf(archive)).toBe('returned');
    expect(archive.html).toContain('姓名与学籍不一致，请核对');

    // The person resubmits (the name is right: the registry is wrong); the ID number is kept when left blank.
    const resent = await person.browser.submit(archive, /\/account\/identity$/, fields(li, { name: '李斯', id_number: '' }));
    expect(resent.url).toContain('done=pending');
    const queue = await reviewerView.browser.visit(`${server.url}/admin/identity`);
    const approved = await reviewerView.browser.submit(queue, new RegExp(`/admin/identity/${record.id}/decide$`), { decision: 'approve', reason: '已核对户口簿，学籍库待更正' });
    expect(approved.url).toContain('done=done');
    expect(textsTo(li.phone)).toEqual([identityResultLabel('returned', 'zh-CN'), identityResultLabel('verified', 'zh-CN')]);
    const verified = await person.browser.visit(`${server.url}/account/identity`);
    expect(statusOf(verified)).toBe('verified');
    expect(verified.html).toContain('checked by a reviewer');

    // Correcting a key field re-enters review, now in the other reviewer's queue.
    const moved = await person.browser.submit(verified, /\/account\/identity$/, fields(li, { name: '李斯', id_number: '', class: '4班' }));
    expect(moved.url).toContain('done=pending');
    expect((await stranger.browser.visit(`${server.url}/admin/identity`)).html).toContain('pupil-li');
    expect((await reviewerView.browser.visit(`${server.url}/admin/identity`)).html).not.toContain('pupil-li');

    const steps = await prisma.authEvent.findMany({ where: { userId: record.userId, type: { startsWith: 'identity.' } }, orderBy: { createdAt: 'asc' } });
    expect(steps.map((step) => step.type)).toEqual([
      'identity.submitted', 'identity.pending', 'identity.returned', 'identity.resubmitted', 'identity.pending', 'identity.approved', 'identity.corrected', 'identity.pending',
    ]);
    expect(JSON.stringify(steps)).not.toContain(li.id);
  });

  it('never lets a reviewer see or approve their own record, even in their own class', async () => {
    const prisma = server.services.prisma;
    const reviewer = await seedStaff(server, { username: 'reviewer-self', roles: ['reviewer'], scopes: [{ kind: 'class', value: `${school}/七年级/6班` }] });
    const { browser, page } = await signInStaff(server, reviewer, '/account/identity');
    const own = { name: '赵六', id: idNumber('11010520100505006'), phone: '13800000006' };
    const sent = await browser.submit(page, /\/account\/identity$/, fields(own, { class: '6班' }));
    expect(statusOf(sent)).toBe('pending');
    const record = await prisma.identityRecord.findUniqueOrThrow({ where: { userId: reviewer.id } });
    const queue = await browser.visit(`${server.url}/admin/identity`);
    expect(queue.status).toBe(200);
    expect(queue.html).not.toContain(`record-${record.id}`);
    // The queue has no form to take a token from: take one from the archive page.
    const token = /name="_csrf" value="([^"]+)"/.exec((await browser.visit(`${server.url}/account/identity`)).html)?.[1] ?? '';
    const forged = await browser.request(`${server.url}/admin/identity/${record.id}/decide`, {
      form: { _csrf: token, revision: String(record.revision), decision: 'approve', reason: 'it is me' },
    });
    expect(forged.status).toBe(404);
    await forged.arrayBuffer();
    expect((await prisma.identityRecord.findUniqueOrThrow({ where: { id: record.id } })).status).toBe('pending');
    // Malformed record ids are "not found", never a server error.
    for (const bad of ['-'.repeat(36), 'a'.repeat(36)]) {
      const response = await browser.request(`${server.url}/admin/identity/${bad}/decide`, { form: { _csrf: token, revision: '1', decision: 'approve', reason: 'probe' } });
      expect(response.status, bad).toBe(404);
      await response.arrayBuffer();
    }
  });

  it('keeps control characters (a NUL from a pasted form) out of the record instead of failing', async () => {
    await seedStudent(server.services.prisma, { username: 'pupil-nul', cardNumber: 'PN', email: 'pn@example.edu', displayName: '孙七' });
    const { browser, page } = await signedInArchive('pupil-nul');
    const sent = await browser.submit(page, /\/account\/identity$/, fields(li, { name: '孙\u0000七', school: `${school}\u0007`, guardian_name: '家\u0000长', id_number: idNumber('11010520100101007') }));
    expect(sent.status).toBe(200);
    expect(statusOf(sent)).toBe('pending');
    const stored = await server.services.prisma.identityRecord.findFirstOrThrow({ where: { user: { username: 'pupil-nul' } } });
    expect(stored).toMatchObject({ name: '孙七', school, guardianName: '家长' });
  });

  it('limits submissions per person, so the registry match cannot be used to guess ID numbers', async () => {
    await seedStudent(server.services.prisma, { username: 'pupil-guess', cardNumber: 'PG', email: 'pg@example.edu', displayName: '王五' });
    const { browser, page } = await signedInArchive('pupil-guess');
    for (let attempt = 0; attempt < 10; attempt++) {
      const tried = await browser.submit(page, /\/account\/identity$/, fields(li, { name: '王五', id_number: idNumber(`1101052010072${String(attempt).padStart(4, '0')}`) }));
      expect(tried.status).toBe(200);
    }
    const refused = await browser.submit(page, /\/account\/identity$/, fields(li, { name: '王五', id_number: li.id }));
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('Too many changes in the last hour');
    const stored = await server.services.prisma.identityRecord.findFirstOrThrow({ where: { user: { username: 'pupil-guess' } } });
    expect(stored.idNumberHash).not.toBe(createIdNumberHasher(registryKey).hash(li.id));
  });

  it('imports the registry from an upload on /admin/registry for administrators only, all or nothing', async () => {
    const admin = await seedStaff(server, { username: 'registry-admin', roles: ['admin'] });
    const { browser, page } = await signInStaff(server, admin, '/admin/registry');
    expect(page.html).toContain('enctype="multipart/form-data"');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
    const upload = async (content: string | Uint8Array<ArrayBuffer>, reason = 'new school year', language = 'en') => {
      const form = new FormData();
      form.set('_csrf', token);
      form.set('reason', reason);
      form.set('file', new Blob([content]), '../../etc/registry.csv');
      const url = `${server.url}/admin/registry`;
      const response = await fetch(url, { method: 'POST', body: form, headers: { cookie: browser.cookieHeaderFor(new URL(url)), 'accept-language': language }, redirect: 'manual' });
      return { status: response.status, html: await response.text() };
    };
    const count = () => server.services.prisma.registryRecord.count();
    const before = await count();
    const wang = idNumber('11010520100101003');
    const bad = await upload(`name,id_number,school,grade,class,enrolment_year,guardian_phone\n王六,${wang},${school},七年级,5班,2023,13800000009\n错,${wang.slice(0, 17)}${wang.endsWith('0') ? '1' : '0'},${school},七年级,5班,2023,13800000009\n`);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Line 3 · National ID number: This ID number is not valid');
    expect(await count()).toBe(before);
    // Problems of the file itself are worded in the page's language, never in the CLI's English.
    const header = await upload(`nom,id_number,school,grade,class,enrolment_year,guardian_phone\n王六,${wang},${school},七年级,5班,2023,13800000009\n`, 'new school year', 'zh-CN');
    expect(header.status).toBe(400);
    expect(header.html).toContain('未知的列“nom”');
    expect(header.html).toContain('缺少列“name”');
    expect(header.html).not.toContain('unknown column');
    const quoted = await upload(`name,id_number,school,grade,class,enrolment_year,guardian_phone\n王六,${wang}",${school},七年级,5班,2023,13800000009\n`, 'new school year', 'zh-CN');
    expect(quoted.status).toBe(400);
    expect(quoted.html).toContain('这不是有效的 CSV');
    expect(quoted.html).not.toContain(wang.slice(0, 17));
    expect(await count()).toBe(before);
    const binary = await upload(new Uint8Array([0xff, 0xfe, 0x00, 0x41]));
    expect(binary.status).toBe(400);
    expect(binary.html).toContain('not a UTF-8 text file');
    const good = await upload(`name,id_number,school,grade,class,enrolment_year,guardian_phone\n王六,${wang},${school},七年级,5班,2023,13800000009\n`);
    expect(good.status).toBe(200);
    expect(good.html).toContain('Imported 1 rows: 1 new, 0 updated.');
    expect(await count()).toBe(before + 1);
    const audited = await server.services.prisma.authEvent.findFirstOrThrow({ where: { type: 'admin.registry.import' } });
    expect(audited.detail).toMatchObject({ reason: 'new school year', created: 1 });

    const reviewer = await seedStaff(server, { username: 'registry-reviewer', roles: ['reviewer'] });
    const refused = await signInStaff(server, reviewer, '/admin/registry');
    expect(refused.page.status).toBe(403);
  });

  it('gives the campus_identity claims to a client that asks for the scope, and nothing without it', async () => {
    const webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
    const signIn = async (scope: string) => {
      const browser = new Browser();
      const started = await webApp.authorize(browser, { scope });
      const done = await submitLogin(browser, started.page, 'pupil-zhang', student.password, redirectUri);
      const tokens = await webApp.callback(done.url, started);
      return { tokens, userinfo: await fetchUserInfo(tokens.access_token, tokens.claims()?.sub ?? '') };
    };
    const fetchUserInfo = async (accessToken: string, sub: string) => {
      const { fetchUserInfo: fetch } = await import('openid-client');
      return fetch(webApp.config, accessToken, sub);
    };
    const withScope = await signIn('openid campus_identity');
    expect(withScope.tokens.claims()).toMatchObject({ identity_verified: true, school, grade: '七年级', class: '3班', enrolment_year: 2023 });
    expect(withScope.userinfo).toMatchObject({ identity_verified: true, class: '3班' });
    const hash = createIdNumberHasher(registryKey).hash(zhang.id);
    for (const text of [JSON.stringify(withScope.tokens.claims()), JSON.stringify(withScope.userinfo)]) {
      expect(text).not.toContain(zhang.id);
      expect(text).not.toContain(hash);
      expect(text).not.toContain(zhang.id.slice(-4));
    }
    const without = await signIn('openid profile');
    expect(without.tokens.claims()).not.toHaveProperty('identity_verified');
    expect(without.userinfo).not.toHaveProperty('identity_verified');
    expect(without.userinfo).not.toHaveProperty('class');
  });
});
