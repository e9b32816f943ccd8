// A real CAS client: Apereo phpCAS (Debian's php-cas) in PHP's built-in web server completes sign-in and
// ticket validation against campus-idp, over CAS 2.0 and CAS 3.0, and reads the attributes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { submitLogin } from '../helpers/oidc.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

// phpCAS needs php with curl and dom; .ci/run installs them (php-cli php-cas php-curl php-xml).
const hasPhpCas = spawnSync('php', ['-r', 'exit(extension_loaded("curl") && extension_loaded("dom") ? 0 : 1);']).status === 0 && existsSync('/usr/share/php/CAS.php');
const appDir = new URL('../fixtures/php-cas/', import.meta.url).pathname;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

let server: TestServer;
const apps: ChildProcess[] = [];

async function startApp(protocol: '2' | '3'): Promise<string> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', appDir], {
    env: { ...process.env, CAS_PORT: new URL(server.url).port, APP_BASE: base, CAS_PROTOCOL: protocol },
    stdio: 'ignore',
  });
  apps.push(app);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await fetch(`${base}/missing`).then(() => true, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return base;
}

beforeAll(async () => {
  if (!hasPhpCas) return;
  server = await startTestServer({}, {
    cas: [{ id: 'legacy', name: 'Legacy app', servicePattern: '^http://127\\.0\\.0\\.1:\\d+/app\\.php$', attributes: ['uid', 'cn'] }],
  });
  await seedStudent(server.services.prisma);
});
afterAll(async () => {
  for (const app of apps) app.kill();
  await server?.destroy();
});

// Needs php with Apereo phpCAS, curl and dom; .ci/run installs them from Debian.
describe.skipIf(!hasPhpCas)('phpCAS', () => {
  it.each(['2', '3'] as const)('signs in over CAS %s.0 and receives the attributes', async (protocol) => {
    const base = await startApp(protocol);
    const browser = new Browser();
    const login = await browser.visit(`${base}/app.php`);
    expect(login.url.startsWith(`${server.url}/interaction/`)).toBe(true);
    const landed = await submitLogin(browser, login, student.username, student.password, 'unused://');
    expect(landed.url).toBe(`${base}/app.php`);
    const seen = JSON.parse(landed.html) as { user: string; attributes: Record<string, string> };
    expect(seen.user).toBe(student.username);
    expect(seen.attributes).toMatchObject({ uid: student.username, cn: student.displayName, isFromNewLogin: 'true' });
  });
});
