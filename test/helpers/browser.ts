// A cookie-keeping HTTP agent that behaves like a browser for redirect-and-form flows: follows redirects by hand
// (so a test can stop at the relying party's redirect_uri), submits the forms our pages render.
export interface Page {
  url: string;
  status: number;
  html: string;
}

export class Browser {
  private readonly cookies = new Map<string, Map<string, string>>();

  /** `userAgent`: sent with every request (e.g. the WeChat or WeCom in-app browser's); none by default. */
  constructor(readonly acceptLanguage = 'en', readonly userAgent?: string) {}

  private cookieHeader(url: URL): string {
    const jar = this.cookies.get(url.host);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : '';
  }

  private store(url: URL, response: Response): void {
    const jar = this.cookies.get(url.host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attr) => /^\s*max-age=0/i.test(attr) || /^\s*expires=Thu, 01 Jan 1970/i.test(attr));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(url.host, jar);
  }

  /** Drops one cookie, as when a session cookie expires at the end of a browser session. */
  forget(host: string, name: string): void {
    this.cookies.get(host)?.delete(name);
    this.cookies.get(host)?.delete(`${name}.sig`);
  }

  /** Copies one cookie (value and signature) into another browser, for the same host or another (`toHost`). */
  copyCookie(host: string, name: string, to: Browser, toHost = host): void {
    for (const key of [name, `${name}.sig`]) {
      const value = this.cookies.get(host)?.get(key);
      if (value !== undefined) {
        const jar = to.cookies.get(toHost) ?? new Map<string, string>();
        jar.set(key, value);
        to.cookies.set(toHost, jar);
      }
    }
  }

  /** The Cookie header this browser would send to `url`. */
  cookieHeaderFor(url: URL): string {
    return this.cookieHeader(url);
  }

  cookieNames(host: string): string[] {
    return [...(this.cookies.get(host)?.keys() ?? [])];
  }

  /** One request, no redirect following. `multipart` sends a multipart/form-data body (file uploads). */
  async request(url: string, init: { method?: string; form?: Record<string, string>; multipart?: FormData } = {}): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = { 'accept-language': this.acceptLanguage, accept: 'text/html' };
    if (this.userAgent) headers['user-agent'] = this.userAgent;
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | FormData | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    if (init.multipart) body = init.multipart;
    const response = await fetch(target, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(target, response);
    return response;
  }

  /**
   * Follows redirects from `url` until a page is returned, or until a Location starts with `stopAt` (then that
   * URL is returned as the page's url with status 0).
   */
  async visit(url: string, init: { method?: string; form?: Record<string, string>; multipart?: FormData } = {}, stopAt?: string): Promise<Page> {
    let response = await this.request(url, init);
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (!location || response.status < 300 || response.status >= 400) {
        return { url: current, status: response.status, html: await response.text() };
      }
      current = new URL(location, current).toString();
      await response.arrayBuffer();
      if (stopAt && current.startsWith(stopAt)) return { url: current, status: 0, html: '' };
      response = await this.request(current);
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Submits the first form on the page whose action matches `actionPattern`, with `fields` over its hidden inputs. */
  async submit(page: Page, actionPattern: RegExp, fields: Record<string, string>, stopAt?: string): Promise<Page> {
    const forms = [...page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
    for (const [, attributes = '', inner = ''] of forms) {
      const action = decodeEntities(/action="([^"]*)"/i.exec(attributes)?.[1] ?? '');
      if (!actionPattern.test(action)) continue;
      const form: Record<string, string> = {};
      for (const [input] of inner.matchAll(/<input\b[^>]*>/gi)) {
        const name = /name="([^"]*)"/i.exec(input)?.[1];
        const type = /type="([^"]*)"/i.exec(input)?.[1] ?? 'text';
        const value = /value="([^"]*)"/i.exec(input)?.[1];
        if (name && type === 'hidden' && value !== undefined) form[name] = decodeEntities(value);
      }
      Object.assign(form, fields);
      const method = /method="([^"]*)"/i.exec(attributes)?.[1]?.toUpperCase() ?? 'GET';
      return this.visit(new URL(action, page.url).toString(), { method, form }, stopAt);
    }
    throw new Error(`no form with action ${actionPattern} on ${page.url}:\n${page.html.slice(0, 2000)}`);
  }
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
}
