// Self-registration (SELF_REGISTRATION=on) over real HTTP: the guardian's phone is proven by a texted code after a
// captcha; the login ID must start with a letter, not look like a phone and be free; the password meets the
// policy; the account and its identity record appear together (verified at once when the registry matches);
// starts are limited per IP; with the setting off there is no /register at all.
import { randomBytes } from 'node:crypto';
import { solveChallenge } from 'altcha-lib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';
import { importRegistryFromCsv } from '../../src/services/registry-import.ts';
import { checkCharacter, createIdNumberHasher } from '../../src/services/national-id.ts';
import { Browser, type Page } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent } from '../helpers/users.ts';

const registryKey = randomBytes(32);
const pupil = { name: '赵小红', id: '44030420120506002' + checkCharacter('44030420120506002'), phone: '13900000007' };
const password = 'Lantern-Orchard-73';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ SELF_REGISTRATION: 'on', SELF_REGISTRATION_LIMIT_PER_IP: '4', CAPTCHA_MAX_NUMBER: '1000', REGISTRY_KEY: registryKey.toString('base64') });
  await importRegistryFromCsv(server.services.prisma, createIdNumberHasher(registryKey), `name,id_number,school,grade,class,enrolment_year,guardian_phone\n${pupil.name},${pupil.id},实验小学,一年级,1班,2025,${pupil.phone}\n`);
});
afterAll(async () => server?.destroy());

async function solveCaptcha(): Promise<string> {
  const challenge = (await (await fetch(`${server.url}/register/challenge`)).json()) as { algorithm: string; challenge: string; maxnumber: number; salt: string; signature: string };
  const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
  return Buffer.from(JSON.stringify({ algorithm: challenge.algorithm, challenge: challenge.challenge, number: solution!.number, salt: challenge.salt, signature: challenge.signature })).toString('base64');
}

const lastCode = (phone: string) => {
  const message = (server.services.sms as MemorySms).messages().filter((entry) => entry.phone === `+86${phone}`).at(-1);
  return message?.template === 'verification_code' ? message.params.code : undefined;
};

const details = (overrides: Record<string, string> = {}) => ({
  login_id: 'xiaohong.zhao', new_password: password, confirm_password: password, name: pupil.name, id_number: pupil.id, school: '实验小学', grade: '一年级',
  class: '1班', enrolment_year: '2025', guardian_name: '赵大山', ...overrides,
});

async function started(browser: Browser, phone: string): Promise<Page> {
  const start = await browser.visit(`${server.url}/register`);
  return browser.submit(start, /\/register\/start$/, { guardian_phone: phone, altcha: await solveCaptcha() });
}

