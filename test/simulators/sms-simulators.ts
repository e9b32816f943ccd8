// Local stand-ins for Tencent Cloud SMS and Aliyun SMS: real HTTP servers on 127.0.0.1 that check signatures
// the way the vendors document (recomputed from the request received), answer in the vendors' JSON shapes with
// their error codes, keep an outbox the tests read, and can be told to fail (outage, hang).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signTc3 } from '../../src/connectors/sms/tencent.ts';
import { signAliyunV1 } from '../../src/connectors/sms/aliyun.ts';

export type SimulatorMode = 'ok' | 'outage' | 'hang';

export interface SmsSimulator {
  url: string;
  outbox: { phone: string; params: string[] }[];
  mode: SimulatorMode;
  close(): Promise<void>;
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => resolve(body));
  });

async function serve(handle: (req: IncomingMessage, body: string, sim: SmsSimulator) => unknown): Promise<SmsSimulator> {
  const sim = { url: '', outbox: [], mode: 'ok', close: async () => {} } as SmsSimulator;
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    if (sim.mode === 'hang') return; // never answers
    if (sim.mode === 'outage') return res.writeHead(503).end('Service Unavailable');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(handle(req, body, sim)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  sim.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return sim;
}

/** Tencent: TC3 check (±5 min, UTC date scope), per-number limit of one message per 30 s. */
export function tencentSimulator(secrets: Record<string, string>): Promise<SmsSimulator> {
  const lastSent = new Map<string, number>();
  return serve((req, body, sim) => {
    const requestId = crypto.randomUUID();
    const fail = (Code: string) => ({ Response: { Error: { Code, Message: Code }, RequestId: requestId } });
    const match = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/(\w+)\/tc3_request, SignedHeaders=content-type;host, Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
    if (!match) return fail('AuthFailure.InvalidAuthorization');
    const [, secretId = '', date, service = '', signature] = match;
    const secretKey = secrets[secretId];
    if (!secretKey) return fail('AuthFailure.SecretIdNotFound');
    const timestamp = Number(req.headers['x-tc-timestamp']);
    if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return fail('AuthFailure.SignatureExpire');
    if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) return fail('AuthFailure.SignatureFailure');
    const expected = signTc3({ secretId, secretKey, service, host: req.headers.host ?? '', timestamp, body }).signature;
    if (expected !== signature || req.headers['x-tc-action'] !== 'SendSms') return fail('AuthFailure.SignatureFailure');
    const request = JSON.parse(body) as { PhoneNumberSet: string[]; TemplateParamSet: string[] };
    const phone = request.PhoneNumberSet[0] ?? '';
    const status = (Code: string) => ({ Response: { SendStatusSet: [{ SerialNo: crypto.randomUUID(), PhoneNumber: phone, Fee: Code === 'Ok' ? 1 : 0, Code, Message: Code, IsoCode: 'CN' }], RequestId: requestId } });
    if (!/^\+861\d{10}$/.test(phone)) return status('InvalidParameterValue.IncorrectPhoneNumber');
    if (Date.now() - (lastSent.get(phone) ?? 0) < 30_000) return status('LimitExceeded.PhoneNumberThirtySecondLimit');
    lastSent.set(phone, Date.now());
    sim.outbox.push({ phone, params: request.TemplateParamSet });
    return status('Ok');
  });
}

/** Aliyun: signature V1 over the POST form, nonces single use, Timestamp within 15 min, one message a minute. */
export function aliyunSimulator(secrets: Record<string, string>): Promise<SmsSimulator> {
  const nonces = new Set<string>();
  const lastSent = new Map<string, number>();
  return serve((_req, body, sim) => {
    const params = Object.fromEntries(new URLSearchParams(body));
    const answer = (Code: string, extra: Record<string, string> = {}) => ({ Code, Message: Code, RequestId: crypto.randomUUID(), ...extra });
    const secret = secrets[params.AccessKeyId ?? ''];
    if (!secret) return answer('InvalidAccessKeyId.NotFound');
    if (signAliyunV1('POST', params, secret).signature !== params.Signature) return answer('SignatureDoesNotMatch');
    if (Math.abs(Date.now() - Date.parse(params.Timestamp ?? '')) > 15 * 60_000) return answer('InvalidTimeStamp.Expired');
    if (nonces.has(params.SignatureNonce ?? '')) return answer('SignatureNonceUsed');
    nonces.add(params.SignatureNonce ?? '');
    const phone = params.PhoneNumbers ?? '';
    if (!/^1\d{10}$/.test(phone)) return answer('isv.MOBILE_NUMBER_ILLEGAL');
    if (Date.now() - (lastSent.get(phone) ?? 0) < 60_000) return answer('isv.BUSINESS_LIMIT_CONTROL');
    lastSent.set(phone, Date.now());
    const template = JSON.parse(params.TemplateParam ?? '{}') as { code?: string };
    if (!template.code) return answer('isv.TEMPLATE_MISSING_PARAMETERS');
    sim.outbox.push({ phone, params: [template.code] });
    return answer('OK', { BizId: crypto.randomUUID() });
  });
}

/** Server settings that send codes through a Tencent simulator started with `tencentTestSecrets`. */
export const tencentTestSecrets = { AKIDtest: 'tencent-secret-key' };
export function tencentServerSettings(simulator: SmsSimulator): Record<string, string> {
  return {
    SMS_PROVIDER: 'tencent',
    TENCENT_SMS_SECRET_ID: 'AKIDtest',
    TENCENT_SMS_SECRET_KEY: 'tencent-secret-key',
    TENCENT_SMS_SDK_APP_ID: '1400000000',
    TENCENT_SMS_SIGN_NAME: '校园统一身份认证',
    TENCENT_SMS_TEMPLATE_ID: '100001',
    TENCENT_SMS_ENDPOINT: simulator.url,
    OUTBOUND_PRIVATE_HOSTS: '127.0.0.1',
  };
}
