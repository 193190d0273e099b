/** The client-authentication step shared by the mTLS OAuth endpoints: token, PAR, introspection, revocation. */
import { stores } from '../adapters/dynamodb';
import { config } from '../config';
import type { Client } from '../domain/client';
import { authenticateClient } from '../domain/client-auth';
import { InvalidClient } from './errors';
import type { HttpRequest } from './handler';
import { Metric, metrics } from './observability';
import { clientCertificate } from './request';

export async function authenticateRequestClient(
  request: HttpRequest,
  params: ReadonlyMap<string, string>,
  now: number,
): Promise<Client> {
  try {
    return await authenticateClient(
      { params, certificate: clientCertificate(request.event), now },
      { clients: stores().clients, once: stores().once, issuer: config().issuer },
    );
  } catch (error) {
    if (error instanceof InvalidClient) metrics.addMetric(Metric.ClientAuthFailures, 'Count', 1);
    throw error;
  }
}
