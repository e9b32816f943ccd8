// Helpers for CAS flow tests: fetch a validation response, and check and read CAS XML with a real parser.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';

export async function validateTicket(base: string, path: string, params: Record<string, string>) {
  const response = await fetch(`${base}${path}?${new URLSearchParams(params).toString()}`);
  const body = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', body };
}

/** Parses a CAS XML response after checking it is well-formed; returns the inside of cas:serviceResponse. */
export function readCasXml(body: string): Record<string, unknown> {
  expect(XMLValidator.validate(body)).toBe(true);
  expect(body).toContain("xmlns:cas='http://www.yale.edu/tp/cas'");
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: () => false }).parse(body) as Record<string, Record<string, unknown>>;
  return parsed['cas:serviceResponse'] ?? {};
}

export function ticketFrom(url: string): string {
  const ticket = new URL(url).searchParams.get('ticket');
  if (!ticket) throw new Error(`no ticket in ${url}`);
  return ticket;
}