it('creates the account and a verified identity record once the guardian code and every field are right', async () => {
  const browser = new Browser();
  const start = await browser.visit(`${server.url}/register`);
  expect(start.status).toBe(200);
  const noCaptcha = await browser.submit(start, /\/register\/start$/, { guardian_phone: pupil.phone });
  expect(noCaptcha.status).toBe(400);
  expect(noCaptcha.html).toContain('I am not a robot');
  expect(lastCode(pupil.phone)).toBeUndefined();

  const form = await started(browser, pupil.phone);
  expect(form.html).toContain('139****0007');
  const code = lastCode(pupil.phone);
  expect(code).toMatch(/^\d{6}$/);

  // Each problem is named; the code is not spent on a form that is refused.
  const phoneLike = await browser.submit(form, /\/register$/, details({ code: code!, login_id: 'a13812345678' }));
  expect(phoneLike.status).toBe(400);
  expect(phoneLike.html).toContain('must not look like a phone number');
  const weak = await browser.submit(form, /\/register$/, details({ code: code!, new_password: 'password', confirm_password: 'password', id_number: pupil.id.slice(0, 17) }));
  expect(weak.status).toBe(400);
  expect(weak.html).toContain('id="new-password-error" class="alert" role="alert">');
  expect(weak.html).toContain('Enter the 18-character ID number');
  const wrongCode = await browser.submit(form, /\/register$/, details({ code: code === '000000' ? '111111' : '000000' }));
  expect(wrongCode.status).toBe(400);
  expect(wrongCode.html).toContain('The code is not right');
  expect(await server.services.prisma.user.count({ where: { username: 'xiaohong.zhao' } })).toBe(0);

  const done = await browser.submit(form, /\/register$/, details({ code: code! }));
  expect(done.status).toBe(200);
  expect(done.html).toContain('Your account xiaohong.zhao is ready');
  expect(done.html).toContain('matches the school registry and is verified');
  const user = await server.services.prisma.user.findUniqueOrThrow({ where: { username: 'xiaohong.zhao' }, include: { identityRecord: true } });
  expect(user).toMatchObject({ type: 'student', status: 'active', displayName: pupil.name });
  expect(user.identityRecord).toMatchObject({ status: 'verified', verifiedBy: 'registry', guardianPhone: `+86${pupil.phone}` });
  expect(user.identityRecord?.guardianVerifiedAt).toBeInstanceOf(Date);

  // The new account signs in and sees its archive.
  const pupilBrowser = new Browser();
  const archive = await pupilBrowser.visit(`${server.url}/account/identity`);
  const signedIn = await pupilBrowser.submit(archive, /\/login$/, { login_id: 'xiaohong.zhao', password });
  expect(signedIn.url).toBe(`${server.url}/account/identity`);
  expect(signedIn.html).toContain('data-status="verified"');
});

it('refuses a login ID that is taken and limits registrations per address', async () => {
  await seedStudent(server.services.prisma, { username: 'taken.name', cardNumber: 'TN1', email: 'tn@example.edu' });
  const browser = new Browser();
  const form = await started(browser, '13900000008');
  const taken = await browser.submit(form, /\/register$/, details({ code: lastCode('13900000008')!, login_id: 'Taken.Name' }));
  expect(taken.status).toBe(400);
  expect(taken.html).toContain('This login ID is taken');

  // Two starts so far from this address; the limit is 4.
  await started(new Browser(), '13900000009');
  await started(new Browser(), '13900000010');
  const limited = await started(new Browser(), '13900000011');
  expect(limited.status).toBe(429);
  expect(limited.html).toContain('Too many registrations');
  expect(lastCode('13900000011')).toBeUndefined();
});

it('creates one account per proven guardian code, even for submissions sent at once', async () => {
  // The previous test used up this address's starts.
  await server.services.store.delete(['register:ip:127.0.0.1', 'register:ip:::ffff:127.0.0.1']);
  const browser = new Browser();
  const form = await started(browser, '13900000012');
  expect(form.status).toBe(200);
  // The guardian's code was right on an earlier try that stopped later (as after a login ID taken meanwhile).
  const registrationId = /campus_register=([^;]+)/.exec(browser.cookieHeaderFor(new URL(`${server.url}/register`)))?.[1] ?? '';
  expect(registrationId).not.toBe('');
  await server.services.store.set(`register:${registrationId}`, JSON.stringify({ phone: '+8613900000012', guardianVerifiedAt: new Date().toISOString() }), 600);
  const token = /name="_csrf" value="([^"]+)"/.exec(form.html)?.[1] ?? '';
  const names = ['race.one', 'race.two', 'race.three', 'race.four'];
  const responses = await Promise.all(names.map((name) => browser.request(`${server.url}/register`, { form: { _csrf: token, ...details({ login_id: name, name: '钱七', id_number: `44030420120101003${checkCharacter('44030420120101003')}` }) } })));
  await Promise.all(responses.map((response) => response.arrayBuffer()));
  expect(await server.services.prisma.user.count({ where: { username: { in: names } } })).toBe(1);
});

it('has no /register while self-registration is off', async () => {
  const off = await startTestServer();
  try {
    const response = await fetch(`${off.url}/register`);
    expect(response.status).toBe(404);
  } finally {
    await off.destroy();
  }
});
