// Tokens after sign-in: refresh rotation and reuse detection, client credentials, introspection, revocation,
// PAR, RP-initiated logout and discovery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { postLogoutRedirectUri, redirectUri, serviceSecret, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;
let webApp: RelyingParty;

beforeAll(async () => {
  server = await startTestServer();
  await seedStudent(server.services.prisma);
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
});
afterAll(async () => server?.destroy());

async function signIn(browser = new Browser()) {
  const started = await webApp.authorize(browser);
  const done = await submitLogin(browser, started.page, student.username, student.password, redirectUri);
  return { browser, tokens: await webApp.callback(done.url, started) };
}

describe('refresh tokens', () => {
  it('rotates on every use and revokes the whole grant when an old one is replayed', async () => {
    const { tokens } = await signIn();
    expect(tokens.refresh_token).toBeTruthy();
    const rotated = await client.refreshTokenGrant(webApp.config, tokens.refresh_token!);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);

    await expect(client.refreshTokenGrant(webApp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Reuse detection: the newer token of the same grant died too, and so did its access token.
    await expect(client.refreshTokenGrant(webApp.config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const introspected = await client.tokenIntrospection(webApp.config, rotated.access_token);
    expect(introspected.active).toBe(false);
  });
});

describe('client credentials, introspection and revocation', () => {
  it('issues a client-credentials token that introspects as active until revoked', async () => {
    const service = await client.discovery(new URL(server.url), 'service', { client_secret: serviceSecret }, client.ClientSecretBasic(serviceSecret), {
      execute: [client.allowInsecureRequests],
    });
    const token = await client.clientCredentialsGrant(service);
    expect(token.access_token).toBeTruthy();
    const active = await client.tokenIntrospection(service, token.access_token);
    expect(active).toMatchObject({ active: true, client_id: 'service' });
    await client.tokenRevocation(service, token.access_token);
    expect((await client.tokenIntrospection(service, token.access_token)).active).toBe(false);
  });

  it('refuses a client with the wrong secret', async () => {
    const wrong = await client.discovery(new URL(server.url), 'service', { client_secret: 'x'.repeat(40) }, client.ClientSecretBasic('x'.repeat(40)), {
      execute: [client.allowInsecureRequests],
    });
    await expect(client.clientCredentialsGrant(wrong)).rejects.toMatchObject({ status: 401 });
  });
});

describe('pushed authorization requests', () => {
  it('accepts an authenticated PAR and completes the flow with its request_uri', async () => {
    const browser = new Browser();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = await client.buildAuthorizationUrlWithPAR(webApp.config, {
      redirect_uri: redirectUri, scope: 'openid profile', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const page = await browser.visit(url.toString(), {}, redirectUri);
    const done = await submitLogin(browser, page, student.username, student.password, redirectUri);
    const tokens = await webApp.callback(done.url, { verifier, state, nonce });
    expect(tokens.claims()?.preferred_username).toBe(student.username);
  });

  it('refuses an unauthenticated PAR', async () => {
    const response = await fetch(`${server.url}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'web-app', response_type: 'code', redirect_uri: redirectUri, scope: 'openid' }),
    });
    expect(response.status).toBe(401);
  });
});

describe('RP-initiated logout', () => {
  it('ends the SSO session: the next authorization asks for the password', async () => {
    const { browser, tokens } = await signIn();
    const endSession = client.buildEndSessionUrl(webApp.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: postLogoutRedirectUri,
      state: 'bye',
    });
    const confirm = await browser.visit(endSession.toString(), {}, postLogoutRedirectUri);
    const done = await browser.submit(confirm, /\/session\/end\/confirm$/, { logout: 'yes' }, postLogoutRedirectUri);
    expect(new URL(done.url).searchParams.get('state')).toBe('bye');
    const next = await webApp.authorize(browser);
    expect(next.page.html).toContain('name="password"');
    // Tokens that belonged to the session's grant no longer work either.
    await expect(client.refreshTokenGrant(webApp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('does not redirect to an unregistered post_logout_redirect_uri', async () => {
    const { browser, tokens } = await signIn();
    const endSession = client.buildEndSessionUrl(webApp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example/' });
    const response = await browser.request(endSession.toString());
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});

describe('discovery and headers', () => {
  it('publishes code flow with S256 only and the campus scopes', async () => {
    const metadata = webApp.config.serverMetadata();
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'phone', 'campus', 'offline_access']));
    expect(metadata.acr_values_supported).toContain('urn:campus-idp:acr:password');
    expect(metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256']));
    expect(metadata.pushed_authorization_request_endpoint).toBeTruthy();
    expect(metadata.backchannel_logout_supported).toBe(true);
  });

  it('serves the sign-in page with CSP, frame and referrer protections', async () => {
    const started = await webApp.authorize(new Browser());
    const response = await new Browser().request(started.page.url);
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });
});
