// `campus-idp clients list`: what the server will load from CLIENTS_FILE, checked the same way it checks it
// at boot (missing secret variables included). Secrets are never printed.
import { loadConfig } from '../config/env.ts';
import { loadClientsFile } from '../config/clients.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';

export const clientsUsage = `Usage:
  campus-idp clients list   check CLIENTS_FILE (default ./clients.json) and list its OIDC clients and CAS services`;

export async function runClientsCommand(args: string[], context: CliContext): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'list') throw new UsageError(command ? `unknown clients command "${command}"` : 'missing clients command', clientsUsage);
  parseCommand(rest, {}, clientsUsage, 0);
  const config = loadConfig();
  const clients = loadClientsFile(config.clientsFile, process.env, config.production);
  context.out(`${config.clientsFile}: ${clients.oidc.length} OIDC client(s), ${clients.cas.length} CAS service(s)`);
  for (const { metadata, firstParty } of clients.oidc) {
    const auth = String(metadata.token_endpoint_auth_method ?? 'client_secret_basic');
    const grants = (metadata.grant_types as string[] | undefined) ?? ['authorization_code'];
    const redirects = (metadata.redirect_uris as string[] | undefined) ?? [];
    context.out(
      `  ${metadata.client_id}${metadata.client_name ? ` (${String(metadata.client_name)})` : ''}: ${firstParty ? 'first party' : 'third party, consent'}; ` +
        `${auth}; grants ${grants.join(', ')}${redirects.length ? `; redirects ${redirects.join(' ')}` : ''}`,
    );
  }
  return 0;
}
