// The CAS protocol's error codes (CAS 3.0 §2.5.3 and §2.7.2), thrown by the validation rules and turned into
// the spec's failure responses by the routes.
export type CasErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_TICKET_SPEC'
  | 'UNAUTHORIZED_SERVICE_PROXY'
  | 'UNAUTHORIZED_SERVICE'
  | 'INVALID_PROXY_CALLBACK'
  | 'INVALID_TICKET'
  | 'INVALID_SERVICE'
  | 'INTERNAL_ERROR';

export class CasError extends Error {
  constructor(
    readonly code: CasErrorCode,
    description: string,
  ) {
    super(description);
    this.name = 'CasError';
  }
}
