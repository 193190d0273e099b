/**
 * The protocol error hierarchy, below the domain: domain functions throw these, and the HTTP layer
 * (`http/handler.ts`) only renders them — OAuth endpoints as RFC 6749 JSON errors, Open Banking APIs as
 * OBErrorResponse1, browser endpoints as an HTML page. Nothing here knows about HTTP events.
 */

import type { Problem } from './validation';

/** Anything that may be shown to the caller. */
export abstract class ProtocolError extends Error {
  abstract readonly status: number;
  /** Extra response headers (WWW-Authenticate, Retry-After). */
  readonly headers: Record<string, string> = {};
}

// ---- OAuth 2.0 / OpenID Connect -------------------------------------------------------------

/** RFC 6749 §4.1.2.1 / §5.2: `error_description` may only use %x20-21 / %x23-5B / %x5D-7E. */
const OUTSIDE_ERROR_DESCRIPTION_CHARSET = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;

/** Safe as `error_description`: characters outside the RFC 6749 set (e.g. echoed client input) become `?`. */
export function errorDescription(text: string): string {
  return text.replace(OUTSIDE_ERROR_DESCRIPTION_CHARSET, '?');
}

export class OAuthError extends ProtocolError {
  override readonly name: string = 'OAuthError';
  /** Human-readable `error_description` (no internals), in the RFC 6749 character set. */
  readonly description: string;

  constructor(
    /** RFC 6749 `error` code. */
    readonly error: string,
    description: string,
    readonly status: number = 400,
  ) {
    const safe = errorDescription(description);
    super(safe);
    this.description = safe;
  }
}

export class InvalidRequest extends OAuthError {
  constructor(description: string) {
    super('invalid_request', description, 400);
  }
}

export class InvalidClient extends OAuthError {
  constructor(description: string) {
    super('invalid_client', description, 401);
  }
}

export class InvalidGrant extends OAuthError {
  constructor(description: string, status = 400) {
    super('invalid_grant', description, status);
  }
}

export class UnauthorizedClient extends OAuthError {
  constructor(description: string) {
    super('unauthorized_client', description, 400);
  }
}

export class UnsupportedGrantType extends OAuthError {
  constructor(description: string) {
    super('unsupported_grant_type', description, 400);
  }
}

export class UnsupportedResponseType extends OAuthError {
  constructor(description: string) {
    super('unsupported_response_type', description, 400);
  }
}

export class InvalidScope extends OAuthError {
  constructor(description: string) {
    super('invalid_scope', description, 400);
  }
}

export class InvalidRequestObject extends OAuthError {
  constructor(description: string) {
    super('invalid_request_object', description, 400);
  }
}

export class InvalidRequestUri extends OAuthError {
  constructor(description: string) {
    super('invalid_request_uri', description, 400);
  }
}

/** Where an authorization error response may be sent once redirect_uri is known to be registered. */
export interface AuthorizationResponseTarget {
  readonly redirectUri: string;
  readonly responseMode: 'query' | 'fragment';
  readonly state?: string;
}

/**
 * An invalid authorization request (RFC 6749 §4.1.2.1). Before the redirect_uri is known to be registered
 * it is not redirectable and is shown as an error page (or, at PAR, returned as JSON); after that it goes
 * back to the client's redirect_uri.
 */
export class AuthorizationRequestError extends OAuthError {
  override readonly name = 'AuthorizationRequestError';
  /** Set when the error can be returned to the client's registered redirect_uri. */
  target?: AuthorizationResponseTarget;

  constructor(
    error: string,
    description: string,
    /** True once redirect_uri is validated: the error may go back to the client. */
    readonly redirectable: boolean,
  ) {
    super(error, description, 400);
  }
}

export class AccessDenied extends OAuthError {
  constructor(description: string) {
    super('access_denied', description, 403);
  }
}

/** RFC 6750: bearer token missing, unknown, expired, revoked or not bound to this certificate. */
export class InvalidToken extends OAuthError {
  constructor(description: string) {
    super('invalid_token', description, 401);
    this.headers['WWW-Authenticate'] = `Bearer error="invalid_token", error_description="${description}"`;
  }
}

