/** Steps shared by the client-authenticated mTLS OAuth endpoints: token, PAR, introspection, revocation. */
import { presentedCertificateKeys } from '../domain/certificate-revocation';
import type { Client } from '../domain/client';
import { type AuthenticatedClient, authenticateClient, authenticateDeferringClaim } from '../domain/client-auth';
import { InvalidClient, InvalidRequest } from '../errors';
import { Metric } from '../metric-names';
import type { OnceRecord } from '../ports/store';
import { wiring } from '../wiring';
import type { HttpRequest, HttpResponse } from './handler';
import { metrics } from './observability';
import { clientCertificate, formBody, header } from './request';

/** An HTTP authentication scheme name (RFC 9110 token). */
const AUTH_SCHEME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** The context of a client-authenticated mTLS endpoint: its form parameters, then the client. */
export interface ClientCall {
  readonly request: HttpRequest;
  readonly now: number;
  params: Map<string, string>;
  client: Client;
  response: HttpResponse;
}

/** The context of introspection and revocation: the client and the token it presents. */
export interface TokenCall extends ClientCall {
  token: string;
}

/** Introspection and revocation (RFC 7662 §2.1, RFC 7009 §2.1): the form with its required `token`. */
export function parseTokenParameter(call: TokenCall): void {
  call.params = formBody(call.request.event);
  const token = call.params.get('token');
  if (!token) throw new InvalidRequest('token is required');
  // token_type_hint is only a hint: every token is found by its hash alone.
  call.token = token;
}

/** Authenticates the client from the parameters and the certificate. */
export async function authenticateClientStep(call: ClientCall): Promise<void> {
  call.client = (await authenticateRequestClient(call, { deferClaim: false, readList: true })).client;
}

/** The context of an endpoint whose own write claims the assertion's jti (token: issuance; PAR: the request). */
export interface DeferredClaimCall extends ClientCall {
  replayClaim?: OnceRecord;
}

/**
 * Authentication whose jti claim is left to the endpoint's write (token: one read and one write round trip
 * for the whole request). For client_credentials the revocation list is left to the issuance transaction's
 * ConditionChecks too (it refuses a listed certificate as invalid_client all the same); otherwise it is read
 * here, so a listed certificate is invalid_client before a grant or request is looked at.
 */
export async function authenticateDeferringClaimStep(call: DeferredClaimCall): Promise<void> {
  const readList = call.params.get('grant_type') !== 'client_credentials';
  ({ client: call.client, replayClaim: call.replayClaim } = await authenticateRequestClient(call, {
    deferClaim: true,
    readList,
  }));
}

/**
 * A request that failed before its write committed consumes its assertion all the same (a
 * single-use jti is used up whatever the outcome). Already claimed (committed, or a concurrent use): nothing.
 */
export async function claimUnusedAssertion(call: DeferredClaimCall): Promise<void> {
  // The request's own error is the answer; a store failure here must not replace it.
  if (call.replayClaim) await wiring.stores.once.claim(call.replayClaim, call.now).catch(() => false);
}

/**
 * `deferClaim`: the jti is the caller's to claim (`authenticateDeferringClaim`); `readList`: the tenant's
 * revocation list is read alongside the client (API Gateway's mTLS checks no CRL or OCSP).
 */
async function authenticateRequestClient(
  { request, params, now }: Pick<ClientCall, 'request' | 'params' | 'now'>,
  { deferClaim, readList }: { deferClaim: boolean; readList: boolean },
): Promise<AuthenticatedClient> {
  const certificate = clientCertificate(request.event);
  const deps = {
    clients: wiring.stores.clients,
    once: wiring.stores.once,
    issuer: wiring.config.issuer,
    adminCaThumbprint: wiring.config.adminCaThumbprint,
    fetchJwks: wiring.jwksFetch,
  };
  const input = { params, certificate, now };
  try {
    const [authenticated, revoked] = await Promise.all([
      deferClaim
        ? authenticateDeferringClaim(input, deps)
        : authenticateClient(input, deps).then((client) => ({ client })),
      readList && certificate && wiring.stores.revokedCertificates.isRevoked(presentedCertificateKeys(certificate)),
    ]);
    if (revoked) throw new InvalidClient('the client certificate has been revoked');
    return authenticated;
  } catch (error) {
    if (error instanceof InvalidClient) {
      metrics.addMetric(Metric.ClientAuthFailures, 'Count', 1);
      // RFC 6749 §5.2: a client that tried the Authorization header gets a challenge for its scheme.
      const scheme = header(request.event, 'authorization')?.split(' ', 1)[0];
      if (scheme && AUTH_SCHEME.test(scheme)) {
        error.headers['WWW-Authenticate'] = `${scheme} realm="${wiring.config.issuer}"`;
      }
    }
    throw error;
  }
}
