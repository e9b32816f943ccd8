// Reads clients.json: OIDC clients (oidc-provider metadata plus our own fields) and the CAS services section.
// Validated once at boot; each problem names the entry and the field. Secrets are referenced by env-var name
// (`client_secret_env`) and resolved here, so the file itself never holds one.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../lib/errors.ts';
import { parseCasServices, type CasService } from './cas-services.ts';
import { readSetting } from './env-files.ts';
import { developmentSecretProblem } from './production-secrets.ts';

export interface OidcClientEntry {
  /** Metadata handed to oidc-provider as a static client. */
  metadata: Record<string, unknown> & { client_id: string };
  /** Campus-run apps: consent is implied, no consent page. */
  firstParty: boolean;
  /** `mfa: "required"`: every sign-in to this app needs a second factor. */
  mfaRequired: boolean;
}

export interface ClientsFile {
  oidc: OidcClientEntry[];
  cas: CasService[];
}

/** The internal client through which CAS sends browsers to sign in with the provider. */
export const reservedCasClientId = 'campus-idp-cas';
/** The internal client through which the account pages (/account) send browsers to sign in. */
export const reservedAccountClientId = 'campus-idp-account';
/** The internal client through which a phone that scanned a sign-in QR code signs in first. */
export const reservedQrClientId = 'campus-idp-qr';

const ourFields = new Set(['first_party', 'client_secret_env', 'client_secret', 'mfa']);

export function loadClientsFile(path: string, env: Record<string, string | undefined>, production: boolean): ClientsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`CLIENTS_FILE ${path} cannot be read (${code ?? 'error'}); create it or point CLIENTS_FILE at one`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseClients(raw, path, env, production);
}

