// The operator CLI: dispatches `campus-idp <group> <command>`, opens the server's store on demand, turns errors
// into one line on stderr (exit 1; bad flags exit 2 with usage) and closes the store on the way out.
import { loadConfig, type Config } from '../config/env.ts';
import { openDatabase, type Database } from '../data/database.ts';
import { applyMigrations } from '../data/migrate.ts';
import { ConfigError } from '../lib/errors.ts';
import { runAdminCommand } from './admin.ts';
import { runClientsCommand } from './clients.ts';
import { UsageError, type CliCommand, type CliContext } from './context.ts';
import { runKeysCommand } from './keys.ts';
import { runUsersCommand } from './users.ts';
import { runRegistryCommand } from './registry.ts';

export const usage = `Usage: campus-idp <command> [options]

Commands:
  users import FILE.csv [--partial]   import people from a CSV file (all or nothing unless --partial)
  users add --username U --name N --type T [--department D] [--email E] [--phone P] [--card-number C]
  users set-password USERNAME         read a new password from stdin (one line) or a hidden prompt
  users disable USERNAME
  users enable USERNAME
  admin create --username U --name N  create a pending staff administrator, or grant admin to a user
  admin grant|revoke --username U --role admin|reviewer|helpdesk   a staff role of the admin console
  admin scope --username U --class "school/grade/class" | --department D [--remove]   a reviewer's scope
  clients list
  keys rotate
  registry import FILE.csv            import the student registry (all or nothing; ID numbers hashed)

Run "campus-idp <group> --help" for details. The store is the server's: DATA_DIR (embedded PGlite, which
only one process may open: stop the server first) or DATABASE_URL (PostgreSQL).`;

const groups: Record<string, CliCommand> = {
  users: runUsersCommand,
  admin: runAdminCommand,
  clients: runClientsCommand,
  keys: runKeysCommand,
  registry: runRegistryCommand,
};

export async function runCli(argv: string[], io: Pick<CliContext, 'out' | 'err' | 'prompt' | 'stdin'> = processIo()): Promise<number> {
  let opened: Promise<Database> | undefined;
  let config: Config | undefined;
  const context: CliContext = { ...io, database: () => (opened ??= openStore()), config: () => (config ??= loadConfig()) };
  const [group, ...rest] = argv;
  try {
    if (group === undefined || group === '--help' || group === '-h' || group === 'help') {
      (group === undefined ? io.err : io.out)(usage);
      return group === undefined ? 2 : 0;
    }
    const command = groups[group];
    if (!command) throw new UsageError(`unknown command "${group}"`, usage);
    if (rest.includes('--help') || rest.includes('-h')) {
      // Each group prints its own usage through the UsageError it throws for a missing command.
      try {
        return await command([], { ...context, database: () => Promise.reject(new Error('help only')) });
      } catch (error) {
        if (error instanceof UsageError) {
          io.out(error.usage);
          return 0;
        }
        throw error;
      }
    }
    return await command(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n`);
      io.err(error.usage);
      return 2;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    if (opened) await opened.then((database) => database.close()).catch(() => undefined);
  }
}

async function openStore(): Promise<Database> {
  const config = loadConfig();
  let database: Database;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      config.databaseUrl
        ? `Cannot connect to PostgreSQL (DATABASE_URL): ${reason}`
        : `Cannot open the embedded database in ${config.dataDir} (${reason}). Is a campus-idp server running ` +
          'with the same DATA_DIR? The embedded database allows one process: stop the server, or use DATABASE_URL.',
    );
  }
  try {
    await applyMigrations(database);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  return database;
}

function processIo(): Pick<CliContext, 'out' | 'err' | 'prompt' | 'stdin'> {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    prompt: (text) => process.stderr.write(text),
    stdin: process.stdin,
  };
}
