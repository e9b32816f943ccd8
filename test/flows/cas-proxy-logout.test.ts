// CAS proxying (two hops, https callbacks only, private addresses refused) and single logout to every service
// of the session, from CAS logout and from OIDC logout.
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { readCasXml, ticketFrom, validateTicket } from '../helpers/cas.ts';
import { selfSignedCertificate } from '../helpers/tls.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

const portal = 'https://portal.example.edu/';
const mail = 'https://mail.example.edu/cas-login';
const library = 'https://library.example.edu/login';

let server: TestServer;
let callbacks: Server;
let untrusted: Server;
let receiver: Server;
let hanging: Server;
const received: { pgtId: string; pgtIou: string; path: string }[] = [];
const logoutRequests: { path: string; body: string }[] = [];
let callbackPort = 0;
let untrustedPort = 0;
let receiverPort = 0;

const listen = (target: Server) => new Promise<number>((resolve) => target.listen(0, '127.0.0.1', () => resolve((target.address() as AddressInfo).port)));
const body = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let text = '';
  req.on('data', (chunk: Buffer) => (text += chunk.toString()));
  req.on('end', () => resolve(text));
});

beforeAll(async () => {
  const certificate = selfSignedCertificate('localhost');
  callbacks = createHttpsServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    received.push({ pgtId: url.searchParams.get('pgtId') ?? '', pgtIou: url.searchParams.get('pgtIou') ?? '', path: url.pathname });
    res.writeHead(url.pathname === '/broken' ? 500 : 200).end();
  });
  callbackPort = await listen(callbacks);
  const stranger = selfSignedCertificate('localhost');
  untrusted = createHttpsServer({ key: stranger.key, cert: stranger.cert }, (_req, res) => res.writeHead(200).end());
  untrustedPort = await listen(untrusted);
  receiver = createHttpServer(async (req, res) => {
    logoutRequests.push({ path: req.url ?? '', body: await body(req) });
    res.writeHead(200).end();
  });
  receiverPort = await listen(receiver);
  hanging = createHttpServer(() => undefined);
  const hangingPort = await listen(hanging);

  server = await startTestServer(
    { CAS_PROXY_CA_FILE: certificate.certFile, OUTBOUND_PRIVATE_HOSTS: 'localhost', CAS_TICKET_TTL: '30' },
    {
      cas: [
        { id: 'portal', service: portal, proxyCallbackPattern: ['^https://localhost:\\d+/.*', '^https://127\\.0\\.0\\.1:\\d+/.*', '^http://localhost:\\d+/.*'] },
        { id: 'mail', service: mail, proxyCallbackPattern: '^https://localhost:\\d+/.*', attributes: ['uid'] },
        { id: 'library', service: library },
        { id: 'slo-app', servicePattern: `^http://127\\.0\\.0\\.1:${receiverPort}/app.*` },
        { id: 'slow-app', service: `http://127.0.0.1:${hangingPort}/app` },
      ],
    },
  );
  await seedStudent(server.services.prisma);
});
afterAll(async () => {
  await server?.destroy();
  for (const target of [callbacks, untrusted, receiver, hanging]) {
    target?.closeAllConnections();
    target?.close();
  }
});

const cas = (path: string, params: Record<string, string>) => `${server.url}/cas${path}?${new URLSearchParams(params).toString()}`;

async function casSignIn(browser: Browser, service: string) {
  const page = await browser.visit(cas('/login', { service }), {}, service);
  if (page.status === 0) return ticketFrom(page.url);
  return ticketFrom((await submitLogin(browser, page, student.username, student.password, service)).url);
}

async function proxyTicket(pgt: string, targetService: string) {
  const response = readCasXml((await validateTicket(server.url, '/cas/proxy', { pgt, targetService })).body);
  return (response['cas:proxySuccess'] as Record<string, string> | undefined)?.['cas:proxyTicket'];
}

