// The one composition root for HTTP: middleware order, then our routes, then oidc-provider for everything else.
import Koa from 'koa';
import type Router from '@koa/router';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { Logger } from './lib/logger.ts';
import type { Config } from './config/env.ts';
import type { Database } from './data/database.ts';
import type { KeyValueStore } from './data/kv-store.ts';
import type { AccountService } from './services/accounts.ts';
import type { SignInLimiter } from './services/sign-in-limiter.ts';
import type { TotpService } from './services/totp.ts';
import type { DeviceTrustService } from './services/device-trust.ts';
import type { RecoveryCodeService } from './services/recovery-codes.ts';
import type { PasskeyService } from './services/passkeys.ts';
import type { VerificationCodes } from './services/verification-codes.ts';
import type { ContactPoints } from './services/contact-points.ts';
import type { KnownBrowsers } from './services/known-browsers.ts';
import type { Metrics } from './http/metrics.ts';
import { requestContext } from './http/request-context.ts';
import { securityHeaders } from './http/security-headers.ts';
import { bundledAssets, staticAssets, vendorAssets } from './http/static-assets.ts';
import { healthRoutes } from './http/health.ts';
import { interactionRoutes } from '../interactions/routes.ts';
import { forgotPasswordRoutes } from '../interactions/forgot-password-routes.ts';
import type { PasswordPolicy } from './services/password-policy.ts';
import type { PasswordReset } from './services/password-reset.ts';
import { createCaptcha } from './services/captcha.ts';
import { rememberLanguageChoice } from '../interactions/render.ts';
import { accountRoutes, type SecurityNotifications } from '../interactions/account-routes.ts';
import type { AccountSecurityService } from './services/account-security.ts';
import type { WeakPasswords } from './services/weak-passwords.ts';
import { canReadOutbox, outboxPages, type DevOutbox } from '../interactions/outbox-routes.ts';
import { createFreshProof } from './services/fresh-proof.ts';
import type { EmailCodes } from './services/one-time-codes.ts';
import { createContactBinding } from './services/contact-binding.ts';
import type { ContactsRule } from './oidc/contacts-policy.ts';
import { contactPages } from '../interactions/account-contact-routes.ts';
import type { AppPasswords } from './services/app-passwords.ts';
import type { AuditLog } from './services/audit-log.ts';
import type { AccountSessions } from './services/account-sessions.ts';
import { appPasswordPages } from '../interactions/app-password-routes.ts';
import { sessionPages } from '../interactions/account-session-routes.ts';
import { passwordPages } from '../interactions/account-password-routes.ts';
import { appPasswordApiRoutes } from './http/app-password-api.ts';
import { connectRoutes } from '../interactions/connect-routes.ts';
import type { ScanEvents } from '../interactions/scan-wait-stream.ts';
import { connectionPages } from '../interactions/connect-account-routes.ts';
import { createExternalIdentities } from './services/external-identities.ts';
import { createWechatBindings } from './services/wechat-bindings.ts';
import { wechatBindingPages } from '../interactions/wechat-binding-routes.ts';
import { adminRoutes, captureAccountKit } from '../interactions/admin-routes.ts';
import { createStaffDirectory } from './services/staff-roles.ts';
import { adminUserPages } from '../interactions/admin-user-routes.ts';
import { createAdminUserActions } from './services/admin-user-actions.ts';
import { adminClientPages } from '../interactions/admin-client-routes.ts';
import { adminAuditPages } from '../interactions/admin-audit-routes.ts';
import type { ClientsFile } from './config/clients.ts';
import type { IdentityVerification } from './services/identity-verification.ts';
import { identityPages } from '../interactions/account-identity-routes.ts';
import { identityReviewPages } from '../interactions/admin-identity-routes.ts';
import { registryImportPages } from '../interactions/admin-registry-routes.ts';
import { registerRoutes } from '../interactions/register-routes.ts';
import { createSelfRegistration } from './services/self-registration.ts';
import type { Appeals } from './services/appeals.ts';
import { accountAppealPages } from '../interactions/account-appeal-routes.ts';
import { publicAppealRoutes } from '../interactions/appeal-public-routes.ts';
import { appealReviewPages } from '../interactions/appeal-review-routes.ts';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  database: Database;
  store: KeyValueStore;
  provider: Provider;
  accounts: AccountService;
  limiter: SignInLimiter;
  totp: TotpService;
  deviceTrust: DeviceTrustService;
  recovery: RecoveryCodeService;
  passkeys: PasskeyService;
  smsCodes: VerificationCodes | undefined;
  contacts: ContactPoints;
  /** Codes e-mailed to a recovery address being bound. */
  emailCodes: EmailCodes;
  /** The contacts prompt: roles REQUIRED_CONTACTS lists, and numbers an approved lost-phone appeal unbound. */
  contactsRule: ContactsRule | undefined;
  knownBrowsers: KnownBrowsers;
  cookieKeys: string[];
  metrics: Metrics;
  /** Tells people about changes to their sign-in settings (account pages). */
  securityNotifier: SecurityNotifications;
  passwordPolicy: PasswordPolicy;
  /** Self-service password reset (/forgot-password). */
  passwordReset: PasswordReset;
  /** Further route tables mounted before the provider (CAS). */
  extraRouters?: Router[];
  /** The QR status channel (Redis pub/sub or in-process): official-account waiting pages hear of scans at once. */
  scanEvents?: ScanEvents;
  appPasswords: AppPasswords;
  accountSecurity: AccountSecurityService;
  weakPasswords: WeakPasswords;
  /** The in-memory SMS and e-mail outboxes (development only). */
  devOutbox: DevOutbox;
  /** The audit trail of security events (sign-ins, app passwords, sessions). */
  audit: AuditLog;
  accountSessions: AccountSessions;
  /** The sign-in limiter's rules on counters of their own, for the app-password verification API. */
  appPasswordLimiter: SignInLimiter;
  /** CAS single logout when the account pages end a session. */
  /** Identity records checked against the registry (/account/identity, /admin/identity, /register). */
  identity: IdentityVerification;
  /** Lost-phone appeals, and the e-mailed codes of the forgot-password way in (/account/appeal, /appeal, /admin/appeals). */
  appeals: { service: Appeals; emailCodes: EmailCodes };
  /** Reads clients.json again, checked as at start-up (the admin console's read-only view); throws ConfigError. */
  readClientsFile?: () => ClientsFile;
}

