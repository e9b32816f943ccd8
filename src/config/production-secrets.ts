// NODE_ENV=production refuses development secrets: a placeholder copied from documentation ("change-me",
// "example…"), a value with almost no variety ("aaaa…", "12121212…"), or a key the embedded default would generate
// and keep for itself (cookie keys), which every instance of a real deployment must instead share from config.

const placeholderWords = /change[\s_.-]?me|replace[\s_.-]?me|example|placeholder|insecure|dev(elopment)?[\s_.-]?(only|secret|key)|test[\s_.-]?(secret|key)|not[\s_.-]?(a[\s_.-]?)?secret|^(secret|password)+\d*$/i;

/** Fewer distinct characters than this cannot come from a random generator at the lengths we ask for. */
const minDistinctCharacters = 8;
/** 32 random bytes nearly always hold 25+ distinct values; a key with fewer than this was typed, not generated. */
const minDistinctKeyBytes = 16;

/** Why `value` looks like a development or placeholder secret, or undefined when it does not. */
export function developmentSecretProblem(value: string): string | undefined {
  if (placeholderWords.test(value)) return 'looks like a placeholder from documentation or a development set-up';
  if (new Set(value).size < minDistinctCharacters) return `has fewer than ${minDistinctCharacters} different characters, so it was not randomly generated`;
  return undefined;
}

/** The same check for a decoded binary key (MFA_ENCRYPTION_KEY). */
export function developmentKeyProblem(key: Buffer): string | undefined {
  if (new Set(key).size < minDistinctKeyBytes) return 'is not random bytes (generate one with `openssl rand -base64 32`)';
  return undefined;
}

/** Problems with the secrets of a production configuration, each naming the variable. */
export function productionSecretProblems(secrets: { cookieKeys: string[] | undefined; factorKey: Buffer | undefined; metricsToken: string | undefined; registryKey: Buffer | undefined }): string[] {
  const problems: string[] = [];
  if (!secrets.cookieKeys?.length) {
    problems.push('COOKIE_KEYS is required when NODE_ENV=production (the same list on every instance; a generated key is for the embedded development set-up)');
  }
  secrets.cookieKeys?.forEach((key, index) => {
    const problem = developmentSecretProblem(key);
    if (problem) problems.push(`COOKIE_KEYS entry ${index + 1} ${problem}; refused when NODE_ENV=production`);
  });
  const keyProblem = secrets.factorKey && developmentKeyProblem(secrets.factorKey);
  if (keyProblem) problems.push(`MFA_ENCRYPTION_KEY ${keyProblem}; refused when NODE_ENV=production`);
  // A key file per instance (or per CLI run from another DATA_DIR) would hash the same ID number differently:
  // nothing would match the registry any more.
  if (!secrets.registryKey) problems.push('REGISTRY_KEY is required when NODE_ENV=production (the same on every instance and for the CLI; it keys the hashes of national ID numbers; keep it out of the database)');
  const registryProblem = secrets.registryKey && developmentKeyProblem(secrets.registryKey);
  if (registryProblem) problems.push(`REGISTRY_KEY ${registryProblem}; refused when NODE_ENV=production`);
  const tokenProblem = secrets.metricsToken && developmentSecretProblem(secrets.metricsToken);
  if (tokenProblem) problems.push(`METRICS_TOKEN ${tokenProblem}; refused when NODE_ENV=production`);
  return problems;
}
