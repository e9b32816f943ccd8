// oidc-provider configuration: which features are on, what every token lives for, and the hooks that tie the
// provider to our accounts, stores and pages. Security choices that differ from the library's defaults are
// commented where they are made.
import type { Configuration, KoaContextWithOIDC, Adapter, Client, ErrorOut } from 'oidc-provider';
import type { Config } from '../config/env.ts';
import type { OidcClientEntry } from '../config/clients.ts';
import type { AccountService } from '../services/accounts.ts';
import type { SigningJwk } from './keys.ts';
import type { ProviderPages } from './pages.ts';
import { claimsFor, scopeClaims, supportedScopes } from './claims.ts';
import { supportedAcrValues } from './acr.ts';
import { buildInteractionPolicy, type MfaPolicy } from './mfa-policy.ts';
import { addContactsPrompt, type ContactsRule } from './contacts-policy.ts';
import { identityScope, type IdentityClaims } from './identity-claims.ts';

export interface ProviderDependencies {
  config: Config;
  clients: OidcClientEntry[];
  jwks: SigningJwk[];
  cookieKeys: string[];
  accounts: AccountService;
  adapter: (name: string) => Adapter;
  pages: ProviderPages;
  /** Present when MFA_UNKNOWN_BROWSER is on. */
  unknownBrowserRule?: MfaPolicy['unknownBrowser'];
  weakPasswordPending?: MfaPolicy['weakPasswordPending'];
  /** Present when REQUIRED_CONTACTS lists roles: the contacts prompt after mfa. */
  contactsRule?: ContactsRule;
  /** Present when DEVICE_FLOW is on: our pages for the RFC 8628 device grant (interactions/qr-device-pages.ts). */
  deviceFlow?: DeviceFlowPages;
  /** Claims of the campus_identity scope, read only when a token or userinfo asks for that scope. */
  identityClaims?: IdentityClaims;
}

/** The device grant's pages; the forms post to the provider's code_verification endpoint with its xsrf token. */
export interface DeviceFlowPages {
  userCodeInput(ctx: KoaContextWithOIDC, form: string, out?: ErrorOut, error?: Error): void | Promise<void>;
  userCodeConfirm(ctx: KoaContextWithOIDC, form: string, client: Client, deviceInfo: Record<string, unknown>, userCode: string): void | Promise<void>;
  success(ctx: KoaContextWithOIDC): void | Promise<void>;
}

