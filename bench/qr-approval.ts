// `npm run bench` row "QR approval → desktop signed in": per operation, a desktop (cookie-keeping client) opens
// the sign-in page, creates a QR and listens on its event stream; a signed-in phone opens the QR's URL and
// approves with the right number. Measured: from the phone's approving POST to the desktop's arrival at the
// app's callback (event delivered, finish posted, provider redirects followed). With REDIS_URL the event travels
// through Redis pub/sub even on one instance; with `phoneIssuer` the phone talks to a second instance, as behind
// a load balancer that sent the desktop and the phone to different servers.
import { Browser } from '../test/helpers/browser.ts';
import type { RelyingParty } from '../test/helpers/oidc.ts';
import { runLoad, type LoadResult } from './load.ts';

interface QrStarted {
  qrUrl: string;
  digits: number;
  eventsUrl: string;
  finishUrl: string;
}

const field = (html: string, pattern: RegExp) => pattern.exec(html)?.[1] ?? '';

async function waitForStatus(url: string, cookie: string, wanted: string): Promise<void> {
  const response = await fetch(url, { headers: { cookie, accept: 'text/event-stream' } });
  if (!response.ok || !response.body) throw new Error(`events ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`event stream ended before "${wanted}"`);
      seen += decoder.decode(value, { stream: true });
      if (seen.includes(`"status":"${wanted}"`)) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** A desktop browser at the sign-in page that has asked for a QR code; `renew` asks for a new one, as the page
 *  does when its code expires. */
export async function startDesktopQr(app: RelyingParty, issuer: string): Promise<{ desktop: Browser; csrf: string; qr: QrStarted; renew(): Promise<QrStarted> }> {
  const desktop = new Browser();
  const { page } = await app.authorize(desktop, { scope: 'openid' });
  const csrf = field(page.html, /name="_csrf" value="([^"]+)"/);
  const start = new URL(field(page.html, /data-start="([^"]+)"/), issuer).toString();
  const renew = async () => {
    const created = await desktop.request(start, { form: { _csrf: csrf } });
    if (created.status !== 200) throw new Error(`qr start ${created.status}`);
    return (await created.json()) as QrStarted;
  };
  return { desktop, csrf, qr: await renew(), renew };
}

/** One phone per worker, each carrying the signed-in session of `signedIn` (cookies ignore ports and paths here). */
export async function measureQrApproval(options: {
  issuer: string;
  app: RelyingParty;
  callback: string;
  signedIn: Browser;
  seconds: number;
  concurrency: number;
  /** The base URL of another instance on the same stores, for the phone's requests (default: `issuer`). */
  phoneIssuer?: string;
}): Promise<LoadResult> {
  const { issuer, app, callback } = options;
  const phoneBase = options.phoneIssuer ?? issuer;
  const host = new URL(issuer).host;
  const phones = Array.from({ length: options.concurrency }, () => {
    const phone = new Browser();
    options.signedIn.copyCookie(host, '_session', phone, new URL(phoneBase).host);
    return phone;
  });
  const once = async (phone: Browser): Promise<number> => {
    const { desktop, csrf, qr } = await startDesktopQr(app, issuer);
    const approved = waitForStatus(new URL(qr.eventsUrl, issuer).toString(), desktop.cookieHeaderFor(new URL(issuer)), 'approved');

    const qrUrl = new URL(qr.qrUrl);
    const confirm = await phone.visit(new URL(`${qrUrl.pathname}${qrUrl.search}${qrUrl.hash}`, phoneBase).toString());
    const phoneCsrf = field(confirm.html, /name="_csrf" value="([^"]+)"/);
    const began = performance.now();
    const decided = phone.request(`${phoneBase}/qr/confirm`, { form: { _csrf: phoneCsrf, decision: 'approve', number: String(qr.digits) } });
    await approved;
    const landed = await desktop.visit(new URL(qr.finishUrl, issuer).toString(), { form: { _csrf: csrf } }, callback);
    if (!landed.url.startsWith(callback)) throw new Error('desktop did not reach the app');
    const measured = performance.now() - began;
    await (await decided).arrayBuffer();
    return measured;
  };
  return runLoad((worker) => once(phones[worker]!), { seconds: options.seconds, concurrency: options.concurrency });
}
