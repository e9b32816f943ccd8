// `campus-idp keys …`: a placeholder until signing-key rotation lands.
import type { CliContext } from './context.ts';

export async function runKeysCommand(_args: string[], context: CliContext): Promise<number> {
  context.err('keys: not implemented yet');
  return 1;
}
