// E-mail: the SMTP connector against a real SMTP server over TCP (delivery in Chinese, wrong password, unknown
// recipient, busy relay, nothing listening, a relay that never greets), the outbox, the texts, the settings, and
// the security notifier against a test database.
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createSmtpSender, parseSmtpUrl } from '../../src/connectors/email/smtp.ts';
import { createMemoryEmail } from '../../src/connectors/email/memory.ts';
import { maskEmail } from '../../src/connectors/email/email-sender.ts';
import { securityEvents, securityNoticeEmail, verificationCodeEmail } from '../../src/connectors/email/templates.ts';
import { createMemorySms } from '../../src/connectors/sms/memory.ts';
import { createSecurityNotifier } from '../../src/services/security-notifier.ts';
import { loadConfig } from '../../src/config/env.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/stores.ts';

function captureLogger() {
  const lines: { level: string; obj: unknown; msg?: string }[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => lines.push({ level, obj, msg });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as never };
}

/** Enough MIME for what nodemailer writes: RFC 2047 words in headers, base64 or quoted-printable single-part body. */
function decodeMessage(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line
      .slice(colon + 1)
      .trim()
      .replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, kind: string, text: string) =>
        kind.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : qp(text.replace(/_/g, ' ')));
  }
  const encoded = raw.slice(split + 4);
  const encoding = headers['content-transfer-encoding']?.toLowerCase();
  const body = encoding === 'base64' ? Buffer.from(encoded.replace(/\s+/g, ''), 'base64').toString('utf8') : encoding === 'quoted-printable' ? qp(encoded.replace(/=\r\n/g, '')) : encoded;
  return { headers, body };
}

function qp(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

const listen = (server: { listen(port: number, host: string, cb: () => void): unknown }, address: () => AddressInfo | string | null) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((address() as AddressInfo).port)));

