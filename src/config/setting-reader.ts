// Reads and validates single settings for loadConfig and the feature settings beside it. Each problem names the
// variable, what it expects and what it got, and is collected (not thrown) so all are reported together.
import { readFileSync } from 'node:fs';
import { readSetting } from './env-files.ts';

export type Env = Record<string, string | undefined>;

export function settingReader(env: Env, problems: string[]) {
  // Every setting may come from NAME or from a file named by NAME_FILE (container secrets).
  const read = (name: string): string | undefined => readSetting(env, name, problems);

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };

  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must be a ${protocols.join(' or ')} URL (got a ${parsed.protocol} URL)`);
      }
    } catch {
      problems.push(`${name} must be a URL such as ${protocols[0]}//host:port/… (got something that is not a URL)`);
    }
    return raw;
  };

  const pemFile = (name: string): string | undefined => {
    const path = read(name);
    if (path === undefined) return undefined;
    try {
      const text = readFileSync(path, 'utf8');
      if (!text.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${name} must name a PEM file of certificates (${path} holds none)`);
      return text;
    } catch (error) {
      problems.push(`${name} names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };

  return { problems, read, integer, oneOf, boolean, url, pemFile };
}

export type SettingReader = ReturnType<typeof settingReader>;
