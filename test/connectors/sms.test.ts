// SMS connectors: the signers against the vendors' published vectors, and each connector against its simulator
// — delivery, wrong credentials, per-number limits, bad numbers, outages and hangs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTc3, createTencentSms } from '../../src/connectors/sms/tencent.ts';
import { signAliyunV1, createAliyunSms } from '../../src/connectors/sms/aliyun.ts';
import { createMemorySms } from '../../src/connectors/sms/memory.ts';
import { maskPhone } from '../../src/connectors/sms/sms-sender.ts';
import { createSmsSender } from '../../src/connectors/sms/index.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { loadConfig } from '../../src/config/env.ts';
import { aliyunSimulator, tencentSimulator, type SmsSimulator } from '../simulators/sms-simulators.ts';

const message = (phone: string, code = '482913') => ({ phone, template: 'verification_code' as const, params: { code, minutes: 5 } });

describe('signers (published vectors)', () => {
  it('TC3-HMAC-SHA256 gives the documented signature', () => {
    const body = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
    const signed = signTc3({ secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE', secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE', service: 'cvm', host: 'cvm.tencentcloudapi.com', timestamp: 1551113065, body });
    expect(signed.hashedCanonicalRequest).toBe('5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    expect(signed.signature).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(signed.authorization).toContain('Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request');
  });

  it('Aliyun signature V1 gives the documented signatures', () => {
    const sms = signAliyunV1('GET', {
      AccessKeyId: 'testId', Action: 'SendSms', Format: 'XML', OutId: '123', PhoneNumbers: '15300000001', RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用', SignatureMethod: 'HMAC-SHA1', SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466', SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007', TemplateParam: '{"customer":"test"}', Timestamp: '2017-07-12T02:42:19Z', Version: '2017-05-25',
    }, 'testSecret');
    expect(sms.stringToSign.startsWith('GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML')).toBe(true);
    expect(sms.signature).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
    const rpc = signAliyunV1('GET', {
      AccessKeyId: 'testid', Action: 'DescribeRegions', Format: 'XML', SignatureMethod: 'HMAC-SHA1', SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      SignatureVersion: '1.0', Timestamp: '2016-02-23T12:46:24Z', Version: '2014-05-26',
    }, 'testsecret');
    expect(rpc.signature).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });
});

describe('Tencent Cloud SMS against its simulator', () => {
  let sim: SmsSimulator;
  beforeAll(async () => {
    sim = await tencentSimulator({ 'AKID-campus': 'tencent-secret-key' });
  });
  afterAll(async () => sim?.close());
  const connector = (secretKey = 'tencent-secret-key', timeoutMs = 5_000) =>
    createTencentSms({ secretId: 'AKID-campus', secretKey, sdkAppId: '1400006666', signName: '某某大学', templateId: '1234', region: 'ap-guangzhou', endpoint: sim.url, timeoutMs });

  it('delivers a code the simulator accepts, then hits the 30 s per-number limit', async () => {
    expect(await connector().send(message('+8613812348347'))).toMatchObject({ ok: true });
    expect(sim.outbox.at(-1)).toEqual({ phone: '+8613812348347', params: ['482913', '5'] });
    expect(await connector().send(message('+8613812348347'))).toMatchObject({ ok: false, reason: 'rate_limited', vendorCode: 'LimitExceeded.PhoneNumberThirtySecondLimit' });
  });

  it('reports a wrong secret as rejected and a bad number as invalid', async () => {
    expect(await connector('wrong-secret').send(message('+8613900000001'))).toMatchObject({ ok: false, reason: 'rejected', vendorCode: 'AuthFailure.SignatureFailure' });
    expect(await connector().send(message('+861234'))).toMatchObject({ ok: false, reason: 'invalid_number' });
  });

  it('reports an outage and a hang as vendor_unavailable, the hang within the timeout', async () => {
    sim.mode = 'outage';
    expect(await connector().send(message('+8613900000002'))).toMatchObject({ ok: false, reason: 'vendor_unavailable', retryable: true });
    sim.mode = 'hang';
    const started = performance.now();
    expect(await connector(undefined, 300).send(message('+8613900000003'))).toMatchObject({ ok: false, reason: 'vendor_unavailable' });
    expect(performance.now() - started).toBeLessThan(2_000);
    sim.mode = 'ok';
  });
});

describe('Aliyun SMS against its simulator', () => {
  let sim: SmsSimulator;
  beforeAll(async () => {
    sim = await aliyunSimulator({ 'LTAI-campus': 'aliyun-secret' });
  });
  afterAll(async () => sim?.close());
  const connector = (accessKeySecret = 'aliyun-secret') =>
    createAliyunSms({ accessKeyId: 'LTAI-campus', accessKeySecret, signName: '某某大学', templateCode: 'SMS_1', endpoint: sim.url });

  it('delivers, then meets BUSINESS_LIMIT_CONTROL for the same number within a minute', async () => {
    expect(await connector().send(message('+8613812348347', '007311'))).toMatchObject({ ok: true });
    expect(sim.outbox.at(-1)).toEqual({ phone: '13812348347', params: ['007311'] });
    expect(await connector().send(message('+8613812348347'))).toMatchObject({ ok: false, reason: 'rate_limited', vendorCode: 'isv.BUSINESS_LIMIT_CONTROL' });
  });

  it('reports a wrong secret, a bad number and an outage in our terms', async () => {
    expect(await connector('nope').send(message('+8613900000004'))).toMatchObject({ ok: false, reason: 'rejected', vendorCode: 'SignatureDoesNotMatch' });
    expect(await connector().send(message('+86123'))).toMatchObject({ ok: false, reason: 'invalid_number' });
    sim.mode = 'outage';
    expect(await connector().send(message('+8613900000005'))).toMatchObject({ ok: false, reason: 'vendor_unavailable' });
    sim.mode = 'ok';
  });
});

describe('development outbox', () => {
  it('keeps messages for the admin page and logs only the masked number', async () => {
    const lines: unknown[] = [];
    const logger = { info: (obj: unknown) => lines.push(obj) } as never;
    const outbox = createMemorySms(logger);
    await outbox.send(message('+8613812348347', '555123'));
    expect(outbox.messages()[0]?.params.code).toBe('555123');
    expect(JSON.stringify(lines)).not.toContain('555123');
    expect(JSON.stringify(lines)).toContain(maskPhone('+8613812348347'));
    expect(maskPhone('+8613812348347')).toBe('138****8347');
  });
});

describe('development outbox codes in the log (SMS_OUTBOX_LOG_CODES)', () => {
  const memoryConfig = (outboxLogCodes: boolean) => ({ ...loadConfig({}).sms, provider: 'memory' as const, outboxLogCodes });
  const logged = async (outboxLogCodes: boolean) => {
    const lines: string[] = [];
    const sender = createSmsSender(memoryConfig(outboxLogCodes), createLogger('info', { write: (line: string) => void lines.push(line) }));
    await sender.send(message('+8613812348347', '731905'));
    return lines.join('');
  };

  it('keeps the code out of the log unless the developer opted in, in development too', async () => {
    const line = await logged(false);
    expect(line).toContain('sms.outbox');
    expect(line).not.toContain('731905');
    // Not even handed to the logger, so no redaction rule has to catch it.
    const handed: unknown[] = [];
    await createSmsSender(memoryConfig(false), { info: (entry: unknown) => handed.push(entry) } as never).send(message('+8613812348347', '731905'));
    expect(JSON.stringify(handed)).toContain('138****8347');
    expect(JSON.stringify(handed)).not.toContain('731905');
  });

  it('shows the code when SMS_OUTBOX_LOG_CODES is on, so a developer can sign in', async () => {
    expect(await logged(true)).toContain('731905');
  });
});
