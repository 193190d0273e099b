/**
 * Validating an authorization request, FAPI 2.0 and FAPI 1.0 Advanced: the signed request object
 * (JAR, RFC 9101), the parameters that count, PKCE S256, the exact redirect_uri, and the Open Banking
 * intent id carried as the essential claim `openbanking_intent_id`.
 *
 * Errors are `AuthorizationRequestError`s (`errors.ts`): before the redirect_uri is known to be registered
 * they are not redirectable and shown as an error page; after that they are redirected to the client.
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { AuthorizationRequestError } from '../errors';
import { parseAcrRequest, parsePrompt } from './authentication-requirements';
import type { AuthorizationRequest } from './authorization';
import type { Client } from './client';
import { SIGNING_ALGS } from './client';
import { type JwksFetch, signingKeysOf } from './client-keys';
import { isExpired } from './consents';
import type { Consent } from './model';

/** FAPI: exp - nbf <= 60 min, nbf no older than 60 min; small future skew tolerated. */
const MAX_REQUEST_OBJECT_LIFETIME = 3600;
const CLOCK_TOLERANCE = 10;
const MAX_REQUEST_OBJECT_LENGTH = 16 * 1024;

/** Verifies a request object and returns its claims; only these parameters count. */
export async function verifyRequestObject(
  requestObject: string,
  client: Client,
  { issuer, now, fetchJwks }: { issuer: string; now: number; fetchJwks: JwksFetch },
): Promise<Record<string, unknown>> {
  const fail = (description: string) => new AuthorizationRequestError('invalid_request_object', description, false);
  if (requestObject.length > MAX_REQUEST_OBJECT_LENGTH) throw fail('request object is too large');
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(requestObject).alg;
  } catch {
    throw fail('request object is not a signed JWT');
  }
  if (typeof alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(alg)) {
    throw fail('request object must be signed with PS256 or ES256');
  }
  // OIDC Dynamic Client Registration request_object_signing_alg: the registered alg is the only one accepted.
  if (alg !== client.requestObjectSigningAlg) {
    throw fail(`request object must be signed with ${client.requestObjectSigningAlg} as registered`);
  }
  const keys = signingKeysOf(client, fetchJwks);
  if (!keys) throw fail('client has no registered keys to verify request objects');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(requestObject, keys, {
      algorithms: [client.requestObjectSigningAlg],
      issuer: client.clientId,
      audience: issuer,
      requiredClaims: ['exp', 'nbf'],
      currentDate: new Date(now * 1000),
      clockTolerance: CLOCK_TOLERANCE,
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw fail('request object has expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed)
      throw fail(`request object claim ${error.claim} is invalid`);
    throw fail('request object signature is invalid');
  }
  const exp = payload.exp as number;
  const nbf = payload.nbf as number;
  if (exp - nbf > MAX_REQUEST_OBJECT_LIFETIME) throw fail('request object exp - nbf must not exceed 60 minutes');
  if (nbf < now - MAX_REQUEST_OBJECT_LIFETIME) throw fail('request object nbf is more than 60 minutes in the past');
  if (payload.client_id !== undefined && payload.client_id !== client.clientId) {
    throw fail('request object client_id does not match the client');
  }
  // RFC 9126 §2.1, OIDC Core §6.1: a request object must not point at another request.
  if (payload.request !== undefined || payload.request_uri !== undefined) {
    throw fail('request object must not contain request or request_uri');
  }
  return payload;
}

const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

function stringParam(params: Record<string, unknown>, name: string, max = 2048): string | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) {
    throw new AuthorizationRequestError(
      'invalid_request',
      `${name} must be a string of at most ${max} characters`,
      true,
    );
  }
  return value;
}

/** The `claims` parameter's id_token member (object in a request object, JSON text as a plain parameter). */
/**
 * The consent id a request's parameters name, if they name one well-formed (else undefined: the request's
 * own validation reports it), e.g. to read the consent before the request is validated.
 */
export function namedIntentId(params: Record<string, unknown>): string | undefined {
  try {
    const value = idTokenClaims(params).openbanking_intent_id?.value;
    return typeof value === 'string' && value.length <= 128 ? value : undefined;
  } catch {
    return undefined;
  }
}

function idTokenClaims(
  params: Record<string, unknown>,
): Record<string, { value?: unknown; values?: unknown; essential?: boolean }> {
  let claims = params.claims;
  if (claims === undefined) return {};
  if (typeof claims === 'string') {
    try {
      claims = JSON.parse(claims);
    } catch {
      throw new AuthorizationRequestError('invalid_request', 'claims is not valid JSON', true);
    }
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new AuthorizationRequestError('invalid_request', 'claims must be a JSON object', true);
  }
  const idToken = (claims as Record<string, unknown>).id_token ?? {};
  if (typeof idToken !== 'object' || idToken === null)
    throw new AuthorizationRequestError('invalid_request', 'claims.id_token must be an object', true);
  return idToken as Record<string, { value?: unknown; values?: unknown; essential?: boolean }>;
}

/**
 * Builds the AuthorizationRequest from the parameters that count (request object claims or pushed
 * parameters). Checks the client's profile, redirect_uri (exact match), PKCE S256, scope and nonce.
 */
