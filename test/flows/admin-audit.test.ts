// The admin console's audit trail (filters, paging, bad input, CSV export with escaping and the formula guard),
// the read-only clients page with its validation status, and the nav's link to the development outbox.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent } from '../helpers/users.ts';
import { seedStaff, signInStaff, type SeededStaff } from '../helpers/admin.ts';

let server: TestServer;
let admin: SeededStaff;
let browser: Browser;
let personId: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await seedStaff(server, { username: 'audit-admin', roles: ['admin'] });
  personId = (await seedStudent(server.services.prisma, { username: '20250007', cardNumber: 'A7', email: 'a7@example.edu' })).id;
  ({ browser } = await signInStaff(server, admin));
  // Sixty old events of one type, one a minute, for paging and date filters.
  await server.services.prisma.authEvent.createMany({
    data: Array.from({ length: 60 }, (_, index) => ({ type: 'test.paging', userId: personId, ip: '10.1.1.1', detail: { n: index }, createdAt: new Date(Date.UTC(2026, 0, 15, 8, index)) })),
  });
});
afterAll(async () => server?.destroy());

it('records an admin action, finds it by type prefix and person, and exports it as escaped CSV', async () => {
  const page = await browser.visit(`${server.url}/admin/users/${personId}`);
  const reason = '=HYPERLINK("http://evil.example","click"), with "quotes"\nand a new line';
  const done = await browser.submit(page, /\/disable$/, { reason });
  expect(done.html).toContain('The account is disabled');

  const trail = await browser.visit(`${server.url}/admin/audit?type=admin.&user=20250007`);
  expect(trail.status).toBe(200);
  expect(trail.html).toContain('admin.disable');
  expect(trail.html).toContain('=HYPERLINK(&quot;http://evil.example&quot;');
  expect(trail.html).not.toContain('test.paging');
  // The acting administrator finds it too (as actor).
  expect((await browser.visit(`${server.url}/admin/audit?type=admin.disable&user=audit-admin`)).html).toContain('20250007');

  const response = await browser.request(`${server.url}/admin/audit.csv?type=admin.&user=20250007`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const csv = (await response.text()).replace(/^\uFEFF/, '');
  const lines = csv.split('\r\n');
  expect(lines[0]).toBe('time,type,login_id,user_id,ip,reason,actor,target,detail,user_agent');
  // One event: the header, the row (its reason holds a newline inside quotes), and the final empty string.
  expect(lines).toHaveLength(3);
  expect(lines[1]).toContain(`,admin.disable,20250007,${personId},`);
  expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""click""), with ""quotes""\nand a new line",audit-admin,20250007,`);
});

it('pages through events, filters by dates, and explains bad filters', async () => {
  const first = await browser.visit(`${server.url}/admin/audit?type=test.paging`);
  expect(first.html.match(/<code>test\.paging<\/code>/g)).toHaveLength(50);
  expect(first.html).toContain('rel="next"');
  const second = await browser.visit(`${server.url}/admin/audit?type=test.paging&page=2`);
  expect(second.html.match(/<code>test\.paging<\/code>/g)).toHaveLength(10);
  expect(second.html).toContain('rel="prev"');
  expect(second.html).not.toContain('rel="next"');
  // Newest first: page 2 ends with the oldest event (08:00).
  expect(second.html).toContain('2026-01-15 08:00 UTC');

  const inRange = await browser.visit(`${server.url}/admin/audit?type=test.paging&from=2026-01-15&to=2026-01-15`);
  expect(inRange.html.match(/<code>test\.paging<\/code>/g)).toHaveLength(50);
  const outside = await browser.visit(`${server.url}/admin/audit?type=test.paging&from=2026-01-16`);
  expect(outside.html).toContain('No event matches.');

  const bad = await browser.visit(`${server.url}/admin/audit?from=2026-02-30&type=${encodeURIComponent('<script>')}&user=nobody-here`);
  expect(bad.status).toBe(400);
  expect(bad.html).toContain('Dates are written YYYY-MM-DD.');
  expect(bad.html).toContain('Event types are lower-case words');
  expect(bad.html).toContain('No user has this login ID.');
  expect(bad.html).not.toContain('<script>');
  expect((await browser.request(`${server.url}/admin/audit.csv?from=yesterday`)).status).toBe(400);
});

it('shows clients.json read-only with its validation status', async () => {
  const ok = await browser.visit(`${server.url}/admin/clients`);
  expect(ok.status).toBe(200);
  expect(ok.html).toContain('id="clients-status" class="status-valid"');
  expect(ok.html).toContain('<code>web-app</code>');
  expect(ok.html).not.toContain('web-app-secret');

  const file = server.env.CLIENTS_FILE!;
  const original = readFileSync(file, 'utf8');
  const broken = JSON.parse(original) as { oidc: Record<string, unknown>[] };
  broken.oidc[0]!.client_secret = 'inline-secret-that-must-not-be-here';
  writeFileSync(file, JSON.stringify(broken));
  try {
    const invalid = await browser.visit(`${server.url}/admin/clients`);
    expect(invalid.html).toContain('Not valid');
    expect(invalid.html).toContain('secrets must not be written in this file');
  } finally {
    writeFileSync(file, original);
  }
});

it('links the development outbox for administrators, and keeps the audit trail and clients from other roles', async () => {
  const home = await browser.visit(`${server.url}/admin`);
  expect(home.html).toContain('href="/account/outbox"');
  expect(home.html).toContain('href="/admin/audit"');
  expect(home.html).toContain('href="/admin/clients"');

  const helpdesk = await seedStaff(server, { username: 'audit-helpdesk', roles: ['helpdesk'] });
  const { browser: other, page } = await signInStaff(server, helpdesk);
  expect(page.html).not.toContain('href="/account/outbox"');
  expect(page.html).not.toContain('href="/admin/audit"');
  expect((await other.visit(`${server.url}/admin/audit`)).status).toBe(403);
  expect((await other.request(`${server.url}/admin/audit.csv`)).status).toBe(403);
  expect((await other.visit(`${server.url}/admin/clients`)).status).toBe(403);
});

it('answers extreme dates, pages and repeated parameters with a page, never a server error', async () => {
  for (const query of ['user=a%00b', 'type=admin.%00', 'to=9999-12-31', 'from=9999-12-31', 'from=0000-01-01', 'to=0001-01-01', 'page=99999999999999', 'page=-5', 'type=a&type=b', 'user=a&user=b', 'from=2026-01-01&from=2026-01-02']) {
    const page = await browser.visit(`${server.url}/admin/audit?${query}`);
    expect(page.status, query).toBeLessThan(500);
    expect((await browser.request(`${server.url}/admin/audit.csv?${query}`)).status, query).toBeLessThan(500);
  }
});
