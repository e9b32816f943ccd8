// The WeChat second-factor and binding pages speak both languages, keep typed input escaped, and put the CSRF
// token in every form; the mfa page offers WeChat only when told to.
import { describe, expect, it } from 'vitest';
import { renderWechatMfaQr, renderWechatSwitch } from './wechat-binding.ts';
import { renderConnections } from './connect-account.ts';
import { renderMfa } from './mfa.ts';

const frame = { nonce: 'n0nce' };

describe('WeChat second factor and binding pages', () => {
  it('offers "Confirm with WeChat" on the mfa page only with an offer, in Chinese too', () => {
    const base = { ...frame, csrfToken: 'tok', action: '/interaction/abc/mfa', hasTotp: true };
    expect(renderMfa({ ...base, locale: 'en' })).not.toContain('id="mfa-wechat"');
    const offered = renderMfa({ ...base, locale: 'zh-CN', wechat: { href: '/interaction/abc/mfa/wechat' } });
    expect(offered).toContain('id="mfa-wechat" href="/interaction/abc/mfa/wechat"');
    expect(offered).toContain('使用微信确认');
    expect(renderMfa({ ...base, locale: 'en', error: 'wechat_mfa_other_account' })).toContain('bound to another campus ID');
  });

  it('explains both ways to move a WeChat, keeps the typed login ID escaped, and names no other account', () => {
    const page = renderWechatSwitch({ ...frame, locale: 'en', csrfToken: 'tok', action: '/account/connections/wechat/switch', backUrl: '/account/connections', loginId: '"><script>', error: 'same_account' });
    expect(page).toContain('sign in to the other ID');
    expect(page).toContain('Or move it now');
    expect(page).toContain('That is this campus ID.');
    expect(page).not.toContain('"><script>');
    expect(page).toContain('name="_csrf" value="tok"');
    expect(renderWechatSwitch({ ...frame, locale: 'zh-CN', csrfToken: 't', action: '/a', backUrl: '/b' })).toContain('这个微信已绑定到另一个校园账号');
  });

  it('shows the bind button and the outcome notices on /account/connections', () => {
    const page = renderConnections({ ...frame, locale: 'en', csrfToken: 'tok', identities: [], notice: 'moved', bindWechat: { action: '/account/connections/bind/wechat' } });
    expect(page).toContain('action="/account/connections/bind/wechat"');
    expect(page).toContain('Moved. This WeChat is now bound to this campus ID');
    expect(renderConnections({ ...frame, locale: 'en', csrfToken: 'tok', identities: [] })).not.toContain('bind/wechat');
  });

  it('labels the official-account QR for the second factor', () => {
    const page = renderWechatMfaQr({ ...frame, locale: 'zh-CN', qrDataUrl: 'data:image/png;base64,AAAA', statusUrl: '/s', continueUrl: '/c', backUrl: '/b' });
    expect(page).toContain('data-status-url="/s"');
    expect(page).toContain('返回其他验证方式');
    expect(page).toContain('<script nonce="n0nce" src="/assets/connect-wait.js">');
  });
});
