// Throwaway TLS material for tests: a self-signed certificate for localhost, made with the openssl command.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  key: string;
  cert: string;
  certFile: string;
}

export function selfSignedCertificate(commonName = 'localhost'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'campus-idp-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=DNS:${commonName},IP:127.0.0.1`,
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}
