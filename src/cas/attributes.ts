// What a CAS service learns about the person: the attributes its policy lists (plus aliases), the three
// protocol attributes of CAS 3.0 §2.8 / Apereo's longTermAuthenticationRequestTokenUsed, and how the person
// signed in: `authnContextClass` (our acr, the attribute Apereo CAS uses for it) and `amr` (RFC 8176 methods).
import type { CasService, ReleasableAttribute } from '../config/cas-services.ts';
import type { UserRecord } from '../services/accounts.ts';
import type { AttributeValues } from './responses.ts';
import { acr } from '../oidc/acr.ts';

const attributeSources: Record<ReleasableAttribute, (user: UserRecord) => string | undefined> = {
  uid: (user) => user.username,
  cn: (user) => user.displayName,
  userName: (user) => user.displayName,
  displayName: (user) => user.displayName,
  mail: (user) => user.contacts.find((point) => point.role === 'email')?.value,
  userType: (user) => user.type,
  department: (user) => user.department ?? undefined,
};

export function releasedAttributes(
  service: CasService,
  user: UserRecord,
  authentication: { authTime: number; fromNewLogin: boolean; acr?: string; amr?: string[] },
): AttributeValues {
  const released: AttributeValues = {
    authenticationDate: [new Date(authentication.authTime * 1000).toISOString()],
    isFromNewLogin: [String(authentication.fromNewLogin)],
    longTermAuthenticationRequestTokenUsed: ['false'],
    authnContextClass: [authentication.acr ?? acr.password],
    amr: authentication.amr?.length ? authentication.amr : ['pwd'],
  };
  const add = (name: string, source: ReleasableAttribute) => {
    const value = attributeSources[source](user);
    if (value !== undefined && value !== '') released[name] = [value];
  };
  for (const name of service.attributes) add(name, name);
  for (const [alias, source] of Object.entries(service.attributeAliases)) add(alias, source);
  return released;
}
