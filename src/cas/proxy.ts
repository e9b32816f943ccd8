// CAS proxying (CAS 3.0 §2.5.4, §2.7): a validated service may receive a proxy-granting ticket at its pgtUrl,
// and trade it for proxy tickets to other registered services. The callback must be https with a certificate
// that verifies, authorised for the service, and may not reach private or loopback addresses unless the
// operator listed the host (OUTBOUND_PRIVATE_HOSTS); the address checked is the address connected to.
import { request } from 'node:https';
import { lookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Logger } from '../lib/logger.ts';
import { CasError } from './errors.ts';
import { failureBody, proxySuccessBody, type CasFormat } from './responses.ts';
import type { ServiceRegistry } from './registry.ts';
import { newTicketId, type TicketStore } from './tickets.ts';
import type { Validated } from './validation.ts';

export interface ProxyTickets {
  /** Delivers a PGT to pgtUrl; returns the PGTIOU for the validation response, or undefined if delivery failed. */
  grant(validated: Validated, pgtUrl: string, logger?: Logger): Promise<string | undefined>;
  /** The whole /proxy response body. */
  issueProxyTicket(pgtId: string | undefined, targetService: string | undefined, format: CasFormat): Promise<string>;
}

export interface ProxyOptions {
  tickets: TicketStore;
  registry: ServiceRegistry;
  privateHostsAllowed: string[];
  /** Extra trusted CA certificates (PEM) for callback servers, e.g. the campus CA. */
  extraCa?: string;
  timeoutMs?: number;
}

export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || a >= 224;
  }
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:')) return isPrivateAddress(lower.slice(7));
  return lower === '::' || lower === '::1' || lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe80') || lower.startsWith('ff');
}

export function createProxyTickets(options: ProxyOptions): ProxyTickets {
  const timeoutMs = options.timeoutMs ?? 5_000;

  /** GET the callback over verified TLS; resolves to the HTTP status. Refuses private addresses at connect time. */
  const callBack = (url: URL): Promise<number> =>
    new Promise((resolve, reject) => {
      const allowPrivate = options.privateHostsAllowed.includes(url.hostname.toLowerCase());
      const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
        lookup(hostname, { family: lookupOptions.family, all: true }, (error, addresses) => {
          if (error) return callback(error, '', 0);
          const usable = allowPrivate ? addresses : addresses.filter((entry) => !isPrivateAddress(entry.address));
          if (usable.length === 0) return callback(new Error(`${hostname} resolves only to private addresses`), '', 0);
          // Node asks for all addresses when it races IPv4 and IPv6 (autoSelectFamily), else for one.
          if (lookupOptions.all) return (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
          const [first] = usable;
          return callback(null, first!.address, first!.family);
        });
      };
      if (!allowPrivate && isIP(url.hostname.replace(/^\[|\]$/g, '')) && isPrivateAddress(url.hostname.replace(/^\[|\]$/g, ''))) {
        reject(new Error('private address'));
        return;
      }
      const req = request(url, { method: 'GET', lookup: guardedLookup, ca: options.extraCa ? [options.extraCa] : undefined, timeout: timeoutMs, rejectUnauthorized: true }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });

  return {
    async grant({ service, user, ticket }, pgtUrl, logger) {
      if (service.proxyCallbackPatterns.length === 0) {
        throw new CasError('UNAUTHORIZED_SERVICE_PROXY', 'This service is not allowed to use CAS proxy authentication');
      }
      let url: URL;
      try {
        url = new URL(pgtUrl);
      } catch {
        throw new CasError('INVALID_PROXY_CALLBACK', 'pgtUrl is not an absolute URL');
      }
      if (url.protocol !== 'https:') throw new CasError('INVALID_PROXY_CALLBACK', 'pgtUrl must use https');
      if (!service.proxyCallbackPatterns.some((pattern) => pattern.test(pgtUrl))) {
        throw new CasError('INVALID_PROXY_CALLBACK', 'pgtUrl is not registered as a proxy callback for this service');
      }
      const pgtId = await options.tickets.issueProxyGrantingTicket({
        userId: user.id,
        authTime: ticket.authTime,
        acr: ticket.acr,
        amr: ticket.amr,
        proxies: [pgtUrl, ...ticket.proxies],
        sessionUid: ticket.sessionUid,
      });
      const iou = newTicketId('PGTIOU');
      const callback = new URL(url);
      callback.searchParams.set('pgtId', pgtId);
      callback.searchParams.set('pgtIou', iou);
      try {
        const status = await callBack(callback);
        if (status === 200) return iou;
        logger?.warn({ event: 'cas.pgt_callback', status, host: url.host }, 'proxy callback did not answer 200');
      } catch (error) {
        logger?.warn({ event: 'cas.pgt_callback', error: (error as Error).message, host: url.host }, 'proxy callback failed');
      }
      // Spec: no <cas:proxyGrantingTicket> when the callback fails; the PGT nobody received is useless.
      return undefined;
    },

    async issueProxyTicket(pgtId, targetService, format) {
      if (!pgtId || !targetService) return failureBody('INVALID_REQUEST', 'Both "pgt" and "targetService" are required', format, 'proxyFailure');
      if (!pgtId.startsWith('PGT-')) return failureBody('INVALID_TICKET_SPEC', 'pgt must be a proxy-granting ticket', format, 'proxyFailure');
      const pgt = await options.tickets.findProxyGrantingTicket(pgtId);
      if (!pgt) return failureBody('INVALID_TICKET', `Proxy-granting ticket '${pgtId.slice(0, 80)}' not recognized`, format, 'proxyFailure');
      const target = options.registry.match(targetService);
      if (!target || target.mfa === 'required') {
        return failureBody('UNAUTHORIZED_SERVICE', 'The target service is not registered for proxy access', format, 'proxyFailure');
      }
      const ticket = await options.tickets.issueServiceTicket(
        { service: targetService, serviceId: target.id, userId: pgt.userId, authTime: pgt.authTime, acr: pgt.acr, amr: pgt.amr, fromNewLogin: false, sessionUid: pgt.sessionUid, proxies: pgt.proxies },
        'PT',
      );
      return proxySuccessBody(ticket, format);
    },
  };
}