export class InsufficientScope extends OAuthError {
  constructor(description: string) {
    super('insufficient_scope', description, 403);
    this.headers['WWW-Authenticate'] = `Bearer error="insufficient_scope", error_description="${description}"`;
  }
}

export class ServerError extends OAuthError {
  constructor(description = 'internal server error') {
    super('server_error', description, 500);
  }
}

/** A dependency (store, KMS) is throttled or unavailable: the caller should retry. */
export class TemporarilyUnavailable extends OAuthError {
  constructor(description = 'service temporarily unavailable, retry later', retryAfterSeconds = 1) {
    super('temporarily_unavailable', description, 503);
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}

// ---- Open Banking UK OBErrorResponse1 -------------------------------------------------------

export interface ObErrorDetail {
  readonly ErrorCode: string;
  readonly Message: string;
  readonly Path?: string;
  readonly Url?: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const FIELD_ERROR_CODE: Record<Problem['kind'], string> = {
  missing: 'UK.OBIE.Field.Missing',
  invalid: 'UK.OBIE.Field.Invalid',
  unexpected: 'UK.OBIE.Field.Unexpected',
};

/** An OBErrorResponse1 entry for a validation problem. */
export const fieldError = (p: Problem, errorCode = FIELD_ERROR_CODE[p.kind]): ObErrorDetail => ({
  ErrorCode: errorCode,
  Message: p.message,
  ...(p.path ? { Path: p.path } : {}),
});

export class ObError extends ProtocolError {
  override readonly name = 'ObError';
  constructor(
    readonly status: number,
    message: string,
    readonly errors: readonly ObErrorDetail[],
  ) {
    super(message);
  }

  /** OBErrorResponse1.Code: the high-level textual code, e.g. "400 Bad Request". */
  get code(): string {
    return `${this.status} ${STATUS_TEXT[this.status] ?? 'Error'}`;
  }

  static field(errorCode: string, message: string, path?: string, status = 400): ObError {
    return new ObError(status, message, [{ ErrorCode: errorCode, Message: message, ...(path ? { Path: path } : {}) }]);
  }

  /** 400 with one entry per problem: its JSON path and the UK.OBIE code of its kind. */
  static fields(message: string, problems: readonly Problem[]): ObError {
    return new ObError(
      400,
      message,
      problems.map((p) => fieldError(p)),
    );
  }

  static notFound(message: string): ObError {
    return new ObError(404, message, [{ ErrorCode: 'UK.OBIE.Resource.NotFound', Message: message }]);
  }

  static unauthorized(message: string): ObError {
    return new ObError(401, message, [{ ErrorCode: 'UK.OBIE.Unauthorised', Message: message }]);
  }

  static forbidden(errorCode: string, message: string): ObError {
    return new ObError(403, message, [{ ErrorCode: errorCode, Message: message }]);
  }

  static unavailable(message = 'Service temporarily unavailable, retry later'): ObError {
    const error = new ObError(503, message, [{ ErrorCode: 'UK.OBIE.UnexpectedError', Message: message }]);
    error.headers['Retry-After'] = '1';
    return error;
  }
}

/** Names of AWS SDK errors that mean "try again later" (throttling, timeouts, 5xx). */
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'KMSInternalException',
  'KMSInvalidStateException',
  'DependencyTimeoutException',
  'TimeoutError',
  'RequestTimeout',
  'TransactionInProgressException',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
]);

/** True for infrastructure faults a client can sensibly retry (rendered as 503 + Retry-After). */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const {
    name,
    code,
    $metadata: meta,
  } = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    RETRYABLE.has(name ?? '') ||
    RETRYABLE.has(code ?? '') ||
    (meta?.httpStatusCode !== undefined && meta.httpStatusCode >= 500) ||
    throttledTransaction(error)
  );
}

/** A transaction DynamoDB cancelled because an item was throttled: nothing was written, a retry may pass. */
function throttledTransaction(error: object): boolean {
  const { name, CancellationReasons: reasons = [] } = error as {
    name?: string;
    CancellationReasons?: { Code?: string }[];
  };
  return (
    name === 'TransactionCanceledException' &&
    reasons.some((reason) => reason.Code === 'ThrottlingError' || reason.Code === 'ProvisionedThroughputExceeded')
  );
}
