// What every CLI command gets: output lines, stdin, the store (opened on first use, closed by main) and the
// usage error that main turns into exit code 2. Commands return their exit code and never call process.exit.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Database } from '../data/database.ts';
import type { Config } from '../config/env.ts';

export interface CliContext {
  /** A line for the operator on stdout. */
  out(line: string): void;
  /** A line on stderr: errors, prompts and anything that must not mix into piped output. */
  err(line: string): void;
  /** Text on stderr without a newline: a question before reading the answer. */
  prompt(text: string): void;
  stdin: NodeJS.ReadStream;
  /** Opens the same store as the server (DATA_DIR / DATABASE_URL) with migrations applied. */
  database(): Promise<Database>;
  /** The server's settings (e.g. the password policy), read and validated on first use. */
  config(): Config;
}

export type CliCommand = (args: string[], context: CliContext) => Promise<number>;

/** Bad or missing flags: main prints the message and this usage text and exits with 2. */
export class UsageError extends Error {
  readonly usage: string;

  constructor(message: string, usage: string) {
    super(message);
    this.name = 'UsageError';
    this.usage = usage;
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs in strict mode, with every complaint turned into a UsageError carrying `usage`. */
export function parseCommand<T extends Options>(args: string[], options: T, usage: string, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    // Drop node's hint about positionals that start with "-": it only confuses here.
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error);
    throw new UsageError(message, usage);
  }
  if (parsed.positionals.length !== positionals) {
    const message = parsed.positionals.length > positionals
      ? `unexpected argument "${parsed.positionals[positionals] ?? ''}"`
      : 'missing argument';
    throw new UsageError(message, usage);
  }
  return parsed;
}

/** A string flag the command cannot do without. */
export function required(value: string | boolean | undefined, flag: string, usage: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${flag} is required`, usage);
  return value;
}
