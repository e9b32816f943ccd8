// pino with redaction: passwords, codes, tokens, tickets and cookies never reach a log line.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

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

/** `destination` defaults to stdout; tests pass a stream to read the lines. */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'campus-idp' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