export function parseClients(
  raw: unknown,
  source: string,
  env: Record<string, string | undefined>,
  production: boolean,
): ClientsFile {
  const problems: string[] = [];
  if (!isObject(raw)) throw new ConfigError(`${source}: the top level must be an object with "oidc" and "cas" lists`);
  const unknownTop = Object.keys(raw).filter((key) => !['oidc', 'cas', '$comment'].includes(key));
  if (unknownTop.length) problems.push(`unknown top-level field(s) ${unknownTop.join(', ')} (expected "oidc" and "cas")`);

  const oidcRaw = raw.oidc ?? [];
  const casRaw = raw.cas ?? [];
  if (!Array.isArray(oidcRaw)) problems.push('"oidc" must be a list of clients');
  if (!Array.isArray(casRaw)) problems.push('"cas" must be a list of services');

  const seen = new Set<string>();
  const oidc: OidcClientEntry[] = [];
  (Array.isArray(oidcRaw) ? oidcRaw : []).forEach((entry: unknown, index: number) => {
    const where = (field: string, id?: string) => `oidc[${index}]${id ? ` (client_id "${id}")` : ''} field "${field}"`;
    if (!isObject(entry)) {
      problems.push(`oidc[${index}] must be an object`);
      return;
    }
    const id = entry.client_id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9._~-]{1,128}$/.test(id)) {
      problems.push(`${where('client_id')}: required, 1–128 characters of letters, digits, . _ ~ -`);
      return;
    }
    if (seen.has(id)) problems.push(`${where('client_id', id)}: duplicate client_id`);
    if (id === reservedCasClientId) problems.push(`${where('client_id', id)}: "${id}" is reserved for the built-in CAS bridge`);
    if (id === reservedAccountClientId) problems.push(`${where('client_id', id)}: "${id}" is reserved for the built-in account pages`);
    if (id === reservedQrClientId) problems.push(`${where('client_id', id)}: "${id}" is reserved for the built-in QR sign-in`);
    seen.add(id);

    if ('client_secret' in entry) {
      problems.push(`${where('client_secret', id)}: secrets must not be written in this file; use "client_secret_env": "ENV_VAR_NAME"`);
    }
    const metadata: Record<string, unknown> & { client_id: string } = { client_id: id };
    for (const [key, value] of Object.entries(entry)) {
      if (!ourFields.has(key)) metadata[key] = value;
    }

    const authMethod = entry.token_endpoint_auth_method ?? 'client_secret_basic';
    const secretEnv = entry.client_secret_env;
    if (authMethod !== 'none' && authMethod !== 'private_key_jwt' && authMethod !== 'self_signed_tls_client_auth' && authMethod !== 'tls_client_auth') {
      if (typeof secretEnv !== 'string' || !/^[A-Z_][A-Z0-9_]*$/.test(secretEnv)) {
        problems.push(`${where('client_secret_env', id)}: a confidential client needs the NAME of the environment variable holding its secret (or "token_endpoint_auth_method": "none" for a public client)`);
      } else {
        const fileProblems: string[] = [];
        const secret = readSetting(env, secretEnv, fileProblems);
        problems.push(...fileProblems.map((problem) => `${where('client_secret_env', id)}: ${problem}`));
        if (!secret) {
          if (!fileProblems.length) problems.push(`${where('client_secret_env', id)}: environment variable ${secretEnv} (or ${secretEnv}_FILE) is not set`);
        } else if (secret.length < 32) {
          problems.push(`${where('client_secret_env', id)}: the secret in ${secretEnv} must be at least 32 characters`);
        } else if (production && developmentSecretProblem(secret)) {
          problems.push(`${where('client_secret_env', id)}: the secret in ${secretEnv} ${developmentSecretProblem(secret)}; refused when NODE_ENV=production`);
        } else {
          metadata.client_secret = secret;
        }
      }
    }

    const redirectUris = entry.redirect_uris;
    const grantTypes = Array.isArray(entry.grant_types) ? entry.grant_types : ['authorization_code'];
    if (grantTypes.includes('authorization_code')) {
      if (!Array.isArray(redirectUris) || redirectUris.length === 0) {
        problems.push(`${where('redirect_uris', id)}: a list of at least one redirect URI is required`);
      } else {
        redirectUris.forEach((uri: unknown, uriIndex: number) => {
          const problem = redirectUriProblem(uri, production);
          if (problem) problems.push(`${where(`redirect_uris[${uriIndex}]`, id)}: ${problem}`);
        });
      }
    }
    const firstParty = entry.first_party ?? false;
    if (typeof firstParty !== 'boolean') problems.push(`${where('first_party', id)}: must be true or false`);
    const mfa = entry.mfa ?? 'optional';
    if (mfa !== 'required' && mfa !== 'optional') problems.push(`${where('mfa', id)}: must be "required" or "optional"`);
    oidc.push({ metadata, firstParty: firstParty === true, mfaRequired: mfa === 'required' });
  });

  const cas = (Array.isArray(casRaw) ? casRaw : []).filter((entry: unknown, index: number) => {
    if (!isObject(entry)) problems.push(`cas[${index}] must be an object`);
    return isObject(entry);
  }) as Record<string, unknown>[];

  if (problems.length) throw new ConfigError(`${source} has problems:\n  - ${problems.join('\n  - ')}`);
  return { oidc, cas: parseCasServices(cas, source) };
}

function redirectUriProblem(uri: unknown, production: boolean): string | undefined {
  if (typeof uri !== 'string') return 'must be a string';
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URL`;
  }
  if (parsed.hash) return 'must not contain a fragment (#…)';
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol === 'http:' && !loopback) return 'must use https (http is allowed only for localhost)';
  if (parsed.protocol === 'http:' && production && parsed.hostname === 'localhost') {
    return 'http://localhost is refused in production; use 127.0.0.1 for a native-app loopback redirect';
  }
  if (!['https:', 'http:'].includes(parsed.protocol) && !/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(parsed.protocol)) {
    return 'must be https, loopback http, or a reverse-domain private scheme for native apps';
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
