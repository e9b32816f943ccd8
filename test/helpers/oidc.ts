// A relying party built on openid-client (the certified Node RP), driving our server through a Browser.
import * as client from 'openid-client';
import type { Browser, Page } from './browser.ts';

export interface RelyingParty {
  config: client.Configuration;
  redirectUri: string;
  /** A PKCE authorization request URL with fresh state and nonce (for a real browser to open). */
  authorizationUrl(params?: Record<string, string>): Promise<{ url: string; verifier: string; state: string; nonce: string }>;
  /** Starts an authorization request; returns the first page the browser lands on (or the callback URL). */
  authorize(browser: Browser, params?: Record<string, string>): Promise<{ page: Page; verifier: string; state: string; nonce: string }>;
  /** Exchanges the callback URL for tokens, validating state, nonce, PKCE and the ID token. */
  callback(callbackUrl: string, expected: { verifier: string; state: string; nonce: string; maxAge?: number }): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers>;
}

export async function relyingParty(
  issuer: string,
  clientId: string,
  redirectUri: string,
  secret?: string,
): Promise<RelyingParty> {
  const config = await client.discovery(
    new URL(issuer),
    clientId,
    secret ? { client_secret: secret } : { token_endpoint_auth_method: 'none' },
    secret ? client.ClientSecretBasic(secret) : client.None(),
    { execute: [client.allowInsecureRequests] },
  );
  const authorizationUrl = async (params: Record<string, string> = {}) => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...params,
    });
    return { url: url.toString(), verifier, state, nonce };
  };
  return {
    config,
    redirectUri,
    authorizationUrl,
    async authorize(browser, params = {}) {
      const { url, ...expected } = await authorizationUrl(params);
      const page = await browser.visit(url, {}, redirectUri);
      return { page, ...expected };
    },
    async callback(callbackUrl, expected) {
      return client.authorizationCodeGrant(config, new URL(callbackUrl), {
        pkceCodeVerifier: expected.verifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        maxAge: expected.maxAge,
      });
    },
  };
}

/** Fills in and submits our sign-in page. */
export function submitLogin(browser: Browser, page: Page, loginId: string, password: string, stopAt: string): Promise<Page> {
  return browser.submit(page, /\/interaction\/[^/]+\/login$/, { login_id: loginId, password }, stopAt);
}