describe('SMTP connector against a real SMTP server', () => {
  const received: { from: string; to: string[]; raw: string }[] = [];
  let server: SMTPServer;
  let port: number;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'idp' && auth.password === 'relay-pass') return callback(null, { user: 'idp' });
        callback(new Error('Invalid username or password'));
      },
      onRcptTo(address, _session, callback) {
        const reply = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });
        if (address.address.startsWith('nobody@')) return callback(reply(550, '5.1.1 No such user'));
        if (address.address.startsWith('busy@')) return callback(reply(451, '4.3.0 Try again later'));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    port = await listen(server, () => server.server.address());
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sender = (logger: never, password = 'relay-pass', timeoutMs = 5_000, target = port) =>
    createSmtpSender({ url: `smtp://idp:${password}@127.0.0.1:${target}`, from: 'campus-idp <no-reply@example.edu>', logger, timeoutMs });

  it('delivers a zh-CN verification code whose subject and body survive the trip', async () => {
    const { lines, logger } = captureLogger();
    const message = verificationCodeEmail({ to: 'zhang.san@example.edu', code: '482913', minutes: 10, locale: 'zh-CN', purpose: 'verify_email' });
    const result = await sender(logger).send(message);
    expect(result).toMatchObject({ ok: true });
    const last = received.at(-1);
    expect(last?.to).toEqual(['zhang.san@example.edu']);
    expect(last?.from).toBe('no-reply@example.edu');
    const { headers, body } = decodeMessage(last?.raw ?? '');
    expect(headers.subject).toBe('您的验证码');
    expect(headers.from).toMatch(/^"?campus-idp"? <no-reply@example\.edu>$/);
    expect(headers.to).toBe('zhang.san@example.edu');
    expect(body).toContain('验证码是：482913');
    expect(body).toContain('10 分钟内有效');
    expect(body).toContain('信息化服务台');
    expect(JSON.stringify(lines)).not.toContain('482913');
    expect(JSON.stringify(lines)).not.toContain('zhang.san');
    expect(JSON.stringify(lines)).toContain('zh***@example.edu');
  });

  it('reports a wrong relay password as rejected, not retryable, logged as a configuration error', async () => {
    const { lines, logger } = captureLogger();
    const before = received.length;
    const result = await sender(logger, 'wrong-pass').send(verificationCodeEmail({ to: 'li.si@example.edu', code: '111222', minutes: 10, locale: 'en', purpose: 'sign_in' }));
    expect(result).toMatchObject({ ok: false, reason: 'rejected', retryable: false });
    expect(received.length).toBe(before);
    expect(lines.find((line) => line.level === 'error')?.obj).toMatchObject({ event: 'email.auth_failed' });
    expect(JSON.stringify(lines)).not.toContain('wrong-pass');
  });

  it('reports a 550 on RCPT as invalid_address and a 451 as vendor_unavailable (retryable)', async () => {
    const { lines, logger } = captureLogger();
    const notice = (to: string) => securityNoticeEmail({ to, locale: 'en', event: 'password_changed', at: new Date() });
    expect(await sender(logger).send(notice('nobody@example.edu'))).toMatchObject({ ok: false, reason: 'invalid_address', retryable: false });
    expect(await sender(logger).send(notice('busy@example.edu'))).toMatchObject({ ok: false, reason: 'vendor_unavailable', retryable: true });
    expect(JSON.stringify(lines)).not.toContain('nobody@');
  });

  it('refuses something that is not an address without calling the relay', async () => {
    const { logger } = captureLogger();
    const before = received.length;
    expect(await sender(logger).send({ to: 'not an address', subject: 's', text: 't' })).toMatchObject({ ok: false, reason: 'invalid_address', retryable: false });
    expect(received.length).toBe(before);
  });

  it('reports nothing listening as vendor_unavailable', async () => {
    const probe = createServer();
    const closedPort = await listen(probe, () => probe.address());
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { logger } = captureLogger();
    expect(await sender(logger, 'relay-pass', 2_000, closedPort).send({ to: 'a.b@example.edu', subject: 's', text: 't' })).toMatchObject({ ok: false, reason: 'vendor_unavailable', retryable: true });
  });

  it('gives up on a relay that accepts TCP but never greets, within the configured timeout', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    const silentPort = await listen(silent, () => silent.address());
    try {
      const { logger } = captureLogger();
      const started = performance.now();
      const result = await sender(logger, 'relay-pass', 300, silentPort).send({ to: 'a.b@example.edu', subject: 's', text: 't' });
      expect(result).toMatchObject({ ok: false, reason: 'vendor_unavailable', retryable: true });
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('SMTP_URL', () => {
  it('reads implicit TLS, STARTTLS-required, default ports and percent-encoded credentials', () => {
    expect(parseSmtpUrl('smtps://idp%40example.edu:p%40ss%2Fw@mail.example.edu')).toEqual({ host: 'mail.example.edu', port: 465, secure: true, requireTLS: false, auth: { user: 'idp@example.edu', pass: 'p@ss/w' } });
    expect(parseSmtpUrl('smtp://relay.example.edu?starttls=required')).toEqual({ host: 'relay.example.edu', port: 587, secure: false, requireTLS: true, auth: undefined });
    expect(() => parseSmtpUrl('smtp://relay.example.edu?starttls=maybe')).toThrow(/starttls=required/);
    expect(() => parseSmtpUrl('https://relay.example.edu')).toThrow(/smtp: or smtps:/);
  });
});

describe('development outbox and texts', () => {
  it('keeps messages and logs only the masked address and the subject', async () => {
    const { lines, logger } = captureLogger();
    const outbox = createMemoryEmail(logger, 2);
    for (const code of ['100001', '100002', '100003']) {
      await outbox.send(verificationCodeEmail({ to: 'zhang.san@example.com', code, minutes: 5, locale: 'en', purpose: 'sign_in' }));
    }
    expect(outbox.messages().map((message) => message.text.match(/\d{6}/)?.[0])).toEqual(['100002', '100003']);
    expect(JSON.stringify(lines)).not.toMatch(/10000\d|zhang\.san/);
    expect(lines[0]?.obj).toMatchObject({ to: 'zh***@example.com', subject: 'Your verification code' });
    expect(maskEmail('zhang.san@example.com')).toBe('zh***@example.com');
    expect(maskEmail('a@example.com')).toBe('a***@example.com');
  });

  it('words every security notice in both languages with the way out', () => {
    const at = new Date('2026-03-01T02:30:00Z');
    for (const event of securityEvents) {
      const zh = securityNoticeEmail({ to: 'x@example.edu', locale: 'zh-CN', event, at });
      const en = securityNoticeEmail({ to: 'x@example.edu', locale: 'en', event, at });
      expect(zh.text).toContain('如果这不是您本人的操作，请立即修改密码，并联系信息化服务台');
      expect(en.text).toContain('If this was not you, change your password now and contact the IT help desk');
      expect(zh.text).toContain('10:30');
    }
    expect(securityNoticeEmail({ to: 'x@example.edu', locale: 'zh-CN', event: 'password_changed', at }).text).toContain('您的账号密码已修改');
  });
});

describe('e-mail settings', () => {
  it('defaults to the outbox and a local From, and checks SMTP_URL and SMTP_FROM', () => {
    expect(loadConfig({}).email).toEqual({ smtpUrl: undefined, from: 'campus-idp <no-reply@localhost>' });
    expect(loadConfig({ SMTP_URL: 'smtps://idp:pw@mail.example.edu', SMTP_FROM: 'IdP <idp@example.edu>' }).email.smtpUrl).toBe('smtps://idp:pw@mail.example.edu');
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.edu' })).toThrow(/SMTP_URL must be a smtp: or smtps: URL/);
    expect(() => loadConfig({ SMTP_FROM: 'campus-idp' })).toThrow(/SMTP_FROM must be an address/);
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'https://idp.example.edu', MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), COOKIE_KEYS: randomBytes(24).toString('base64url'), REGISTRY_KEY: randomBytes(32).toString('base64'), DATABASE_URL: 'postgres://db/idp' })).not.toThrow();
  });
});

