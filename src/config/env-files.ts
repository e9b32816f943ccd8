// Container secrets: any setting NAME may instead be given as NAME_FILE, the path of a file holding the value
// (Docker and Kubernetes secrets). Trailing newlines are dropped; a file that cannot be read, or both forms at
// once, is a configuration problem that names the variable.
import { readFileSync } from 'node:fs';

type Env = Record<string, string | undefined>;

export function readSetting(env: Env, name: string, problems: string[]): string | undefined {
  const direct = env[name]?.trim();
  const path = env[`${name}_FILE`]?.trim();
  if (!path) return direct === '' ? undefined : direct;
  if (direct) {
    problems.push(`set ${name} or ${name}_FILE, not both`);
    return direct;
  }
  try {
    const value = readFileSync(path, 'utf8').replace(/[\r\n]+$/, '');
    if (value === '') problems.push(`${name}_FILE names ${path}, which is empty`);
    return value === '' ? undefined : value;
  } catch (error) {
    problems.push(`${name}_FILE names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}
