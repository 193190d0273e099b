/** The client-authentication step shared by the mTLS OAuth endpoints: token, PAR, introspection, revocation. */
import type { Client } from '../domain/client';
import { authenticateClient } from '../domain/client-auth';
import { InvalidClient } from '../errors';
import { Metric } from '../metric-names';
import { wiring } from '../wiring';
import type { HttpRequest } from './handler';
import { metrics } from './observability';
import { clientCertificate, header } from './request';

/** An HTTP authentication scheme name (RFC 9110 token). */
const AUTH_SCHEME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export async function authenticateRequestClient(
  request: HttpRequest,
  params: ReadonlyMap<string, string>,
  now: number,
): Promise<Client> {
  try {
    return await authenticateClient(
      { params, certificate: clientCertificate(request.event), now },
      {
        clients: wiring.stores.clients,
        once: wiring.stores.once,
        issuer: wiring.config.issuer,
        adminCaThumbprint: wiring.config.adminCaThumbprint,
      },
    );
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
