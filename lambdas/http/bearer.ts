/**
 * Bearer-token check for resource endpoints: one conditional UpdateItem validates the token, its
 * certificate binding (RFC 8705) and its usage quota, and counts the use.
 */
import type { TokenRecord } from '../domain/model';
import { hashSecret, tokenRefusal } from '../domain/tokens';
import { InsufficientScope, InvalidToken, OAuthError } from '../errors';
import { Metric } from '../metric-names';
import type { TokenStore } from '../ports/store';
import { wiring } from '../wiring';
import type { HttpRequest } from './handler';
import { metrics } from './observability';
import { clientCertificate, header } from './request';

export class QuotaExceeded extends OAuthError {
  constructor() {
    super('access_denied', 'access token usage quota exceeded', 403);
  }
}

export async function authorizeBearer(
  request: HttpRequest,
  deps: { tokens: TokenStore; now: number },
  requiredScope: string,
): Promise<TokenRecord> {
  const token = await authenticateBearer(request, deps);
  requireScope(token, requiredScope);
  return token;
}

/** The bearer token's record, its use counted; what it may do is checked apart (`requireScope`). */
export async function authenticateBearer(
  request: HttpRequest,
  deps: { tokens: TokenStore; now: number },
): Promise<TokenRecord> {
  const authorization = header(request.event, 'authorization') ?? '';
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
  if (!match) throw new InvalidToken('a bearer access token is required');
  const certificate = clientCertificate(request.event);
  if (!certificate) throw new InvalidToken('the access token must be presented with its client certificate');

  const use = await deps.tokens.use(hashSecret(match[1]!), {
    kind: 'access',
    now: deps.now,
    certThumbprint: certificate.thumbprint,
    // Route template, never the path: the history shows which API, not account ids or queries.
    access: { api: `${request.event.httpMethod} ${request.event.resource}`, interactionId: request.interactionId },
  });
  if (!use.ok) {
    if (use.reason === 'quota_exceeded') metrics.addMetric(Metric.QuotaExceeded, 'Count', 1);
    throw tokenRefusal<OAuthError>(use.reason, {
      token: 'the access token',
      invalid: (description) => new InvalidToken(description),
      quotaExceeded: () => new QuotaExceeded(),
    });
  }
  return use.token;
}

/** The context of a bearer-token endpoint: the token's record once checked. */
export interface BearerCall {
  readonly request: HttpRequest;
  readonly now: number;
  token: TokenRecord;
}

/**
 * The step a resource endpoint checks its caller with: the bearer token validated and its use counted (one
 * conditional write), then `requiredScope` when given (else the endpoint checks what the token may do).
 */
export function bearerStep(requiredScope?: string) {
  return async (call: BearerCall): Promise<void> => {
    call.token = await authenticateBearer(call.request, { tokens: wiring.stores.tokens, now: call.now });
    if (requiredScope !== undefined) requireScope(call.token, requiredScope);
  };
}

export function requireScope(token: TokenRecord, requiredScope: string): void {
  if (!token.scope.split(' ').includes(requiredScope)) {
    throw new InsufficientScope(`the access token lacks scope ${requiredScope}`);
  }
}
