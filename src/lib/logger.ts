// pino with redaction: passwords, codes, tokens, tickets and cookies never reach a log line.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const redactedPaths = [
  'password',
  'newPassword',
  'code',
  'token',
  'ticket',
  'secret',
  'client_secret',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.code',
  '*.token',
  '*.ticket',
  '*.secret',
  '*.client_secret',
  '*.refresh_token',
  '*.access_token',
  '*.id_token',
];

export function createLogger(level: LevelWithSilent): Logger {
  return pino({
    level,
    base: { service: 'campus-idp' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