describe('security notifier', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => db?.cleanup());

  const person = (username: string, contacts: { role: string; value: string; verified: boolean }[]) =>
    db.database.prisma.user.create({
      data: {
        username,
        displayName: '张三',
        type: 'student',
        status: 'active',
        contacts: { create: contacts.map((contact) => ({ role: contact.role, value: contact.value, verifiedAt: contact.verified ? new Date() : null })) },
      },
    });

  it('sends one e-mail to the verified recovery address and one SMS to the verified security phone', async () => {
    const user = await person('20240001', [
      { role: 'recovery_email', value: 'zhang.san@example.com', verified: true },
      { role: 'security_phone', value: '+8613812348347', verified: true },
      { role: 'login_phone', value: '+8613900000000', verified: true },
      { role: 'email', value: '20240001@example.edu', verified: false },
    ]);
    const { lines, logger } = captureLogger();
    const email = createMemoryEmail();
    const sms = createMemorySms();
    const summary = await createSecurityNotifier({ prisma: db.database.prisma, email, sms, logger }).notify(user.id, 'factor_added', { locale: 'zh-CN' });
    expect(summary).toMatchObject({ tried: ['email', 'sms'], succeeded: ['email', 'sms'] });
    expect(email.messages().map((message) => [message.to, message.subject])).toEqual([['zhang.san@example.com', '账号安全提醒']]);
    expect(email.messages()[0]?.text).toContain('您的账号添加了一种新的登录验证方式');
    expect(sms.messages()).toMatchObject([{ phone: '+8613812348347', template: 'security_notice', params: { event: '添加验证方式' } }]);
    expect(JSON.stringify(lines)).not.toMatch(/zhang\.san|13812348347/);
  });

  it('sends nothing to unverified contacts, skips the excepted channel and never throws on a failing sender', async () => {
    const quiet = await person('20240002', [
      { role: 'recovery_email', value: 'wang.wu@example.com', verified: false },
      { role: 'security_phone', value: '+8613812340000', verified: false },
    ]);
    const { logger } = captureLogger();
    const email = createMemoryEmail();
    const sms = createMemorySms();
    const notifier = createSecurityNotifier({ prisma: db.database.prisma, email, sms, logger });
    expect(await notifier.notify(quiet.id, 'password_changed', { locale: 'en' })).toEqual({ tried: [], succeeded: [], attempts: [] });
    expect(email.messages()).toHaveLength(0);
    expect(sms.messages()).toHaveLength(0);

    const loginOnly = await person('20240003', [
      { role: 'email', value: 'li.si@example.edu', verified: true },
      { role: 'login_phone', value: '+8613812341111', verified: true },
    ]);
    expect(await notifier.notify(loginOnly.id, 'contact_changed', { locale: 'en', exceptChannel: 'email' })).toMatchObject({ tried: ['sms'], succeeded: ['sms'] });
    expect(sms.messages().at(-1)).toMatchObject({ phone: '+8613812341111', params: { event: 'contact changed' } });

    const failing = createSecurityNotifier({
      prisma: db.database.prisma,
      email: { name: 'down', send: async () => ({ ok: false, reason: 'vendor_unavailable', retryable: true }) },
      sms: { name: 'broken', send: async () => Promise.reject(new Error('boom')) },
      logger,
    });
    expect(await failing.notify(loginOnly.id, 'factor_removed', { locale: 'zh-CN' })).toMatchObject({
      tried: ['email', 'sms'],
      succeeded: [],
      attempts: [{ channel: 'email', to: 'li***@example.edu', reason: 'vendor_unavailable' }, { channel: 'sms', to: '138****1111', reason: 'exception' }],
    });
  });
});
