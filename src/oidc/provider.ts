// Builds the oidc-provider instance and turns its events into log lines (never with token values).
import { Provider, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../lib/logger.ts';
import { buildProviderConfiguration, type ProviderDependencies } from './configuration.ts';

export function createProvider(deps: ProviderDependencies, logger: Logger): Provider {
  const provider = new Provider(deps.config.issuer, buildProviderConfiguration(deps));
  // Honour X-Forwarded-Proto/Host only when we sit behind our own TLS-terminating proxy.
  provider.proxy = deps.config.trustProxy;

  provider.on('server_error', (ctx, error) => {
    logger.error({ err: error, path: ctx.path, requestId: ctx.state?.requestId }, 'provider server error');
  });
  const protocolError = (event: string) => (ctx: KoaContextWithOIDC, error: Error) => {
    logger.info({ event, error: error.message, client: ctx.oidc?.client?.clientId, requestId: ctx.state?.requestId }, 'protocol error');
  };
  provider.on('grant.error', protocolError('grant.error'));
  provider.on('userinfo.error', protocolError('userinfo.error'));
  provider.on('introspection.error', protocolError('introspection.error'));
  provider.on('revocation.error', protocolError('revocation.error'));
  provider.on('grant.revoked', (ctx, grantId) => {
    logger.warn({ grantId, client: ctx.oidc?.client?.clientId, requestId: ctx.state?.requestId }, 'grant revoked');
  });
  provider.on('backchannel.error', (_ctx, error, client, accountId) => {
    logger.warn({ error: error.message, client: client.clientId, accountId }, 'back-channel logout delivery failed');
  });
  return provider;
}
