/** POST /token (mTLS origin): client authentication, then one grant, issuing certificate-bound tokens. */
import { config } from '../config';
import { stores } from '../adapters/dynamodb';
import type { Client } from '../domain/client';
import { authenticateClient, requireCertificate } from '../domain/client-auth';
import { clientCredentialsScope, mintToken } from '../domain/token-issuer';
import { InvalidClient, InvalidRequest, InvalidScope, UnauthorizedClient, UnsupportedGrantType } from '../http/errors';
import { type HttpRequest, type HttpResponse, httpHandler, json } from '../http/handler';
import { metrics, Metric } from '../http/observability';
import { type ClientCertificate, clientCertificate, formBody } from '../http/request';
import { runSteps } from '../http/steps';
import { systemClock } from '../ports/clock';

interface TokenExchange {
  readonly request: HttpRequest;
  readonly now: number;
  params: Map<string, string>;
  certificate: ClientCertificate;
  client: Client;
  response: HttpResponse;
}

type GrantType = 'client_credentials';

const grants: Record<GrantType, (exchange: TokenExchange) => Promise<HttpResponse>> = {
  client_credentials: clientCredentialsGrant,
};

function parseParameters(exchange: TokenExchange) {
  exchange.params = formBody(exchange.request.event);
  if (!exchange.params.get('grant_type')) throw new InvalidRequest('grant_type is required');
}

function requireBoundCertificate(exchange: TokenExchange) {
  exchange.certificate = requireCertificate(clientCertificate(exchange.request.event));
}

async function authenticate(exchange: TokenExchange) {
  try {
    exchange.client = await authenticateClient(
      { params: exchange.params, certificate: exchange.certificate, now: exchange.now },
      { clients: stores().clients, once: stores().once, issuer: config().issuer },
    );
  } catch (error) {
    if (error instanceof InvalidClient) metrics.addMetric(Metric.ClientAuthFailures, 'Count', 1);
    throw error;
  }
}

async function performGrant(exchange: TokenExchange) {
  const grantType = exchange.params.get('grant_type')!;
  if (!Object.hasOwn(grants, grantType)) throw new UnsupportedGrantType(`unsupported grant_type ${grantType}`);
  if (!exchange.client.grantTypes.includes(grantType as GrantType)) {
    throw new UnauthorizedClient(`client is not allowed to use grant_type ${grantType}`);
  }
  exchange.response = await grants[grantType as GrantType](exchange);
  metrics.addMetric(Metric.TokensIssued, 'Count', 1);
}

async function clientCredentialsGrant({ client, params, certificate, now }: TokenExchange): Promise<HttpResponse> {
  const scope = clientCredentialsScope(client, params.get('scope'));
  if (typeof scope !== 'string') throw new InvalidScope(scope.error);
  const ttl = client.tokenSettings.accessTokenTtl ?? config().clientCredentialsTtl;
  const token = mintToken({
    kind: 'access',
    client,
    scope,
    certThumbprint: certificate.thumbprint,
    now,
    ttl,
    maxUses: client.tokenSettings.accessTokenMaxUses ?? 0,
  });
  await stores().tokens.put(token.record);
  return json(200, {
    access_token: token.value,
    token_type: 'Bearer',
    expires_in: token.record.expiresAt - now,
    scope,
  });
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const exchange = await runSteps({ request, now: systemClock() } as TokenExchange, [
    parseParameters,
    requireBoundCertificate,
    authenticate,
    performGrant,
  ]);
  return exchange.response;
});
