/**
 * Client authentication at the mTLS endpoints (token, PAR, introspection, revocation):
 * `tls_client_auth` (RFC 8705 §2.1: certificate subject DN = registered DN, plus the registered issuer
 * pin; the admin client only with a certificate of the bank's admin CA) and `private_key_jwt`
 * (RFC 7523 + FAPI: PS256/ES256 only, aud = issuer, iss = sub = client_id, bounded exp, single-use jti).
 * Every failure is `invalid_client` (401) with a description that helps the TPP developer.
 */
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { InvalidClient, InvalidRequest } from '../errors';
import type { ClientStore, OnceRecord, OnceStore } from '../ports/store';
import { certificateIdentity, issuedBy } from './certificate';
import type { Client } from './client';
import { ADMIN_SCOPE, SIGNING_ALGS } from './client';
import { InvalidPublishedJwks, type JwksFetch, signingKeysOf } from './client-keys';
import { dnEquals } from './dn';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Longest accepted assertion lifetime, and how far in the future `iat`/`nbf` may be (FAPI 2.0: 10 s ok). */
export const MAX_ASSERTION_LIFETIME = 300;
export const CLOCK_TOLERANCE = 10;
const MAX_ASSERTION_LENGTH = 8192;

/** The client certificate the mTLS edge verified (API Gateway, or the sandbox's TLS server). */
export interface ClientCertificate {
  /** Identity (subject, issuer, serial) is read from this PEM's DER: `certificate.ts`. */
  readonly pem: string;
  /** RFC 8705 `x5t#S256`: base64url(sha256(DER)). */
  readonly thumbprint: string;
}

export interface ClientAuthDeps {
  readonly clients: ClientStore;
  readonly once: OnceStore;
  /** The only accepted assertion audience (FAPI 2.0). */
  readonly issuer: string;
  /** `x5t#S256` of the bank's admin CA: an admin client must be pinned to it. Unset: no admin client authenticates. */
  readonly adminCaThumbprint?: string;
  /** GET of a client's `jwks_uri` (private_key_jwt with published keys); without it such a client cannot authenticate. */
  readonly fetchJwks?: JwksFetch;
}

export interface ClientAuthInput {
  /** The endpoint's form parameters. */
  readonly params: ReadonlyMap<string, string>;
  readonly certificate?: ClientCertificate;
  readonly now: number;
}

/** An authenticated client, and the single-use claim of its assertion's jti when it used one. */
export interface AuthenticatedClient {
  readonly client: Client;
  readonly replayClaim?: OnceRecord;
}

export const REPLAYED_ASSERTION = 'client_assertion has already been used (jti replay)';

/** Authenticates the client; an assertion's jti is claimed before this returns. */
export async function authenticateClient(input: ClientAuthInput, deps: ClientAuthDeps): Promise<Client> {
  const { client, replayClaim } = await authenticateDeferringClaim(input, deps);
  // The conditional write is the moment of truth: of two concurrent uses of one jti exactly one wins.
  if (replayClaim && !(await deps.once.claim(replayClaim, input.now))) throw new InvalidClient(REPLAYED_ASSERTION);
  return client;
}

/**
 * Authenticates the client but leaves the jti claim to the caller, who writes it with its own conditional
 * write (the token endpoint: in the issuance transaction, `IssuanceGuard.replayClaim`) or, when the request
 * fails before that write, claims it alone (`OnceStore.claim`), so an assertion is consumed however it ends.
 */
export async function authenticateDeferringClaim(
  input: ClientAuthInput,
  deps: ClientAuthDeps,
): Promise<AuthenticatedClient> {
  const assertionType = input.params.get('client_assertion_type');
  const assertion = input.params.get('client_assertion');
  if (input.params.has('client_secret')) {
    throw new InvalidClient('client_secret authentication is not supported; use tls_client_auth or private_key_jwt');
  }
  if (assertionType !== undefined || assertion !== undefined) {
    return authenticateWithAssertion(input, deps, assertionType, assertion);
  }
  return { client: await authenticateWithCertificate(input, deps) };
}

async function loadClient(deps: ClientAuthDeps, clientId: string): Promise<Client> {
  const client = await deps.clients.get(clientId);
  if (!client) throw new InvalidClient('unknown client');
  if (client.status === 'pending') throw new InvalidClient('the client is waiting for the bank to approve it');
  return client;
}

