// The provider's machine-to-machine endpoints (/token, introspection, revocation, /me, /jwks) take a short cut
// past our page routers (src/app.ts): they must still get the request id, security headers and metrics, and
// every response a fresh CSP nonce even though nonces come from a pooled buffer.
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as client from 'openid-client';
import { serviceSecret, startTestServer, type TestServer } from '../helpers/test-server.ts';

const metricsToken = 'metrics-token-0123456789';
let server: TestServer;
let service: client.Configuration;

beforeAll(async () => {
  server = await startTestServer({ METRICS_TOKEN: metricsToken });
  service = await client.discovery(new URL(server.url), 'service', { client_secret: serviceSecret }, client.ClientSecretBasic(serviceSecret), {
    execute: [client.allowInsecureRequests],
  });
});
afterAll(async () => server?.destroy());

const basic = `Basic ${Buffer.from(`service:${serviceSecret}`).toString('base64')}`;
const form = { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' };

it('answers token, introspection, revocation and keys with a request id and the security headers', async () => {
  const token = await fetch(`${server.url}/token`, { method: 'POST', headers: form, body: 'grant_type=client_credentials' });
  expect(token.status).toBe(200);
  const { access_token: accessToken } = (await token.json()) as { access_token: string };
  const introspection = await fetch(`${server.url}/token/introspection`, { method: 'POST', headers: form, body: `token=${accessToken}` });
  expect(await introspection.json()).toMatchObject({ active: true, client_id: 'service' });
  const revocation = await fetch(`${server.url}/token/revocation`, { method: 'POST', headers: form, body: `token=${accessToken}` });
  expect(revocation.status).toBe(200);
  expect((await client.tokenIntrospection(service, accessToken)).active).toBe(false);
  const keys = await fetch(`${server.url}/jwks`);
  expect(((await keys.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);

  for (const response of [token, introspection, revocation, keys]) {
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/]{22}=='/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  }
});

it('refuses /me without a valid token, and leaves other methods and sub-paths to the provider and routers', async () => {
  const userinfo = await fetch(`${server.url}/me`, { headers: { authorization: 'Bearer not-a-token' } });
  expect(userinfo.status).toBe(401);
  expect(userinfo.headers.get('www-authenticate')).toMatch(/invalid_token/);
  expect(userinfo.headers.get('x-request-id')).toBeTruthy();
  expect((await fetch(`${server.url}/token`)).status).toBeGreaterThanOrEqual(400);
  expect((await fetch(`${server.url}/token/unknown`)).status).toBe(404);
});

it('counts the short-cut requests in the latency metrics', async () => {
  await fetch(`${server.url}/token`, { method: 'POST', headers: form, body: 'grant_type=client_credentials' });
  const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
  expect(metrics).toMatch(/campus_idp_http_request_seconds_count\{route="token",status="2xx"\} [1-9]/);
  expect(metrics).toMatch(/campus_idp_http_request_seconds_count\{route="me",status="4xx"\} [1-9]/);
});

it('gives every response its own CSP nonce, across refills of the nonce pool', async () => {
  const nonces = new Set<string>();
  for (let batch = 0; batch < 12; batch++) {
    const responses = await Promise.all(Array.from({ length: 50 }, () => fetch(`${server.url}/jwks`)));
    for (const response of responses) {
      nonces.add(/'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')![1]!);
      await response.arrayBuffer();
    }
  }
  // 600 responses span more than two pools of 256 nonces.
  expect(nonces.size).toBe(600);
});
