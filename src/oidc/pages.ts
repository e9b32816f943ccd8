// The pages oidc-provider renders itself (logout confirmation, logged-out, protocol errors), supplied by
// interactions/ so they share our layout, language and CSP nonce.
import type { KoaContextWithOIDC, ErrorOut } from 'oidc-provider';

export interface ProviderPages {
  logoutConfirm(ctx: KoaContextWithOIDC, form: string): void | Promise<void>;
  loggedOut(ctx: KoaContextWithOIDC): void | Promise<void>;
  error(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error): void | Promise<void>;
}
