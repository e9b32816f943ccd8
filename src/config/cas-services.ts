// Validates the `cas` section of clients.json into typed CAS services. A service matches by its exact URL or
// by an anchored regular expression; each problem names the entry and the field.
import { ConfigError } from '../lib/errors.ts';

/** Attributes a service may be given; the keys of `attributeSources` in src/cas/attributes.ts. */
export const releasableAttributes = ['uid', 'cn', 'userName', 'displayName', 'mail', 'userType', 'department'] as const;
export type ReleasableAttribute = (typeof releasableAttributes)[number];

export interface CasService {
  id: string;
  name: string;
  /** Exact service URLs (compared as strings, query included). */
  urls: string[];
  /** Anchored patterns (an implicit ^…$ is added when missing). */
  patterns: RegExp[];
  /** Attributes released, by our names. */
  attributes: ReleasableAttribute[];
  /** Extra names for attributes, e.g. { "containerId": "uid" } for clients written against other servers. */
  attributeAliases: Record<string, ReleasableAttribute>;
  /** Release attributes on the CAS 2.0 endpoints too (many campus clients expect them there). */
  attributesOnV2: boolean;
  mfa: 'required' | 'optional';
  /** POST a SAML LogoutRequest to the service URL when the SSO session ends. */
  singleLogout: boolean;
  /** Proxy callback URLs this service may register (pgtUrl), anchored patterns; empty = no proxying. */
  proxyCallbackPatterns: RegExp[];
  /** CAS REST tickets minted with an app password may be used here (legacy mail protocols only; default false). */
  appPasswords: boolean;
}

const ncName = /^[A-Za-z_][A-Za-z0-9._-]*$/;

export function parseCasServices(entries: Record<string, unknown>[], source: string): CasService[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const services = entries.map((entry, index): CasService => {
    const id = typeof entry.id === 'string' ? entry.id : '';
    const where = (field: string) => `cas[${index}]${id ? ` (id "${id}")` : ''} field "${field}"`;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) problems.push(`${where('id')}: required, 1–64 letters, digits, . _ -`);
    if (seen.has(id)) problems.push(`${where('id')}: duplicate id`);
    seen.add(id);

    const urls = stringList(entry.service ?? [], where('service'), problems);
    for (const url of urls) {
      const problem = serviceUrlProblem(url);
      if (problem) problems.push(`${where('service')}: ${problem}`);
    }
    const patterns = regexList(entry.servicePattern ?? [], where('servicePattern'), problems);
    if (urls.length === 0 && patterns.length === 0) problems.push(`${where('service')}: give "service" (exact URL) or "servicePattern" (regex)`);

    const attributes = stringList(entry.attributes ?? [], where('attributes'), problems).filter((name) => {
      const known = (releasableAttributes as readonly string[]).includes(name);
      if (!known) problems.push(`${where('attributes')}: unknown attribute "${name}" (known: ${releasableAttributes.join(', ')})`);
      return known;
    }) as ReleasableAttribute[];

    const aliases: Record<string, ReleasableAttribute> = {};
    const rawAliases = entry.attributeAliases ?? {};
    if (typeof rawAliases !== 'object' || rawAliases === null || Array.isArray(rawAliases)) {
      problems.push(`${where('attributeAliases')}: must be an object of { "alias": "attribute" }`);
    } else {
      for (const [alias, target] of Object.entries(rawAliases)) {
        if (!ncName.test(alias)) problems.push(`${where('attributeAliases')}: "${alias}" is not a valid XML name`);
        else if (typeof target !== 'string' || !(releasableAttributes as readonly string[]).includes(target)) {
          problems.push(`${where('attributeAliases')}: "${alias}" must name one of ${releasableAttributes.join(', ')}`);
        } else aliases[alias] = target as ReleasableAttribute;
      }
    }

    const mfa = entry.mfa ?? 'optional';
    if (mfa !== 'required' && mfa !== 'optional') problems.push(`${where('mfa')}: must be "required" or "optional"`);
    for (const flag of ['attributesOnV2', 'singleLogout', 'appPasswords'] as const) {
      if (entry[flag] !== undefined && typeof entry[flag] !== 'boolean') problems.push(`${where(flag)}: must be true or false`);
    }
    if (entry.appPasswords === true && mfa === 'required') problems.push(`${where('appPasswords')}: an app password is one factor, so it cannot be allowed on a service with "mfa": "required"`);
    const proxyCallbackPatterns = regexList(entry.proxyCallbackPattern ?? [], where('proxyCallbackPattern'), problems);

    return {
      id,
      name: typeof entry.name === 'string' && entry.name ? entry.name : id,
      urls,
      patterns,
      attributes,
      attributeAliases: aliases,
      attributesOnV2: entry.attributesOnV2 !== false,
      mfa: mfa === 'required' ? 'required' : 'optional',
      singleLogout: entry.singleLogout !== false,
      proxyCallbackPatterns,
      appPasswords: entry.appPasswords === true,
    };
  });
  if (problems.length) throw new ConfigError(`${source} has problems:\n  - ${problems.join('\n  - ')}`);
  return services;
}

function stringList(value: unknown, where: string, problems: string[]): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item) => typeof item === 'string' && item.length > 0)) {
    problems.push(`${where}: must be a string or a list of strings`);
    return [];
  }
  return list as string[];
}

function regexList(value: unknown, where: string, problems: string[]): RegExp[] {
  return stringList(value, where, problems).flatMap((source) => {
    const anchored = `${source.startsWith('^') ? '' : '^'}${source}${source.endsWith('$') ? '' : '$'}`;
    try {
      return [new RegExp(anchored)];
    } catch (error) {
      problems.push(`${where}: "${source}" is not a valid regular expression (${(error as Error).message})`);
      return [];
    }
  });
}

function serviceUrlProblem(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (!['http:', 'https:'].includes(parsed.protocol)) return `"${url}" must be an http(s) URL`;
    if (parsed.username || parsed.password) return `"${url}" must not contain user information`;
  } catch {
    return `"${url}" is not an absolute URL`;
  }
  return undefined;
}
