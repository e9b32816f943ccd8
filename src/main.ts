// Entry point: load config → build dependencies → listen; SIGTERM/SIGINT drain in-flight requests and close stores.
import { loadConfig } from './config/env.ts';
import { ConfigError } from './lib/errors.ts';
import { createLogger } from './lib/logger.ts';
import { startServer } from './server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`campus-idp cannot start.\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let running;
  try {
    running = await startServer(config, { logger });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`campus-idp cannot start.\n${error.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
  logger.info({ issuer: running.url, database: config.databaseUrl ? 'postgresql' : 'embedded', store: config.redisUrl ? 'redis' : 'embedded' }, 'campus-idp is listening');
  const administrators = await running.services.prisma.user.count({ where: { roles: { has: 'admin' } } });
  process.stdout.write(`\ncampus-idp is serving ${running.url}  (discovery: ${running.url}/.well-known/openid-configuration)\n`);
  if (administrators === 0) {
    process.stdout.write(
      'No administrator yet. Stop the server (Ctrl-C) if it uses the embedded database, then:\n' +
        '  npx campus-idp admin create --username <staff-number> --name "<Full Name>"\n' +
        '  npx campus-idp users set-password <staff-number>\n',
    );
  }
  process.stdout.write('\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining and shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    running
      .close()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
