// Back-channel logout: ending the SSO session POSTs a signed logout token to every app of the session that
// registered a backchannel_logout_uri.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;
let receiver: Server;
const received: string[] = [];
const callback = 'http://127.0.0.1:9/bcl-app';

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  server = await startTestServer({ OUTBOUND_PRIVATE_HOSTS: '127.0.0.1' }, [
    {
      client_id: 'bcl-app',
      client_secret_env: 'WEB_APP_SECRET',
      redirect_uris: [callback],
      post_logout_redirect_uris: ['http://127.0.0.1:9/bcl-bye'],
      backchannel_logout_uri: `http://127.0.0.1:${port}/backchannel`,
      backchannel_logout_session_required: true,
      first_party: true,
    },
  ]);
  await seedStudent(server.services.prisma);
});
afterAll(async () => {
  await server?.destroy();
  receiver?.close();
});

it('delivers a valid logout token when the session ends', async () => {
  const app = await relyingParty(server.url, 'bcl-app', callback, webAppSecret);
  const browser = new Browser();
  const started = await app.authorize(browser);
  const done = await submitLogin(browser, started.page, student.username, student.password, callback);
  const tokens = await app.callback(done.url, started);
  const idClaims = tokens.claims()!;

  const endSession = client.buildEndSessionUrl(app.config, { id_token_hint: tokens.id_token! });
  const confirm = await browser.visit(endSession.toString());
  await browser.submit(confirm, /\/session\/end\/confirm$/, { logout: 'yes' });

  for (let wait = 0; wait < 50 && received.length === 0; wait++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(received).toHaveLength(1);
  const { payload, protectedHeader } = await jwtVerify(received[0]!, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
    issuer: server.url,
    audience: 'bcl-app',
  });
  expect(protectedHeader.typ).toBe('logout+jwt');
  expect(payload.sub).toBe(idClaims.sub);
  expect(payload.sid).toBe(idClaims.sid);
  expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
  expect(payload).not.toHaveProperty('nonce');
});

it('also delivers one when the session ends through CAS /logout', async () => {
  const app = await relyingParty(server.url, 'bcl-app', callback, webAppSecret);
  const browser = new Browser();
  const started = await app.authorize(browser);
  const done = await submitLogin(browser, started.page, student.username, student.password, callback);
  const idClaims = (await app.callback(done.url, started)).claims()!;
  received.length = 0;

  const loggedOut = await browser.visit(`${server.url}/cas/logout`);
  expect(loggedOut.status).toBe(200);
  for (let wait = 0; wait < 50 && received.length === 0; wait++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(received).toHaveLength(1);
  const { payload } = await jwtVerify(received[0]!, createRemoteJWKSet(new URL(`${server.url}/jwks`)), { issuer: server.url, audience: 'bcl-app' });
  expect(payload.sid).toBe(idClaims.sid);
  expect(payload.sub).toBe(idClaims.sub);
});