describe('proxy authentication', () => {
  it('follows a chain two hops deep, listing the proxies newest first', async () => {
    const browser = new Browser();
    const st = await casSignIn(browser, portal);
    const first = `https://localhost:${callbackPort}/pgt-portal`;
    const validated = readCasXml((await validateTicket(server.url, '/cas/serviceValidate', { service: portal, ticket: st, pgtUrl: first })).body);
    const iou = (validated['cas:authenticationSuccess'] as Record<string, string>)['cas:proxyGrantingTicket'];
    const delivered = received.find((entry) => entry.pgtIou === iou);
    expect(iou).toMatch(/^PGTIOU-/);
    expect(delivered?.pgtId).toMatch(/^PGT-/);

    const pt = await proxyTicket(delivered!.pgtId, mail);
    expect(pt).toMatch(/^PT-/);
    // A proxy ticket is refused by serviceValidate (and burned there), accepted by proxyValidate.
    const second = `https://localhost:${callbackPort}/pgt-mail`;
    const hop = readCasXml((await validateTicket(server.url, '/cas/proxyValidate', { service: mail, ticket: pt!, pgtUrl: second })).body);
    const hopSuccess = hop['cas:authenticationSuccess'] as Record<string, unknown>;
    expect(hopSuccess['cas:user']).toBe(student.username);
    expect((hopSuccess['cas:proxies'] as Record<string, string>)['cas:proxy']).toBe(first);
    const secondPgt = received.find((entry) => entry.pgtIou === hopSuccess['cas:proxyGrantingTicket'])!.pgtId;

    const pt2 = await proxyTicket(secondPgt, library);
    const last = readCasXml((await validateTicket(server.url, '/cas/p3/proxyValidate', { service: library, ticket: pt2! })).body);
    const proxies = (last['cas:authenticationSuccess'] as Record<string, Record<string, unknown>>)['cas:proxies']?.['cas:proxy'];
    expect(proxies).toEqual([second, first]);
  });

  it('refuses a proxy ticket at serviceValidate', async () => {
    const st = await casSignIn(new Browser(), portal);
    const ok = readCasXml((await validateTicket(server.url, '/cas/serviceValidate', { service: portal, ticket: st, pgtUrl: `https://localhost:${callbackPort}/x` })).body);
    const pgt = received.find((entry) => entry.pgtIou === (ok['cas:authenticationSuccess'] as Record<string, string>)['cas:proxyGrantingTicket'])!.pgtId;
    const pt = await proxyTicket(pgt, library);
    expect((await validateTicket(server.url, '/cas/serviceValidate', { service: library, ticket: pt! })).body).toContain('code="INVALID_TICKET_SPEC"');
  });

  it('gives no PGT to an http callback, a private address, an untrusted certificate or a failing callback', async () => {
    const browser = new Browser();
    const before = received.length;
    const http = await validateTicket(server.url, '/cas/serviceValidate', { service: portal, ticket: await casSignIn(browser, portal), pgtUrl: `http://localhost:${callbackPort}/x` });
    expect(http.body).toContain('code="INVALID_PROXY_CALLBACK"');
    for (const pgtUrl of [`https://127.0.0.1:${callbackPort}/private`, `https://localhost:${untrustedPort}/untrusted`, `https://localhost:${callbackPort}/broken`]) {
      const result = readCasXml((await validateTicket(server.url, '/cas/serviceValidate', { service: portal, ticket: await casSignIn(browser, portal), pgtUrl })).body);
      const success = result['cas:authenticationSuccess'] as Record<string, unknown>;
      expect(success['cas:user']).toBe(student.username);
      expect(success).not.toHaveProperty('cas:proxyGrantingTicket');
    }
    // The private address was never contacted; only the failing callback was.
    expect(received.slice(before).map((entry) => entry.path)).toEqual(['/broken']);
  });

  it('refuses proxying for a service with no registered callback, and unknown target services', async () => {
    const st = await casSignIn(new Browser(), library);
    expect((await validateTicket(server.url, '/cas/serviceValidate', { service: library, ticket: st, pgtUrl: `https://localhost:${callbackPort}/x` })).body).toContain('code="UNAUTHORIZED_SERVICE_PROXY"');
    const response = await validateTicket(server.url, '/cas/proxy', { pgt: 'PGT-nothing', targetService: mail });
    expect(response.body).toContain('<cas:proxyFailure code="INVALID_TICKET"');
    expect((await validateTicket(server.url, '/cas/proxy', { pgt: 'PGT-x' })).body).toContain('code="INVALID_REQUEST"');
  });
});

