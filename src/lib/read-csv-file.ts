// Reads a CSV file an operator named on the command line, turning "not there" and "a directory" into plain
// ConfigErrors (the CLI prints them without a stack trace).
import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.ts';

export async function readCsvFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`File not found: ${path}`);
    if (code === 'EISDIR') throw new ConfigError(`${path} is a directory, not a CSV file`);
    throw new ConfigError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
