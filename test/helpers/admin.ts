// Staff for admin-console tests: a seeded person with staff roles (and reviewer scopes), an authenticator app
// bound, and a cookie-keeping browser signed in to /admin with password + TOTP code.
import { Secret, TOTP } from 'otpauth';
import { Browser, type Page } from './browser.ts';
import type { TestServer } from './test-server.ts';
import { seedStudent, student } from './users.ts';

export interface SeededStaff {
  id: string;
  username: string;
  totp?: TOTP;
}

export async function seedStaff(
  server: TestServer,
  options: { username: string; roles: string[]; scopes?: { kind: 'class' | 'department'; value: string }[]; totp?: boolean; displayName?: string },
): Promise<SeededStaff> {
  const { prisma, totp: service } = server.services;
  const user = await seedStudent(prisma, { username: options.username, cardNumber: `card-${options.username}`, email: `${options.username}@example.edu`, displayName: options.displayName ?? `Staff ${options.username}` });
  await prisma.user.update({ where: { id: user.id }, data: { roles: options.roles, type: 'staff' } });
  for (const scope of options.scopes ?? []) await prisma.reviewerScope.create({ data: { userId: user.id, ...scope } });
  if (options.totp === false) return { id: user.id, username: options.username };
  const { secret } = await service.startEnrollment(options.username);
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  if (!(await service.confirmEnrollment(user.id, secret, totp.generate({ timestamp: Date.now() - 30_000 }), 'Phone'))) throw new Error('TOTP enrolment failed');
  return { id: user.id, username: options.username, totp };
}

/** A code the server accepts now: the factor's "last used step" is cleared first, so tests may sign in often. */
export async function freshCode(server: TestServer, staff: SeededStaff): Promise<string> {
  if (!staff.totp) throw new Error(`${staff.username} has no authenticator app`);
  await server.services.prisma.factor.updateMany({ where: { userId: staff.id }, data: { lastUsedStep: null } });
  return staff.totp.generate();
}

/** Opens `path` signed out, signs in with password (and code when asked), declines "trust this browser". */
export async function signInStaff(server: TestServer, staff: SeededStaff, path = '/admin', browser = new Browser()): Promise<{ browser: Browser; page: Page }> {
  const login = await browser.visit(`${server.url}${path}`);
  let page = await browser.submit(login, /\/login$/, { login_id: staff.username, password: student.password });
  if (page.html.includes('autocomplete="one-time-code"')) {
    page = await browser.submit(page, /\/mfa$/, { code: await freshCode(server, staff) });
    if (page.html.includes('name="trust"')) page = await browser.submit(page, /\/trust$/, { trust: 'no' });
  }
  return { browser, page };
}

/** Submits the form whose action matches, with a reason. */
export function act(browser: Browser, page: Page, action: RegExp, reason: string, extra: Record<string, string> = {}): Promise<Page> {
  return browser.submit(page, action, { reason, ...extra });
}