describe('single logout', () => {
  it('CAS logout POSTs a LogoutRequest for each ticket, answers quickly despite a hanging service, and kills PGTs', async () => {
    const browser = new Browser();
    const appUrl = `http://127.0.0.1:${receiverPort}/app?x=1`;
    const ticket = await casSignIn(browser, appUrl);
    await casSignIn(browser, `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/app`);
    const st = await casSignIn(browser, portal);
    const validated = readCasXml((await validateTicket(server.url, '/cas/serviceValidate', { service: portal, ticket: st, pgtUrl: `https://localhost:${callbackPort}/slo` })).body);
    const pgt = received.find((entry) => entry.pgtIou === (validated['cas:authenticationSuccess'] as Record<string, string>)['cas:proxyGrantingTicket'])!.pgtId;

    const started = performance.now();
    const response = await browser.request(cas('/logout', {}));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.status).toBe(200);

    for (let wait = 0; wait < 40 && !logoutRequests.some((entry) => entry.body.includes(ticket)); wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    const request = logoutRequests.find((entry) => entry.body.includes(ticket));
    expect(request?.path).toBe('/app?x=1');
    const xml = new URLSearchParams(request!.body).get('logoutRequest')!;
    expect(xml).toContain(`<samlp:SessionIndex>${ticket}</samlp:SessionIndex>`);
    expect(xml).toContain(`<saml:NameID>${student.username}</saml:NameID>`);
    expect(await proxyTicket(pgt, mail)).toBeUndefined();
  });

  it('OIDC logout ends the CAS sessions too', async () => {
    const webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
    const browser = new Browser();
    const started = await webApp.authorize(browser);
    const done = await submitLogin(browser, started.page, student.username, student.password, redirectUri);
    const tokens = await webApp.callback(done.url, started);
    const ticket = await casSignIn(browser, `http://127.0.0.1:${receiverPort}/app?oidc=1`);
    const confirm = await browser.visit(client.buildEndSessionUrl(webApp.config, { id_token_hint: tokens.id_token! }).toString());
    await browser.submit(confirm, /\/session\/end\/confirm$/, { logout: 'yes' });
    for (let wait = 0; wait < 40 && !logoutRequests.some((entry) => entry.body.includes(ticket)); wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logoutRequests.some((entry) => entry.body.includes(ticket))).toBe(true);
  });
});

// Two processes cannot share the embedded PGlite database: this runs in .ci/run's PostgreSQL + Redis pass.
describe.skipIf(!(process.env.DATABASE_URL && process.env.REDIS_URL))('two instances sharing PostgreSQL and Redis', () => {
  it('validates on one instance a ticket issued by the other, exactly once', async () => {
    const sibling = await server.sibling();
    try {
      const ticket = await casSignIn(new Browser(), mail);
      // Same issuer behind a load balancer; here each instance is reached on its own port.
      const siblingBase = `http://127.0.0.1:${(sibling.server.address() as AddressInfo).port}`;
      const attempts = await Promise.all(
        Array.from({ length: 20 }, (_, index) => validateTicket(index % 2 ? siblingBase : server.url, '/cas/serviceValidate', { service: mail, ticket })),
      );
      expect(attempts.filter((attempt) => attempt.body.includes('authenticationSuccess'))).toHaveLength(1);
    } finally {
      await sibling.destroy();
    }
  });
});
