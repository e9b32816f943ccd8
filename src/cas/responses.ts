// CAS response bodies: the XML of CAS 2.0/3.0 Appendix A (literal `cas:` prefix and namespace, which many
// clients match with regular expressions), the JSON form, and CAS 1.0's two-line text. Every value is escaped;
// characters XML 1.0 cannot carry are dropped.
import type { CasErrorCode } from './errors.ts';

export type CasFormat = 'XML' | 'JSON';
export type AttributeValues = Record<string, string[]>;

export interface CasSuccess {
  user: string;
  attributes?: AttributeValues;
  proxyGrantingTicket?: string;
  proxies?: string[];
}

export function escapeXml(value: string): string {
  return value
    .replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const open = "<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>";

export function successBody(success: CasSuccess, format: CasFormat): string {
  if (format === 'JSON') {
    const body: Record<string, unknown> = { user: success.user };
    if (success.attributes) body.attributes = Object.fromEntries(Object.entries(success.attributes).map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
    if (success.proxyGrantingTicket) body.proxyGrantingTicket = success.proxyGrantingTicket;
    if (success.proxies?.length) body.proxies = success.proxies;
    return JSON.stringify({ serviceResponse: { authenticationSuccess: body } });
  }
  const attributes = success.attributes
    ? `<cas:attributes>${Object.entries(success.attributes)
        .flatMap(([name, values]) => values.map((value) => `<cas:${name}>${escapeXml(value)}</cas:${name}>`))
        .join('')}</cas:attributes>`
    : '';
  const pgt = success.proxyGrantingTicket ? `<cas:proxyGrantingTicket>${escapeXml(success.proxyGrantingTicket)}</cas:proxyGrantingTicket>` : '';
  const proxies = success.proxies?.length
    ? `<cas:proxies>${success.proxies.map((proxy) => `<cas:proxy>${escapeXml(proxy)}</cas:proxy>`).join('')}</cas:proxies>`
    : '';
  return `${open}<cas:authenticationSuccess><cas:user>${escapeXml(success.user)}</cas:user>${attributes}${pgt}${proxies}</cas:authenticationSuccess></cas:serviceResponse>\n`;
}

export function failureBody(code: CasErrorCode, description: string, format: CasFormat, element: 'authenticationFailure' | 'proxyFailure' = 'authenticationFailure'): string {
  if (format === 'JSON') return JSON.stringify({ serviceResponse: { [element]: { code, description } } });
  return `${open}<cas:${element} code="${code}">${escapeXml(description)}</cas:${element}></cas:serviceResponse>\n`;
}

export function proxySuccessBody(proxyTicket: string, format: CasFormat): string {
  if (format === 'JSON') return JSON.stringify({ serviceResponse: { proxySuccess: { proxyTicket } } });
  return `${open}<cas:proxySuccess><cas:proxyTicket>${escapeXml(proxyTicket)}</cas:proxyTicket></cas:proxySuccess></cas:serviceResponse>\n`;
}
