// Regression tests for the security review of CAS REST: an app password's TGT gets service tickets only for
// services flagged "appPasswords" (legacy mail), marked amr "app"; a person whose type needs a second factor
// (MFA_REQUIRED_USER_TYPES) gets no service ticket for a password alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTicket } from '../helpers/cas.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { createAppPasswords } from '../../src/services/app-passwords.ts';

const mail = 'https://mail.example.edu/cas-login';
const library = 'https://library.example.edu/login';
const staff = { username: 'T0001', password: 'Staff-Long-Password-42', cardNumber: 'C90000001', email: 'staff@example.edu' };
let server: TestServer;
let studentAppPassword: string;
let staffAppPassword: string;

beforeAll(async () => {
  server = await startTestServer({ CAS_TICKET_TTL: '30', MFA_REQUIRED_USER_TYPES: 'staff' }, {
    cas: [
      { id: 'webmail', service: mail, attributes: ['uid'], appPasswords: true },
      { id: 'library', service: library, attributes: ['uid'] },
    ],
  });
  const appPasswords = createAppPasswords(server.services.prisma);
  const studentId = (await seedStudent(server.services.prisma)).id;
  const staffId = (await seedStudent(server.services.prisma, staff)).id;
  await server.services.prisma.user.update({ where: { id: staffId }, data: { type: 'staff' } });
  studentAppPassword = (await appPasswords.create(studentId, 'Mail')).password;
  staffAppPassword = (await appPasswords.create(staffId, 'Mail')).password;
});
afterAll(async () => server?.destroy());

const rest = async (path: string, form: Record<string, string>) => {
  const response = await fetch(`${server.url}/cas/v1/tickets${path}`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
};

async function grantingTicket(username: string, password: string): Promise<string> {
  const created = await rest('', { username, password });
  expect(created.status).toBe(201);
  return created.location!.split('/').pop()!;
}

const amrOf = async (service: string, ticket: string) =>
  [...(await validateTicket(server.url, '/cas/p3/serviceValidate', { service, ticket })).body.matchAll(/<cas:amr>([^<]*)<\/cas:amr>/g)].map((match) => match[1]);

describe('CAS REST with an app password', () => {
  it('gets a ticket for a service flagged for app passwords, marked amr "app"', async () => {
    const tgt = await grantingTicket(student.username, studentAppPassword);
    const st = await rest(`/${tgt}`, { service: mail });
    expect(st.status).toBe(200);
    expect(await amrOf(mail, st.body)).toEqual(['app']);
  });

  it('is refused for any other service, with the answer a wrong password gets', async () => {
    const wrongPassword = await rest('', { username: student.username, password: 'not-the-password' });
    const tgt = await grantingTicket(student.username, studentAppPassword);
    const refused = await rest(`/${tgt}`, { service: library });
    expect(refused.status).toBe(401);
    expect({ status: refused.status, body: refused.body }).toEqual({ status: wrongPassword.status, body: wrongPassword.body });
    expect(refused.body).not.toMatch(/ST-/);
  });

  it('the password itself still gets tickets for both, marked amr "pwd"', async () => {
    const tgt = await grantingTicket(student.username, student.password);
    for (const service of [mail, library]) {
      const st = await rest(`/${tgt}`, { service });
      expect(st.status).toBe(200);
      expect(await amrOf(service, st.body)).toEqual(['pwd']);
    }
  });
});

describe('CAS REST for a person whose type needs a second factor', () => {
  it('gives no service ticket for a password alone', async () => {
    const tgt = await grantingTicket(staff.username, staff.password);
    for (const service of [mail, library]) {
      const refused = await rest(`/${tgt}`, { service });
      expect(refused.status).toBe(403);
      expect(refused.body).not.toMatch(/ST-/);
      expect(refused.body).toContain('second factor');
    }
  });

  it('still lets their app password reach the mail service it is meant for', async () => {
    const tgt = await grantingTicket(staff.username, staffAppPassword);
    const st = await rest(`/${tgt}`, { service: mail });
    expect(st.status).toBe(200);
    expect(await amrOf(mail, st.body)).toEqual(['app']);
  });
});
