// /samlValidate (CAS 3.0 §4.2): a SAML 1.1 request in a SOAP envelope carries the ticket as its
// AssertionArtifact; the answer is a SAML 1.1 Response with the person and their attributes. Documents with a
// DOCTYPE or entities are refused before parsing (no XXE), and the parser never expands entities.
import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import type { AttributeValues } from './responses.ts';
import { escapeXml } from './responses.ts';

export function readAssertionArtifact(body: string): string | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) return undefined;
  let parsed: unknown;
  try {
    parsed = new XMLParser({ removeNSPrefix: true, processEntities: false, parseTagValue: false, ignoreAttributes: true }).parse(body);
  } catch {
    return undefined;
  }
  const find = (node: unknown): string | undefined => {
    if (typeof node !== 'object' || node === null) return undefined;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'AssertionArtifact' && typeof value === 'string') return value.trim();
      const inner = find(value);
      if (inner) return inner;
    }
    return undefined;
  };
  return find(parsed);
}

const envelope = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

const responseOpen = (target: string, now: Date) =>
  `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" ` +
  `IssueInstant="${now.toISOString()}" MajorVersion="1" MinorVersion="1" Recipient="${escapeXml(target)}" ResponseID="_${randomUUID()}">`;

export function samlSuccess(input: { issuer: string; target: string; user: string; attributes: AttributeValues; authTime: number }, now = new Date()): string {
  const subject = `<saml:Subject><saml:NameIdentifier>${escapeXml(input.user)}</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:artifact</saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject>`;
  const attributes = Object.entries(input.attributes)
    .map(([name, values]) =>
      `<saml:Attribute AttributeName="${escapeXml(name)}" AttributeNamespace="http://www.ja-sig.org/products/cas/">${values.map((value) => `<saml:AttributeValue>${escapeXml(value)}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  const notOnOrAfter = new Date(now.getTime() + 30_000).toISOString();
  return envelope(
    `${responseOpen(input.target, now)}<samlp:Status><samlp:StatusCode Value="samlp:Success"/></samlp:Status>` +
      `<saml:Assertion AssertionID="_${randomUUID()}" IssueInstant="${now.toISOString()}" Issuer="${escapeXml(input.issuer)}" MajorVersion="1" MinorVersion="1">` +
      `<saml:Conditions NotBefore="${now.toISOString()}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestrictionCondition><saml:Audience>${escapeXml(input.target)}</saml:Audience></saml:AudienceRestrictionCondition></saml:Conditions>` +
      `<saml:AttributeStatement>${subject}${attributes}</saml:AttributeStatement>` +
      `<saml:AuthenticationStatement AuthenticationInstant="${new Date(input.authTime * 1000).toISOString()}" AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password">${subject}</saml:AuthenticationStatement>` +
      '</saml:Assertion></samlp:Response>',
  );
}

export function samlFailure(target: string, code: 'samlp:Requester' | 'samlp:Responder', message: string, now = new Date()): string {
  return envelope(`${responseOpen(target, now)}<samlp:Status><samlp:StatusCode Value="${code}"/><samlp:StatusMessage>${escapeXml(message)}</samlp:StatusMessage></samlp:Status></samlp:Response>`);
}
