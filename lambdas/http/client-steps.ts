/** Steps shared by the client-authenticated mTLS OAuth endpoints: token, PAR, introspection, revocation. */
import { presentedCertificateKeys } from '../domain/certificate-revocation';
import type { Client } from '../domain/client';
import { authenticateClient } from '../domain/client-auth';
import { InvalidClient, InvalidRequest } from '../errors';
import { Metric } from '../metric-names';
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
  call.client = await authenticateRequestClient(call.request, call.params, call.now);
}

async function authenticateRequestClient(
  request: HttpRequest,
  params: ReadonlyMap<string, string>,
  now: number,
): Promise<Client> {
  const certificate = clientCertificate(request.event);
  try {
    const [client, revoked] = await Promise.all([
      authenticateClient(
        { params, certificate, now },
        {
          clients: wiring.stores.clients,
          once: wiring.stores.once,
          issuer: wiring.config.issuer,
          adminCaThumbprint: wiring.config.adminCaThumbprint,
        },
      ),
      // The tenant's revocation list, read alongside the client (API Gateway's mTLS checks no CRL or OCSP).
      certificate && wiring.stores.revokedCertificates.isRevoked(presentedCertificateKeys(certificate)),
    ]);
    if (revoked) throw new InvalidClient('the client certificate has been revoked');
    return client;
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
