// The RFC 8628 device grant's pages (oidc-provider's userCodeInputSource, userCodeConfirmSource, successSource) in
// our layout and languages. The forms post to the provider's own /device endpoint with its xsrf token; the
// confirmation shows the kiosk's browser, system, address and place like the phone approval page.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { DeviceFlowPages } from '../src/oidc/configuration.ts';
import { summariseUserAgent } from '../src/services/qr-user-agent.ts';
import { pageFrame } from './render.ts';
import { renderDeviceConfirm, renderDeviceDone, renderDeviceInput, type DeviceInputProblem } from './views/qr.ts';

const problemOf = (error: Error | undefined): DeviceInputProblem | undefined => {
  if (!error) return undefined;
  switch (error.name) {
    case 'NoCodeError':
    case 'NotFoundError':
      return 'invalid';
    case 'ExpiredError':
      return 'expired';
    case 'AlreadyUsedError':
      return 'used';
    case 'AbortedError':
      return 'aborted';
    default:
      return 'error';
  }
};

const formParts = (ctx: KoaContextWithOIDC) => ({
  action: ctx.oidc.urlFor('code_verification'),
  xsrf: String((ctx.oidc.session?.state as { secret?: string } | undefined)?.secret ?? ''),
});

const appName = (client: { clientName?: unknown; clientId: string } | undefined) =>
  (typeof client?.clientName === 'string' ? client.clientName : undefined) ?? client?.clientId ?? '';

export function deviceFlowPages(placeOf: (ip: string | undefined) => string | undefined): DeviceFlowPages {
  const respond = (ctx: KoaContextWithOIDC, body: string, status?: number) => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    if (status) ctx.status = status;
    ctx.body = body;
  };
  return {
    userCodeInput(ctx, _form, _out, error) {
      const problem = problemOf(error);
      const typed = (error as { userCode?: unknown } | undefined)?.userCode;
      respond(ctx, renderDeviceInput({ ...pageFrame(ctx), ...formParts(ctx), problem, code: typeof typed === 'string' ? typed.slice(0, 32) : undefined }));
    },
    userCodeConfirm(ctx, _form, client, deviceInfo, userCode) {
      const ip = typeof deviceInfo.ip === 'string' ? deviceInfo.ip : '';
      const agent = summariseUserAgent(typeof deviceInfo.ua === 'string' ? deviceInfo.ua : undefined);
      respond(ctx, renderDeviceConfirm({
        ...pageFrame(ctx),
        languageLinks: undefined,
        ...formParts(ctx),
        userCode,
        details: { app: appName(client), ...agent, ip, place: placeOf(ip) },
      }));
    },
    success(ctx) {
      respond(ctx, renderDeviceDone({ ...pageFrame(ctx), languageLinks: undefined, app: appName(ctx.oidc.client) }));
    },
  };
}
