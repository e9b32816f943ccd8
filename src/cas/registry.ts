// Finds the registered CAS service for a URL. Anything that is not a plain absolute http(s) URL (control
// characters, user info, protocol-relative) is refused before matching, so `https://app.edu@evil.com` and
// CRLF tricks never reach a pattern.
import type { CasService } from '../config/cas-services.ts';

export interface ServiceRegistry {
  match(service: string): CasService | undefined;
}

export function createServiceRegistry(services: CasService[]): ServiceRegistry {
  return {
    match(service) {
      if (!isPlainServiceUrl(service)) return undefined;
      return services.find((entry) => entry.urls.includes(service) || entry.patterns.some((pattern) => pattern.test(service)));
    },
  };
}

function isPlainServiceUrl(service: string): boolean {
  if (service.length > 2048 || /[\u0000-\u0020\u007f\\]/.test(service)) return false;
  let parsed: URL;
  try {
    parsed = new URL(service);
  } catch {
    return false;
  }
  return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && !parsed.username && !parsed.password && service.startsWith(`${parsed.protocol}//`);
}