export function parseAuthorizationRequest(params: Record<string, unknown>, client: Client): AuthorizationRequest {
  const redirectUri = params.redirect_uri;
  // Exact string match against a registered URI, or no redirect at all (error page).
  if (typeof redirectUri !== 'string' || !client.redirectUris.includes(redirectUri)) {
    throw new AuthorizationRequestError(
      'invalid_request',
      'redirect_uri is missing or not registered for this client',
      false,
    );
  }
  try {
    return parseRegisteredRedirectRequest(params, client, redirectUri);
  } catch (error) {
    if (error instanceof AuthorizationRequestError && error.redirectable) {
      const state = typeof params.state === 'string' ? params.state : undefined;
      const hybrid = params.response_type === 'code id_token';
      error.target = { redirectUri, state, responseMode: hybrid || client.profile !== 'fapi2' ? 'fragment' : 'query' };
    }
    throw error;
  }
}

function parseRegisteredRedirectRequest(
  params: Record<string, unknown>,
  client: Client,
  redirectUri: string,
): AuthorizationRequest {
  const responseType = stringParam(params, 'response_type');
  const expected = client.profile === 'fapi2' ? 'code' : 'code id_token';
  if (responseType !== expected) {
    throw new AuthorizationRequestError(
      'unsupported_response_type',
      `response_type must be ${expected} for this client`,
      true,
    );
  }
  const responseMode = stringParam(params, 'response_mode') ?? (responseType === 'code' ? 'query' : 'fragment');
  if (responseMode !== 'query' && responseMode !== 'fragment') {
    throw new AuthorizationRequestError('invalid_request', 'response_mode must be query or fragment', true);
  }
  if (responseType === 'code id_token' && responseMode === 'query') {
    throw new AuthorizationRequestError('invalid_request', 'the hybrid flow must not use response_mode=query', true);
  }

  const scopes = [...new Set((stringParam(params, 'scope') ?? '').split(' ').filter(Boolean))];
  if (scopes.length === 0) throw new AuthorizationRequestError('invalid_scope', 'scope is required', true);
  const unknown = scopes.filter((s) => !client.scopes.includes(s));
  if (unknown.length > 0)
    throw new AuthorizationRequestError(
      'invalid_scope',
      `scope not allowed for this client: ${unknown.join(' ')}`,
      true,
    );
  if (responseType === 'code id_token' && !scopes.includes('openid')) {
    throw new AuthorizationRequestError('invalid_scope', 'the hybrid flow requires the openid scope', true);
  }

  const nonce = stringParam(params, 'nonce', 512);
  if (responseType === 'code id_token' && !nonce)
    throw new AuthorizationRequestError('invalid_request', 'nonce is required', true);

  const method = stringParam(params, 'code_challenge_method');
  if (method !== 'S256')
    throw new AuthorizationRequestError('invalid_request', 'code_challenge_method must be S256', true);
  const codeChallenge = stringParam(params, 'code_challenge');
  if (!codeChallenge || !CODE_CHALLENGE.test(codeChallenge)) {
    throw new AuthorizationRequestError(
      'invalid_request',
      'code_challenge must be a base64url SHA-256 value (PKCE S256)',
      true,
    );
  }

  const claims = idTokenClaims(params);
  const intent = claims.openbanking_intent_id;
  const consentId = intent?.value;
  if (consentId !== undefined && (typeof consentId !== 'string' || consentId.length > 128)) {
    throw new AuthorizationRequestError('invalid_request', 'openbanking_intent_id must be a string', true);
  }
  if (scopes.includes('accounts') && !consentId) {
    throw new AuthorizationRequestError(
      'invalid_request',
      'the accounts scope requires the openbanking_intent_id claim',
      true,
    );
  }
  const acr = parseAcrRequest(claims.acr, stringParam(params, 'acr_values', 1024));
  const maxAgeRaw = params.max_age;
  const maxAge = maxAgeRaw === undefined ? undefined : Number(maxAgeRaw);
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0)) {
    throw new AuthorizationRequestError('invalid_request', 'max_age must be a non-negative integer', true);
  }

  return {
    clientId: client.clientId,
    redirectUri,
    responseType,
    responseMode,
    scope: scopes.join(' '),
    state: stringParam(params, 'state', 1024),
    nonce,
    codeChallenge,
    codeChallengeMethod: 'S256',
    consentId: consentId as string | undefined,
    ...acr,
    maxAge,
    prompt: parsePrompt(stringParam(params, 'prompt', 64)),
  };
}

/** The consent named by the request must exist, be this client's, be authorisable and unexpired. */
export function checkConsentForAuthorization(
  consent: Consent | undefined,
  request: AuthorizationRequest,
  now: Date,
): void {
  if (!request.consentId) return;
  if (!consent || consent.clientId !== request.clientId) {
    throw new AuthorizationRequestError(
      'invalid_request',
      'openbanking_intent_id does not name a consent of this client',
      true,
    );
  }
  if (consent.status !== 'AwaitingAuthorisation' && consent.status !== 'Authorised') {
    throw new AuthorizationRequestError(
      'invalid_request',
      `consent is ${consent.status} and cannot be authorised`,
      true,
    );
  }
  if (isExpired(consent, now)) throw new AuthorizationRequestError('invalid_request', 'consent has expired', true);
}

/**
 * The authorization response URL (RFC 6749 §4.1.2, RFC 9207 `iss`): query for the code flow, fragment
 * for the hybrid flow.
 */
export function authorizationResponseUrl(
  request: Pick<AuthorizationRequest, 'redirectUri' | 'responseMode' | 'state'>,
  issuer: string,
  values: Record<string, string | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, value);
  if (request.state !== undefined) params.set('state', request.state);
  params.set('iss', issuer);
  const url = new URL(request.redirectUri);
  if (request.responseMode === 'fragment') {
    url.hash = params.toString();
  } else {
    for (const [key, value] of params) url.searchParams.set(key, value);
  }
  return url.toString();
}
