// What operators rely on: /healthz, /readyz naming each store, and /metrics behind its bearer token with
// sign-in and CAS counters that move.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

const token = 'metrics-token-0123456789';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ METRICS_TOKEN: token });
  await seedStudent(server.services.prisma);
});
afterAll(async () => server?.destroy());

it('reports alive and ready, store by store', async () => {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ database: 'ok', store: 'ok' });
});

it('serves metrics only to the token holder, counting sign-ins by result', async () => {
  expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
  expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-value-here' } })).status).toBe(401);

  const app = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  const browser = new Browser();
  const wrong = await app.authorize(browser);
  await submitLogin(browser, wrong.page, student.username, 'not-it-at-all', redirectUri);
  const right = await app.authorize(browser);
  await submitLogin(browser, right.page, student.username, student.password, redirectUri);

  const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toMatch(/campus_idp_sign_ins_total\{result="success"\} 1/);
  expect(text).toMatch(/campus_idp_sign_ins_total\{result="invalid_credentials"\} 1/);
  expect(text).toMatch(/campus_idp_http_request_seconds_count\{route="interaction",status="2xx"\} \d+/);
  expect(text).toContain('process_cpu_seconds_total');
});
