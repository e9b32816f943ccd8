// WeChat as a second factor (WECHAT_MFA): on the mfa prompt, a person whose first factor was not WeChat and who
// has a WeChat bound may scan instead of typing a code. /interaction/:uid/mfa/wechat keeps a single-use CSPRNG
// state under this sign-in (the provider's interaction cookie binds it to this browser) and sends the browser to
// WeChat's website QR, or shows the official account's temporary QR. The scan passes only when that WeChat is
// bound to the very account being signed in; another person's or an unbound WeChat is refused on the mfa page
// and audited as mfa.failed. A pass goes through mfa-routes.ts `passed` like every other factor.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Counter } from 'prom-client';
import QRCode from 'qrcode';
import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import type { WechatBindings } from '../src/services/wechat-bindings.ts';
import type { ExternalSubject } from '../src/connectors/wechat/api-client.ts';
import type { OfficialAccount } from '../src/connectors/wechat/official-account.ts';
import { AppError, errorCatalogue, type ErrorCode } from '../src/lib/errors.ts';
import { constantTimeEqual } from '../src/lib/crypto.ts';
import { interactionHelpers, type Details } from './interaction-helpers.ts';
import type { RedirectProvider } from './connect-routes.ts';
import { externalAmr } from './connect-sign-in.ts';
import { resultKey, sceneKey, sceneStatus, type ScanResult } from './connect-mp-routes.ts';
import { streamScanStatus, type ScanEvents } from './scan-wait-stream.ts';
import type { PassedFactor } from './mfa-routes.ts';
import { pageFrame } from './render.ts';
import { renderWechatMfaQr } from './views/wechat-binding.ts';

/**
 * RFC 8176 has no method for "confirmed by scanning with a bound WeChat". We add `mfa` (registered: more than
 * one factor was shown, which is what makes sessionHasSecondFactor true) and our own `wechat`, so a client can
 * tell this from an authenticator code (`otp`) or a passkey (`hwk`). Never `ext`: that is WeChat as first factor.
 */
export const wechatMfaAmr = ['mfa', 'wechat'] as const;

const stateSeconds = 600;
const qrSeconds = 300;
/** QR starts per sign-in in ten minutes: each official-account QR is a call against WeChat's daily quota. */
const startsPerSignIn = 10;

export interface WechatMfaDependencies {
  /** WECHAT_MFA: which QR the mfa prompt shows. */
  channel: 'website' | 'official-account';
  issuer: string;
  websiteQr: RedirectProvider | undefined;
  officialAccount: OfficialAccount | undefined;
  bindings: WechatBindings;
  /** The QR status channel: the waiting page hears of the scan at once; undefined = it polls /status. */
  scanEvents?: ScanEvents;
}

interface StepDependencies extends WechatMfaDependencies {
  provider: Provider;
  store: KeyValueStore;
  secondFactors: Counter<'result'>;
  audit?: Pick<AuditLog, 'record'>;
}

interface MfaPages {
  passed(ctx: Context, interaction: Details, result: PassedFactor): Promise<void>;
  showMfa(ctx: Context, interaction: Details, error?: ErrorCode): Promise<void>;
}

/** Whom this scan is waiting for: the account at the mfa prompt when it started. */
interface Pending {
  accountId: string;
  state?: string;
  scene?: string;
}

