// The WeChat wire details pinned to the published vectors (reference/external-protocols.md §2b): the callback
// signature, the URL check, secure-mode encryption, subscribe's qrscene_ prefix, and errcode mapping.
import { describe, expect, it } from 'vitest';
import { decryptMessage, encryptMessage, signatureMatches, wechatSignature } from '../../src/connectors/wechat/signature.ts';
import { createOfficialAccount } from '../../src/connectors/wechat/official-account.ts';
import { failureOf } from '../../src/connectors/wechat/api-client.ts';
import { loadConfig } from '../../src/config/env.ts';

const aesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const account = createOfficialAccount({ appId: 'wx9f8e7d6c5b4a3921', secret: 's', token: 'AAAAA', aesKey, apiBaseUrl: 'http://127.0.0.1:9' });

describe('callback signatures', () => {
  it('matches the documented vector', () => {
    expect(wechatSignature(['AAAAA', '1714037059', '486452656'])).toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
    expect(signatureMatches('899cf89e464efb63f54ddac96b0a0a235f53aa78', '899CF89E464EFB63F54DDAC96B0A0A235F53AA78')).toBe(true);
    expect(signatureMatches('899cf89e464efb63f54ddac96b0a0a235f53aa78', '899cf89e464efb63f54ddac96b0a0a235f53aa79')).toBe(false);
    expect(signatureMatches('899cf89e464efb63f54ddac96b0a0a235f53aa78', undefined)).toBe(false);
  });

  it('echoes the URL check only when it is signed with our token', () => {
    const query = { signature: 'f464b24fc39322e44b38aa78f5edd27bd1441696', echostr: '4375120948345356249', timestamp: '1714036504', nonce: '1514711492' };
    expect(account.verifyUrl(query)).toBe('4375120948345356249');
    expect(account.verifyUrl({ ...query, nonce: '1514711493' })).toBeUndefined();
  });
});

describe('secure mode and events', () => {
  const event = (type: string, key: string) =>
    `<xml><ToUserName><![CDATA[gh_a786fbe98353]]></ToUserName><FromUserName><![CDATA[oOPENID]]></FromUserName><CreateTime>1648535359</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${type}]]></Event><EventKey><![CDATA[${key}]]></EventKey></xml>`;
  const signed = (extra: Record<string, string> = {}) => ({ timestamp: '1648535359', nonce: '42', signature: wechatSignature(['AAAAA', '1648535359', '42']), ...extra });

  it('decrypts what it encrypts, only for its own appid', () => {
    const sealed = encryptMessage(aesKey, 'wx9f8e7d6c5b4a3921', 'hello 你好');
    expect(decryptMessage(aesKey, 'wx9f8e7d6c5b4a3921', sealed)).toBe('hello 你好');
    expect(decryptMessage(aesKey, 'wxsomeoneelse00000', sealed)).toBeUndefined();
  });

  it('strips qrscene_ from subscribe and reads SCAN as is; refuses a bad msg_signature', () => {
    expect(account.readEvent(signed(), event('subscribe', 'qrscene_login1'))).toEqual({ ok: true, scan: { openid: 'oOPENID', event: 'subscribe', scene: 'login1', createTime: '1648535359' } });
    expect(account.readEvent(signed(), event('SCAN', 'login2'))).toMatchObject({ ok: true, scan: { scene: 'login2' } });
    const encrypted = encryptMessage(aesKey, 'wx9f8e7d6c5b4a3921', event('SCAN', 'login3'));
    const body = `<xml><ToUserName><![CDATA[gh_a786fbe98353]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
    const msgSignature = wechatSignature(['AAAAA', '1648535359', '42', encrypted]);
    expect(account.readEvent(signed({ encrypt_type: 'aes', msg_signature: msgSignature }), body)).toMatchObject({ ok: true, scan: { scene: 'login3' } });
    expect(account.readEvent(signed({ encrypt_type: 'aes', msg_signature: '0'.repeat(40) }), body)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(account.readEvent({ ...signed(), signature: '0'.repeat(40) }, event('SCAN', 'login2'))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('maps errcodes, not messages', () => {
    expect([40029, 40163, 42003].map(failureOf)).toEqual(['invalid_code', 'invalid_code', 'invalid_code']);
    expect(failureOf(40125)).toBe('bad_credentials');
    expect(failureOf(45009)).toBe('rate_limited');
    expect(failureOf(-1)).toBe('unavailable');
  });
});

describe('settings', () => {
  it('hides each way in until its credentials are set, and names what is missing or malformed', () => {
    expect(loadConfig({}).wechat).toEqual({ open: undefined, officialAccount: undefined, wecom: undefined, inApp: 'offer' });
    expect(loadConfig({ WECHAT_IN_APP: 'direct' }).wechat.inApp).toBe('direct');
    expect(() => loadConfig({ WECHAT_IN_APP: 'always' })).toThrow(/WECHAT_IN_APP must be one of offer, direct/);
    const open = loadConfig({ WECHAT_OPEN_APP_ID: 'wx1', WECHAT_OPEN_SECRET: 's' }).wechat.open;
    expect(open).toEqual({ appId: 'wx1', secret: 's', authorizeBaseUrl: 'https://open.weixin.qq.com', apiBaseUrl: 'https://api.weixin.qq.com' });
    expect(() => loadConfig({ WECHAT_OPEN_APP_ID: 'wx1' })).toThrow(/WECHAT_OPEN_SECRET is missing/);
    expect(() => loadConfig({ WECOM_CORP_ID: 'ww1', WECOM_SECRET: 's' })).toThrow(/WECOM_AGENT_ID is missing/);
    expect(() => loadConfig({ WECHAT_MP_APP_ID: 'wx2', WECHAT_MP_SECRET: 's', WECHAT_MP_TOKEN: 't0k', WECHAT_MP_AES_KEY: 'short' })).toThrow(/WECHAT_MP_AES_KEY must be the 43-character EncodingAESKey/);
    expect(() => loadConfig({ WECHAT_OPEN_APP_ID: 'wx1', WECHAT_OPEN_SECRET: 's', WECHAT_API_BASE_URL: 'ftp://x' })).toThrow(/WECHAT_API_BASE_URL must be a https: or http: URL/);
  });
});
