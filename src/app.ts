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
import type { Metrics } from './http/metrics.ts';
import { requestContext } from './http/request-context.ts';
import { securityHeaders } from './http/security-headers.ts';
import { staticAssets } from './http/static-assets.ts';
import { healthRoutes } from './http/health.ts';
import { interactionRoutes, forgotPasswordRoutes } from '../interactions/routes.ts';
import { rememberLanguageChoice } from '../interactions/render.ts';

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
  cookieKeys: string[];
  metrics: Metrics;
  /** Further route tables mounted before the provider (CAS). */
  extraRouters?: Router[];
}

const publicDir = new URL('../interactions/public/', import.meta.url).pathname;

export function buildApp(deps: AppDependencies): Koa {
  const app = new Koa({ proxy: deps.config.trustProxy, keys: deps.cookieKeys });
  const health = healthRoutes(deps.database, deps.store);
  const interactions = interactionRoutes(deps);

  app.use(async (ctx, next) => {
    ctx.state.defaultLocale = deps.config.defaultLocale;
    rememberLanguageChoice(ctx);
    await next();
  });
  app.use(requestContext(deps.logger, deps.config.trustProxy));
  app.use(deps.metrics.middleware);
  app.use(securityHeaders());
  app.use(staticAssets(publicDir));
  app.use(health.routes());
  app.use(deps.metrics.routes(deps.config.metricsToken).routes());
  app.use(interactions.routes()).use(interactions.allowedMethods());
  app.use(forgotPasswordRoutes().routes());
  for (const router of deps.extraRouters ?? []) app.use(router.routes()).use(router.allowedMethods());
  app.use(mount(deps.provider));
  return app;
}
