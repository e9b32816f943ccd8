// The one error catalogue. Each code has a status and says whether its message may be shown to the person; the
// words themselves live in interactions/i18n (pages) so every surface can render them in zh-CN or en.

export const errorCatalogue = {
  invalid_credentials: { status: 401, expose: true },
  card_number_not_login_id: { status: 401, expose: true },
  account_disabled: { status: 403, expose: true },
  account_pending: { status: 403, expose: true },
  invalid_code: { status: 401, expose: true },
  passkey_failed: { status: 401, expose: true },
  sms_cooldown: { status: 429, expose: true },
  sms_budget: { status: 429, expose: true },
  sms_unavailable: { status: 503, expose: true },
  invalid_phone: { status: 400, expose: true },
  phone_taken: { status: 409, expose: true },
  invalid_email: { status: 400, expose: true },
  institution_email: { status: 400, expose: true },
  login_id_taken: { status: 409, expose: true },
  email_unavailable: { status: 503, expose: true },
  contact_required: { status: 409, expose: true },
  csrf_failed: { status: 403, expose: true },
  captcha_failed: { status: 400, expose: true },
  reset_expired: { status: 400, expose: true },
  reset_cooldown: { status: 429, expose: true },
  login_id_required: { status: 400, expose: true },
  interaction_expired: { status: 400, expose: true },
  qr_expired: { status: 410, expose: true },
  bad_request: { status: 400, expose: true },
  not_found: { status: 404, expose: true },
  invalid_client: { status: 401, expose: true },
  rate_limited: { status: 429, expose: true },
  unavailable: { status: 503, expose: true },
  connect_state_invalid: { status: 400, expose: true },
  connect_failed: { status: 400, expose: true },
  connect_denied: { status: 400, expose: true },
  connect_unavailable: { status: 503, expose: true },
  connect_rate_limited: { status: 429, expose: true },
  connect_already_bound: { status: 409, expose: true },
  connect_not_member: { status: 403, expose: true },
  connect_signature_invalid: { status: 403, expose: true },
  connect_snapshot_user: { status: 400, expose: true },
  wechat_mfa_other_account: { status: 403, expose: true },
  wechat_mfa_unbound: { status: 403, expose: true },
  wechat_mfa_failed: { status: 400, expose: true },
  wechat_mfa_expired: { status: 400, expose: true },
  wechat_bind_expired: { status: 400, expose: true },
  wechat_bind_failed: { status: 400, expose: true },
  upload_empty: { status: 400, expose: true },
  upload_too_large: { status: 413, expose: true },
  upload_wrong_type: { status: 415, expose: true },
  upload_too_many: { status: 413, expose: true },
  appeal_open_exists: { status: 409, expose: true },
  appeal_open_limited: { status: 429, expose: true },
  appeal_not_editable: { status: 409, expose: true },
  appeal_stale: { status: 409, expose: true },
  appeal_not_bound: { status: 400, expose: true },
  document_missing: { status: 400, expose: true },
  internal_error: { status: 500, expose: false },
} as const satisfies Record<string, { status: number; expose: boolean }>;

export type ErrorCode = keyof typeof errorCatalogue;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;

  constructor(code: ErrorCode, detail?: string) {
    super(detail ?? code);
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.expose = errorCatalogue[code].expose;
  }
}

/** A configuration or input problem found before anything was changed; the message names what to fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * A store (Redis, PostgreSQL) did not answer. Requests fail closed with 503; inside oidc-provider the
 * `statusCode` and the OAuth error `temporarily_unavailable` (its message) are what the client sees.
 */
export class StoreUnavailableError extends AppError {
  readonly statusCode = 503;
  constructor(cause: unknown) {
    super('unavailable', 'temporarily_unavailable');
    this.name = 'StoreUnavailableError';
    this.cause = cause;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
