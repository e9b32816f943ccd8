// What each scope releases, and how a campus user becomes OIDC claims. `campus` is our own scope: user type and
// department, for apps that tailor themselves to staff or students.
import type { UserRecord } from '../services/accounts.ts';

// acr and amr ride on `openid`, so every ID token says how the person signed in (the library would otherwise
// include them only when a request asks).
export const scopeClaims = {
  openid: ['sub', 'acr', 'amr'],
  profile: ['name', 'preferred_username'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  campus: ['user_type', 'department'],
  // Verified status and class of the identity record (identity-claims.ts); school etc. only once verified.
  campus_identity: ['identity_verified', 'school', 'grade', 'class', 'enrolment_year'],
} as const;

/** Held by systems (mail servers) allowed to call POST /api/v1/app-passwords/verify; releases no claims. */
export const appPasswordVerifyScope = 'app-passwords:verify';

export const supportedScopes = ['openid', 'offline_access', ...Object.keys(scopeClaims).filter((s) => s !== 'openid'), appPasswordVerifyScope];

export function claimsFor(user: UserRecord): { sub: string } & Record<string, unknown> {
  const contact = (role: string) => user.contacts.find((point) => point.role === role);
  const email = contact('email') ?? contact('recovery_email');
  const phone = contact('login_phone') ?? contact('security_phone');
  return {
    sub: user.id,
    name: user.displayName,
    preferred_username: user.username,
    email: email?.value,
    email_verified: email ? email.verifiedAt !== null : undefined,
    phone_number: phone?.value,
    phone_number_verified: phone ? phone.verifiedAt !== null : undefined,
    user_type: user.type,
    department: user.department ?? undefined,
  };
}
