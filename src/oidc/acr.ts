// The authentication context classes we publish. Password-only today; the MFA work adds the other two to what a
// sign-in can reach, and enforces them when a client or `acr_values` demands them.
export const acr = {
  password: 'urn:campus-idp:acr:password',
  multiFactor: 'urn:campus-idp:acr:mfa',
  phishingResistant: 'urn:campus-idp:acr:phishing-resistant',
} as const;

export const supportedAcrValues = Object.values(acr);
