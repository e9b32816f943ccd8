// OIDC back-channel logout for sessions we end ourselves (CAS /logout, /account/sessions, a password reset):
// the provider's own logout token to every app of the session that registered a backchannel_logout_uri, sent
// in the background so ending a session never waits on an app.
import type Provider from 'oidc-provider';
import type { Logger } from '../lib/logger.ts';

/** The provider's delivery method, absent from its typings. */
type LogoutCapableClient = { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid?: string): Promise<void> };

export type BackchannelLogout = (accountId: string, authorizations: Record<string, { sid?: string }> | undefined) => void;

export function createBackchannelLogout(provider: Provider, logger: Logger): BackchannelLogout {
  return (accountId, authorizations) => {
    for (const [clientId, { sid }] of Object.entries(authorizations ?? {})) {
      void (async () => {
        const client = (await provider.Client.find(clientId)) as LogoutCapableClient | undefined;
        if (!client?.backchannelLogoutUri) return;
        await client.backchannelLogout(accountId, sid);
        logger.info({ event: 'backchannel.sent', client: clientId, accountId }, 'back-channel logout delivered');
      })().catch((error: unknown) => {
        logger.warn({ event: 'backchannel.failed', client: clientId, accountId, error: (error as Error).message }, 'back-channel logout delivery failed');
      });
    }
  };
}