export function wechatMfaStep(deps: StepDependencies, pages: MfaPages, router: Router) {
  const { store, bindings } = deps;
  const { details } = interactionHelpers(deps.provider);
  const pendingKey = (uid: string) => `mfa:wechat:pending:${uid}`;
  const base = (uid: string) => `/interaction/${uid}/mfa/wechat`;

  /** A sign-in whose first factor was WeChat cannot bring the same WeChat again as its second. */
  const firstFactorWasWechat = (interaction: Details) => (interaction.session?.amr ?? []).includes(externalAmr);

  const offer = async (interaction: Details, accountId: string): Promise<{ href: string } | undefined> => {
    if (firstFactorWasWechat(interaction) || !(await bindings.hasWechat(accountId))) return undefined;
    return { href: base(interaction.uid) };
  };

  /** This interaction at its mfa prompt, or an "expired" page. */
  const openMfa = async (ctx: Context) => {
    const interaction = await details(ctx);
    const accountId = interaction.session?.accountId;
    if (interaction.prompt.name !== 'mfa' || !accountId) throw new AppError('interaction_expired');
    return { interaction, accountId };
  };

  const refuse = async (ctx: Context, interaction: Details, accountId: string, error: ErrorCode, reason: string) => {
    ctx.state.logger.info({ event: 'mfa.failed', accountId, factor: 'wechat', reason }, 'WeChat second factor refused');
    await deps.audit?.record({ type: 'mfa.failed', userId: accountId, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { factor: 'wechat', reason } });
    deps.secondFactors.inc({ result: 'failure' });
    ctx.status = errorCatalogue[error].status;
    await pages.showMfa(ctx, interaction, error);
  };

  /** The scan passes only for the WeChat bound to the account being signed in. */
  const judge = async (ctx: Context, interaction: Details, accountId: string, identity: ExternalSubject) => {
    const owner = await bindings.ownerOf(identity);
    if (!owner) return refuse(ctx, interaction, accountId, 'wechat_mfa_unbound', 'unbound');
    if (owner !== accountId) return refuse(ctx, interaction, accountId, 'wechat_mfa_other_account', 'other_account');
    await bindings.touch(identity);
    const firstFactors = interaction.session?.amr?.length ? interaction.session.amr : ['pwd'];
    await pages.passed(ctx, interaction, { accountId, amr: [...new Set([...firstFactors, ...wechatMfaAmr])], factor: 'wechat' });
  };

  /** Takes this sign-in's pending scan (single use); undefined when it is gone or was for someone else. */
  const takePending = async (uid: string, accountId: string): Promise<Pending | undefined> => {
    const raw = await store.take(pendingKey(uid));
    const pending = raw ? (JSON.parse(raw) as Pending) : undefined;
    return pending?.accountId === accountId ? pending : undefined;
  };

  router.get('/:uid/mfa/wechat', async (ctx) => {
    const { interaction, accountId } = await openMfa(ctx);
    if (!(await offer(interaction, accountId))) throw new AppError('not_found');
    if ((await store.increment(`mfa:wechat:starts:${interaction.uid}`, stateSeconds)) > startsPerSignIn) {
      ctx.status = errorCatalogue.rate_limited.status;
      return pages.showMfa(ctx, interaction, 'rate_limited');
    }
    ctx.set('Cache-Control', 'no-store');
    if (deps.channel === 'website' && deps.websiteQr) {
      // WeChat allows only [a-zA-Z0-9] in state: 32 random bytes as hex. A new start replaces an older state.
      const state = randomBytes(32).toString('hex');
      await store.set(pendingKey(interaction.uid), JSON.stringify({ accountId, state } satisfies Pending), stateSeconds);
      ctx.redirect(deps.websiteQr.authorizeUrl(`${deps.issuer}${base(interaction.uid)}/callback`, state));
      return;
    }
    if (!deps.officialAccount) throw new AppError('not_found');
    const scene = `mfa${randomBytes(16).toString('hex')}`;
    const qr = await deps.officialAccount.createLoginQr(scene, qrSeconds);
    if (!qr.ok) {
      ctx.state.logger.warn({ event: 'mfa.wechat_qr_failed', reason: qr.reason, errcode: qr.errcode }, 'official account QR not created');
      ctx.status = errorCatalogue.wechat_mfa_failed.status;
      return pages.showMfa(ctx, interaction, 'wechat_mfa_failed');
    }
    // The push handler (connect-mp-routes.ts) records who scanned this scene under resultKey(scene).
    await store.set(sceneKey(scene), interaction.uid, qr.expireSeconds);
    await store.set(pendingKey(interaction.uid), JSON.stringify({ accountId, scene } satisfies Pending), qr.expireSeconds);
    ctx.type = 'html';
    ctx.body = renderWechatMfaQr({
      ...pageFrame(ctx, interaction.params.ui_locales),
      languageLinks: undefined,
      qrDataUrl: await QRCode.toDataURL(qr.url, { margin: 1, width: 240 }),
      statusUrl: `${base(interaction.uid)}/status`,
      eventsUrl: deps.scanEvents && `${base(interaction.uid)}/wait`,
      continueUrl: `${base(interaction.uid)}/finish`,
      backUrl: `/interaction/${interaction.uid}`,
    });
  });

  // Website QR: WeChat sends the browser back here with the code and our state.
  router.get('/:uid/mfa/wechat/callback', async (ctx) => {
    const { interaction, accountId } = await openMfa(ctx);
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const pending = await takePending(interaction.uid, accountId);
    if (!deps.websiteQr || !pending?.state || !state || !constantTimeEqual(state, pending.state)) {
      ctx.state.logger.warn({ event: 'mfa.wechat_state_refused', accountId, reason: pending ? 'mismatch' : 'used_or_expired' }, 'WeChat second factor with a used, expired or foreign state');
      ctx.status = errorCatalogue.wechat_mfa_expired.status;
      return pages.showMfa(ctx, interaction, 'wechat_mfa_expired');
    }
    const code = typeof ctx.query.code === 'string' ? ctx.query.code.slice(0, 512) : '';
    const exchanged = code ? await deps.websiteQr.exchange(code) : undefined;
    if (!exchanged?.ok) {
      const reason = exchanged ? exchanged.reason : 'denied';
      ctx.state.logger.warn({ event: 'mfa.wechat_exchange_failed', accountId, reason, errcode: exchanged && !exchanged.ok ? exchanged.errcode : undefined }, 'WeChat did not confirm');
      ctx.status = errorCatalogue.wechat_mfa_failed.status;
      return pages.showMfa(ctx, interaction, 'wechat_mfa_failed');
    }
    await judge(ctx, interaction, accountId, exchanged.identity);
  });

  // Official account: the waiting page's event stream says "scanned" as soon as any instance receives the push.
  router.get('/:uid/mfa/wechat/wait', async (ctx) => {
    const { interaction, accountId } = await openMfa(ctx);
    const raw = await store.get(pendingKey(interaction.uid));
    const pending = raw ? (JSON.parse(raw) as Pending) : undefined;
    const scene = pending?.accountId === accountId ? pending.scene : undefined;
    if (!deps.scanEvents || !scene) throw new AppError('wechat_mfa_expired');
    await streamScanStatus(ctx, deps.scanEvents, scene, () => sceneStatus(store, scene), `${base(interaction.uid)}/finish`);
  });

  // Official account: the page's fallback when its event stream fails; it asks every few seconds.
  router.get('/:uid/mfa/wechat/status', async (ctx) => {
    ctx.type = 'json';
    ctx.set('Cache-Control', 'no-store');
    let uid: string;
    try {
      uid = (await openMfa(ctx)).interaction.uid;
    } catch {
      ctx.body = { status: 'expired' };
      return;
    }
    const raw = await store.get(pendingKey(uid));
    const scene = raw ? (JSON.parse(raw) as Pending).scene : undefined;
    if (!scene) {
      ctx.body = { status: 'expired' };
      return;
    }
    const status = await sceneStatus(store, scene);
    ctx.body = status === 'scanned' ? { status, next: `${base(uid)}/finish` } : { status };
  });

  router.get('/:uid/mfa/wechat/finish', async (ctx) => {
    const { interaction, accountId } = await openMfa(ctx);
    const saved = await store.get(pendingKey(interaction.uid));
    const pending = saved ? (JSON.parse(saved) as Pending) : undefined;
    // The scan result is taken once (single use); a "continue" before the scan leaves the QR waiting.
    const raw = pending?.scene && pending.accountId === accountId ? await store.take(resultKey(pending.scene)) : undefined;
    if (raw) await store.delete([pendingKey(interaction.uid)]);
    const result = raw ? (JSON.parse(raw) as ScanResult) : undefined;
    if (!deps.officialAccount || !result || result.uid !== interaction.uid) {
      ctx.status = errorCatalogue.wechat_mfa_expired.status;
      return pages.showMfa(ctx, interaction, 'wechat_mfa_expired');
    }
    const resolved = await deps.officialAccount.resolveIdentity(result.openid);
    if (!resolved.ok) {
      ctx.state.logger.warn({ event: 'mfa.wechat_resolve_failed', accountId, reason: resolved.reason, errcode: resolved.errcode }, 'openid not resolved');
      ctx.status = errorCatalogue.wechat_mfa_failed.status;
      return pages.showMfa(ctx, interaction, 'wechat_mfa_failed');
    }
    await judge(ctx, interaction, accountId, resolved.identity);
  });

  return { offer };
}
