// `campus-idp clients …`: a placeholder until the client registry commands land.
import type { CliContext } from './context.ts';

export async function runClientsCommand(_args: string[], context: CliContext): Promise<number> {
  context.err('clients: not implemented yet');
  return 1;
}