export function buildProviderConfiguration(deps: ProviderDependencies): Configuration {
  const { config, clients, accounts, pages } = deps;
  const firstParty = new Set(clients.filter((client) => client.firstParty).map((client) => client.metadata.client_id));
  const policy = buildInteractionPolicy({
    clients: new Set(clients.filter((client) => client.mfaRequired).map((client) => client.metadata.client_id)),
    userTypes: new Set(config.mfaRequiredUserTypes),
    userTypeOf: async (accountId) => (await accounts.findById(accountId))?.type,
    unknownBrowser: deps.unknownBrowserRule,
    weakPasswordPending: deps.weakPasswordPending,
  });
  if (deps.contactsRule) addContactsPrompt(policy, deps.contactsRule);

  return {
    adapter: deps.adapter,
    clients: clients.map((client) => client.metadata),
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: config.signingAlg,
      token_endpoint_auth_method: 'client_secret_basic',
      // Campus apps compare auth_time across SSO hops; always include it.
      require_auth_time: true,
    },
    // Campus apps read the login ID from the ID token: put the granted scopes' claims there too, not only in
    // userinfo (OIDC Core allows either).
    conformIdTokenClaims: false,
    jwks: { keys: deps.jwks },
    cookies: {
      keys: deps.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      // Standalone claims (no scope): how and when the person authenticated, and the session id.
      acr: null,
      amr: null,
      auth_time: null,
      sid: null,
      iss: null,
      ...Object.fromEntries(Object.entries(scopeClaims).map(([scope, claims]) => [scope, [...claims]])),
    },
    scopes: supportedScopes,
    acrValues: supportedAcrValues,
    responseTypes: ['code'],
    // The library requires PKCE only of public clients; we require S256 of every client (RFC 9700 §2.1.1).
    pkce: { required: () => true },
    // Rotate on every use: a replayed refresh token is detected and revokes the whole grant.
    rotateRefreshToken: () => true,
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      backchannelLogout: { enabled: true },
      // RFC 8628 for kiosks and lab PCs. User codes of 8 base-20 letters (about 34 bits) live 10 minutes (ttl.DeviceCode),
      // as the RFC's entropy guidance suggests.
      deviceFlow: deps.deviceFlow
        ? {
            enabled: true,
            charset: 'base-20',
            mask: '****-****',
            userCodeInputSource: (ctx, form, out, error) => deps.deviceFlow?.userCodeInput(ctx, form, out, error),
            userCodeConfirmSource: (ctx, form, client, deviceInfo, userCode) => deps.deviceFlow?.userCodeConfirm(ctx, form, client, deviceInfo, userCode),
            successSource: (ctx) => deps.deviceFlow?.success(ctx),
          }
        : { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaContextWithOIDC, form: string) => pages.logoutConfirm(ctx, form),
        postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => pages.loggedOut(ctx),
      },
    },
    async findAccount(_ctx, id) {
      const user = await accounts.findById(id);
      if (!user || user.status !== 'active') return undefined;
      return {
        accountId: user.id,
        claims: async (_use: string, scope: string) => ({
          ...claimsFor(user),
          ...(deps.identityClaims && scope.split(' ').includes(identityScope) ? await deps.identityClaims(user.id) : {}),
        }),
      };
    },
    // Campus apps marked first_party get the scopes they ask for without a consent page.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const { Grant } = ctx.oidc.provider;
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session?.grantIdFor(clientId);
      const existing = grantId ? await Grant.find(grantId) : undefined;
      if (!firstParty.has(clientId)) return existing;
      const grant = existing ?? new Grant({ clientId, accountId });
      const scope = ctx.oidc.params?.scope;
      if (typeof scope === 'string') grant.addOIDCScope(scope);
      const claims = ctx.oidc.claims;
      const requested = [...Object.keys(claims.id_token ?? {}), ...Object.keys(claims.userinfo ?? {})];
      if (requested.length) grant.addOIDCClaims(requested);
      await grant.save();
      return grant;
    },
    // First-party apps may hold a refresh token without asking for offline_access (which the library would drop
    // unless prompt=consent); it then ends with the SSO session.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || firstParty.has(client.clientId)),
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy,
    },
    renderError: (ctx, out, error) => pages.error(ctx, out, error),
    ttl: {
      AccessToken: config.ttl.accessTokenSeconds,
      ClientCredentials: config.ttl.accessTokenSeconds,
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      Grant: config.ttl.refreshTokenSeconds,
      Session: config.ttl.sessionSeconds,
      RefreshToken: config.ttl.refreshTokenSeconds,
    },
    // Long-lived sessions: the provider's session cookie outlives the browser session only when "remember" is set.
    expiresWithSession: (_ctx, code) => !code.scopes.has('offline_access'),
    // oidc-provider refuses outgoing calls (back-channel logout) to private and loopback addresses, against
    // SSRF. Campus apps often live on internal networks: hosts listed in OUTBOUND_PRIVATE_HOSTS are let through.
    fetch: (input: string | URL | Request, options?: RequestInit & { dispatcher?: unknown }) => {
      const url = input instanceof Request ? input.url : input;
      if (options && config.outboundPrivateHosts.includes(new URL(url).hostname.toLowerCase())) {
        const { dispatcher: _ssrfGuard, ...rest } = options;
        return globalThis.fetch(input, rest);
      }
      return globalThis.fetch(input, options);
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
    },
  } satisfies Configuration;
}
