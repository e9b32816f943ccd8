// Debian's Chromium driven by playwright-core (never a downloaded browser build).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** Collects the Content-Security-Policy violations the page reports in its console (a test expects none). */
export function collectCspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/** Answers the redirect to a relying party that is not running; returns the last URL the browser was sent to. */
export async function catchRedirect(page: Page, prefix: string): Promise<() => string> {
  let landed = '';
  await page.route(`${prefix}**`, async (route) => {
    landed = route.request().url();
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' });
  });
  return () => landed;
}