async function authenticateWithCertificate(input: ClientAuthInput, deps: ClientAuthDeps): Promise<Client> {
  const clientId = input.params.get('client_id');
  if (!clientId)
    throw new InvalidClient(
      'client authentication required: client_id with a client certificate, or a client assertion',
    );
  const client = await loadClient(deps, clientId);
  if (client.tokenEndpointAuthMethod !== 'tls_client_auth') {
    throw new InvalidClient(`client is registered for ${client.tokenEndpointAuthMethod}`);
  }
  if (!input.certificate) throw new InvalidClient('a client certificate is required for tls_client_auth');
  const presented = certificateIdentity(input.certificate.pem);
  if (!presented) throw new InvalidClient('the client certificate could not be read');
  // A registration written before DNs were stored parsed has no subject structure: it matches nothing.
  if (!client.tlsClientAuthSubject || !dnEquals(presented.subject, client.tlsClientAuthSubject)) {
    throw new InvalidClient('client certificate subject does not match the registered tls_client_auth_subject_dn');
  }
  const pin = client.tlsClientAuthIssuer;
  if (pin) {
    if (!dnEquals(presented.issuer, pin.name)) {
      throw new InvalidClient('client certificate was not issued by the CA this client is pinned to');
    }
    if (pin.caThumbprint && !issuedBy(input.certificate.pem, client.tlsClientAuthIssuerCertificate!)) {
      throw new InvalidClient('client certificate was not issued by the CA this client is pinned to');
    }
  }
  // The bank's administrators never share the TPPs' trust: their client must be pinned to the admin CA.
  if (
    client.scopes.includes(ADMIN_SCOPE) &&
    (!deps.adminCaThumbprint || pin?.caThumbprint !== deps.adminCaThumbprint)
  ) {
    throw new InvalidClient('an admin client is only accepted with a certificate of the bank admin CA');
  }
  return client;
}

async function authenticateWithAssertion(
  input: ClientAuthInput,
  deps: ClientAuthDeps,
  assertionType: string | undefined,
  assertion: string | undefined,
): Promise<AuthenticatedClient> {
  if (assertionType !== JWT_BEARER_ASSERTION) {
    throw new InvalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  }
  if (!assertion) throw new InvalidClient('client_assertion is missing');
  if (assertion.length > MAX_ASSERTION_LENGTH) throw new InvalidClient('client_assertion is too large');

  let issuer: unknown;
  let alg: unknown;
  try {
    issuer = decodeJwt(assertion).iss;
    alg = decodeProtectedHeader(assertion).alg;
  } catch {
    throw new InvalidClient('client_assertion is not a well-formed JWT');
  }
  if (typeof issuer !== 'string' || issuer === '') throw new InvalidClient('client_assertion has no iss');
  const clientIdParam = input.params.get('client_id');
  if (clientIdParam !== undefined && clientIdParam !== issuer) {
    throw new InvalidClient('client_id does not match the client_assertion issuer');
  }
  if (typeof alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(alg)) {
    throw new InvalidClient('client_assertion must be signed with PS256 or ES256');
  }

  const client = await loadClient(deps, issuer);
  const keys = signingKeysOf(client, deps.fetchJwks ?? noJwksFetch);
  if (client.tokenEndpointAuthMethod !== 'private_key_jwt' || !keys) {
    throw new InvalidClient(`client is registered for ${client.tokenEndpointAuthMethod}`);
  }
  // RFC 7591 token_endpoint_auth_signing_alg: the registered alg is the only one accepted.
  if (alg !== client.tokenEndpointAuthSigningAlg) {
    throw new InvalidClient(`client_assertion must be signed with ${client.tokenEndpointAuthSigningAlg} as registered`);
  }

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: [client.tokenEndpointAuthSigningAlg],
      issuer: client.clientId,
      subject: client.clientId,
      audience: deps.issuer,
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(input.now * 1000),
      clockTolerance: CLOCK_TOLERANCE,
    }));
  } catch (error) {
    throw new InvalidClient(`client_assertion rejected: ${describeJoseError(error)}`);
  }
  // FAPI 2.0: aud must be the issuer as a single string, not an array that merely contains it.
  if (payload.aud !== deps.issuer) throw new InvalidClient('client_assertion aud must be the issuer identifier');
  const exp = payload.exp!;
  if (typeof payload.iat === 'number' && payload.iat > input.now + CLOCK_TOLERANCE) {
    throw new InvalidClient('client_assertion iat is in the future');
  }
  const start = typeof payload.iat === 'number' ? payload.iat : input.now;
  if (exp - start > MAX_ASSERTION_LIFETIME || exp - input.now > MAX_ASSERTION_LIFETIME) {
    throw new InvalidClient(`client_assertion lifetime must not exceed ${MAX_ASSERTION_LIFETIME} seconds`);
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
    throw new InvalidClient('client_assertion jti must be a non-empty string');
  }
  return {
    client,
    replayClaim: {
      key: { purpose: 'jti', clientId: client.clientId, value: payload.jti },
      expiresAt: exp + CLOCK_TOLERANCE,
    },
  };
}

const noJwksFetch: JwksFetch = () => Promise.reject(new InvalidPublishedJwks('jwks_uri cannot be fetched here'));

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} is invalid (${error.reason})`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no registered key matches';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof joseErrors.JWKSTimeout) return 'jwks_uri did not answer in time';
  if (error instanceof joseErrors.JOSEError) return error.code;
  if (error instanceof InvalidPublishedJwks) return error.message;
  return 'invalid';
}

/** The certificate the token will be bound to; FAPI requires sender-constrained tokens. */
export function requireCertificate(certificate: ClientCertificate | undefined): ClientCertificate {
  if (!certificate) throw new InvalidRequest('a client certificate is required (mutual TLS)');
  return certificate;
}