const appealLimitsOf = (config: Config) => ({ maxBytes: config.appeals.documentMaxBytes, maxFiles: config.appeals.documentsMax });
const publicDir = new URL('../interactions/public/', import.meta.url).pathname;
/** oidc-provider's default routes for token, introspection, revocation, userinfo and keys. */
const providerOnlyPaths = new Set(['/token', '/token/introspection', '/token/revocation', '/me', '/jwks']);

export function buildApp(deps: AppDependencies): Koa {
  const app = new Koa({ proxy: deps.config.trustProxy, keys: deps.cookieKeys });
  const health = healthRoutes(deps.database, deps.store);
  const freshProof = createFreshProof(deps);
  const contactBinding = createContactBinding({ contacts: deps.contacts, smsCodes: deps.smsCodes, emailCodes: deps.emailCodes });
  const identities = createExternalIdentities(deps.database.prisma);
  const connect = connectRoutes({ ...deps, issuer: deps.config.issuer, wechat: deps.config.wechat, identities, notifier: deps.securityNotifier });
  const wechatBindings = createWechatBindings(deps.database.prisma);
  const wechatMfaChannel = deps.config.wechat.mfa;
  const interactions = interactionRoutes({
    ...deps,
    hasSecondFactor: async (accountId) => (await deps.accountSecurity.secondFactorCount(accountId)) > 0,
    connectOffer: connect.offer,
    connectDirect: connect.directStart,
    wechatMfa: wechatMfaChannel && { channel: wechatMfaChannel, issuer: deps.config.issuer, websiteQr: connect.websiteQr, officialAccount: connect.officialAccount, bindings: wechatBindings, scanEvents: deps.scanEvents },
    contactPrompt: deps.contactsRule && {
      binding: contactBinding, rule: deps.contactsRule, institutionDomains: deps.config.contacts.institutionEmailDomains, freshProof, notifier: deps.securityNotifier,
    },
  });
  // The admin console signs in through the account pages' machinery (interactions/admin-routes.ts).
  const accountKit = captureAccountKit();
  const account = accountRoutes({
    issuer: deps.config.issuer, provider: deps.provider, store: deps.store, accounts: deps.accounts, recovery: deps.recovery, totp: deps.totp,
    security: deps.accountSecurity,
    freshProof,
    notifier: deps.securityNotifier,
    extensions: [
      contactPages({ contacts: deps.contacts, binding: contactBinding, notifier: deps.securityNotifier }),
      appPasswordPages({ appPasswords: deps.appPasswords, audit: deps.audit, notifier: deps.securityNotifier }),
      sessionPages({ provider: deps.provider, sessions: deps.accountSessions, audit: deps.audit }),
      passwordPages({ accounts: deps.accounts, policy: deps.passwordPolicy, freshProof, notifier: deps.securityNotifier, sessions: deps.accountSessions, audit: deps.audit }),
      connectionPages({ identities, audit: deps.audit, notifier: deps.securityNotifier, bindWechat: Boolean(connect.websiteQr) }),
      ...(connect.websiteQr ? [wechatBindingPages({ ...deps, issuer: deps.config.issuer, websiteQr: connect.websiteQr, identities, bindings: wechatBindings, notifier: deps.securityNotifier })] : []),
      outboxPages(deps.devOutbox),
      identityPages({ identity: deps.identity, store: deps.store }),
      accountAppealPages({ provider: deps.provider, accounts: deps.accounts, appeals: deps.appeals.service, freshProof, limits: appealLimitsOf(deps.config), retentionDays: deps.config.appeals.documentRetentionDays }),
      accountKit.extension,
    ],
    showsOutbox: (user) => canReadOutbox(user, deps.devOutbox),
    mfaRequiredUserTypes: new Set(deps.config.mfaRequiredUserTypes),
  });

  app.use(async (ctx, next) => {
    ctx.state.defaultLocale = deps.config.defaultLocale;
    rememberLanguageChoice(ctx);
    await next();
  });
  app.use(requestContext(deps.logger, deps.config.trustProxy));
  app.use(deps.metrics.middleware);
  app.use(securityHeaders());
  // The provider's machine-to-machine endpoints skip our page and CAS route tables, none of which can match them:
  // walking a dozen routers cost ~10 % of the CPU of a token, userinfo or introspection request (BENCHMARKS.md).
  const provider = mount(deps.provider);
  app.use((ctx, next) => (providerOnlyPaths.has(ctx.path) ? provider(ctx, async () => {}) : next()));
  app.use(staticAssets(publicDir, '/assets/', vendorAssets, bundledAssets));
  app.use(health.routes());
  app.use(deps.metrics.routes(deps.config.metricsToken).routes());
  app.use(interactions.routes()).use(interactions.allowedMethods());
  app.use(connect.router.routes()).use(connect.router.allowedMethods());
  const captcha = createCaptcha({ store: deps.store, serverSecret: deps.cookieKeys[0]!, maxNumber: deps.config.passwordReset.captchaMaxNumber });
  const forgotPassword = forgotPasswordRoutes({ reset: deps.passwordReset, captcha, policy: deps.passwordPolicy });
  app.use(forgotPassword.routes()).use(forgotPassword.allowedMethods());
  const { selfRegistration } = deps.config.identity;
  if (selfRegistration.enabled) {
    const registration = createSelfRegistration({
      prisma: deps.database.prisma, store: deps.store, smsCodes: deps.smsCodes, identity: deps.identity, policy: deps.passwordPolicy, audit: deps.audit,
      userType: selfRegistration.userType, limits: selfRegistration,
    });
    const register = registerRoutes({ registration, captcha, policy: deps.passwordPolicy });
    app.use(register.routes()).use(register.allowedMethods());
  }
  const appealRoutes = publicAppealRoutes({ issuer: deps.config.issuer, store: deps.store, accounts: deps.accounts, appeals: deps.appeals.service, captcha, emailCodes: deps.appeals.emailCodes, limits: appealLimitsOf(deps.config), retentionDays: deps.config.appeals.documentRetentionDays,
    startLimit: { perIp: deps.config.appeals.startsPerIp, windowSeconds: deps.config.appeals.startWindowSeconds } });
  app.use(appealRoutes.routes()).use(appealRoutes.allowedMethods());
  app.use(account.routes()).use(account.allowedMethods());
  const staffDirectory = createStaffDirectory(deps.database.prisma);
  const admin = adminRoutes({
    accountKit: accountKit.get, secondFactorCount: deps.accountSecurity.secondFactorCount, scopesOf: staffDirectory.scopesOf, audit: deps.audit, notifier: deps.securityNotifier,
    showsOutbox: (user) => canReadOutbox(user, deps.devOutbox),
    // Sections of /admin: each an AdminPageExtension (see /tmp/admin-kit.md).
    extensions: [
      adminUserPages({ audit: deps.audit, actions: createAdminUserActions({ prisma: deps.database.prisma, forget: deps.accounts.forget, security: deps.accountSecurity, identities, sessions: deps.accountSessions, weakPasswords: deps.weakPasswords, limiters: [deps.limiter, deps.appPasswordLimiter] }) }),
      ...(deps.readClientsFile ? [adminClientPages({ file: deps.config.clientsFile, read: deps.readClientsFile })] : []),
      adminAuditPages({ audit: deps.audit, idOf: staffDirectory.idOf, usernamesOf: staffDirectory.usernamesOf }),
      identityReviewPages({ identity: deps.identity }),
      registryImportPages({ identity: deps.identity }),
      appealReviewPages({ appeals: deps.appeals.service }),
    ],
  });
  app.use(admin.routes()).use(admin.allowedMethods());
  app.use(appPasswordApiRoutes({ provider: deps.provider, appPasswords: deps.appPasswords, limiter: deps.appPasswordLimiter, audit: deps.audit }).routes());
  for (const router of deps.extraRouters ?? []) app.use(router.routes()).use(router.allowedMethods());
  app.use(provider);
  return app;
}
