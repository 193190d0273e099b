/** POST /token (mTLS origin): client authentication, then one grant, issuing certificate-bound tokens. */

import { presentedCertificateKeys } from '../domain/certificate-revocation';
import type { Client } from '../domain/client';
import { type ClientCertificate, requireCertificate } from '../domain/client-auth';
import { authorizationCodeGrant } from '../domain/grants/authorization-code';
import { clientCredentialsGrant } from '../domain/grants/client-credentials';
import { RefreshQuotaExceeded, refreshTokenGrant } from '../domain/grants/refresh-token';
import type { GrantRequest, TokenResponse } from '../domain/grants/types';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../errors';
import { authenticateDeferringClaimStep, claimUnusedAssertion, type DeferredClaimCall } from '../http/client-steps';
import { httpHandler, json } from '../http/handler';
import { metrics } from '../http/observability';
import { clientCertificate, formBody } from '../http/request';
import { runSteps } from '../http/steps';
import { Metric } from '../metric-names';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

interface TokenExchange extends DeferredClaimCall {
  certificate: ClientCertificate;
}

type GrantType = Client['grantTypes'][number];

/** Dependencies of the customer grants; the key service is only needed (and resolved) for them. */
function customerGrantDeps() {
  const { authorizations, consents, tokens } = wiring.stores;
  const { issuer, accessTokenTtl, refreshTokenTtl } = wiring.config;
  return {
    authorizations,
    consents,
    tokens,
    keys: wiring.keys,
    issuer,
    lifetimes: { accessTokenTtl, refreshTokenTtl },
  };
}

const grants: Record<GrantType, (request: GrantRequest) => Promise<TokenResponse>> = {
  client_credentials: (request) =>
    clientCredentialsGrant(request, { tokens: wiring.stores.tokens, defaultTtl: wiring.config.clientCredentialsTtl }),
  authorization_code: (request) => authorizationCodeGrant(request, customerGrantDeps()),
  refresh_token: (request) => refreshTokenGrant(request, customerGrantDeps()),
};

function parseParameters(exchange: TokenExchange) {
  exchange.params = formBody(exchange.request.event);
  if (!exchange.params.get('grant_type')) throw new InvalidRequest('grant_type is required');
}

function requireBoundCertificate(exchange: TokenExchange) {
  exchange.certificate = requireCertificate(clientCertificate(exchange.request.event));
}

function checkGrantType(exchange: TokenExchange) {
  const grantType = exchange.params.get('grant_type')!;
  if (!Object.hasOwn(grants, grantType)) throw new UnsupportedGrantType(`unsupported grant_type ${grantType}`);
  if (!exchange.client.grantTypes.includes(grantType as GrantType)) {
    throw new UnauthorizedClient(`client is not allowed to use grant_type ${grantType}`);
  }
}

async function performGrant(exchange: TokenExchange) {
  const { client, params, certificate, now, replayClaim } = exchange;
  try {
    const tokens = await grants[params.get('grant_type') as GrantType]({
      client,
      params,
      certThumbprint: certificate.thumbprint,
      certificateKeys: presentedCertificateKeys(certificate),
      now,
      replayClaim,
    });
    exchange.response = json(200, tokens);
  } catch (error) {
    if (error instanceof RefreshQuotaExceeded) metrics.addMetric(Metric.QuotaExceeded, 'Count', 1);
    throw error;
  }
  metrics.addMetric(Metric.TokensIssued, 'Count', 1);
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const exchange = { request, now: systemClock() } as TokenExchange;
  try {
    await runSteps(exchange, [
      parseParameters,
      requireBoundCertificate,
      authenticateDeferringClaimStep,
      checkGrantType,
      performGrant,
    ]);
  } catch (error) {
    await claimUnusedAssertion(exchange);
    throw error;
  }
  return exchange.response;
});
