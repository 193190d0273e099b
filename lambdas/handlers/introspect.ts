/**
 * POST /introspect (RFC 7662, mTLS origin): a token's state and its consent fields, for the token's own
 * client or a privileged resource-server client (registered scope `introspection`). Reading does not
 * count a use. Anything the caller may not see, or that cannot be used any more (revoked, expired, usage
 * quota spent, consent withdrawn), is `{ active: false }`.
 */

import { isExpired } from '../domain/consents';
import type { Consent, TokenRecord } from '../domain/model';
import { hashSecret } from '../domain/tokens';
import { authenticateClientStep, parseTokenParameter, type TokenCall } from '../http/client-steps';
import { httpHandler, json } from '../http/handler';
import { runSteps } from '../http/steps';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

/** Registered scope of resource-server clients allowed to introspect every client's tokens. */
export const INTROSPECTION_SCOPE = 'introspection';

const INACTIVE = { active: false } as const;

async function introspect(introspection: TokenCall) {
  const { client, now, token } = introspection;
  const record = await wiring.stores.tokens.get(hashSecret(token));
  const visible =
    record !== undefined &&
    !record.revoked &&
    record.expiresAt > now &&
    // RFC 7662 §2.2: a token the resource server must refuse is inactive, as is one whose usage quota is spent.
    (record.maxUses === 0 || record.uses < record.maxUses) &&
    (record.clientId === client.clientId || client.scopes.includes(INTROSPECTION_SCOPE));
  if (!visible) {
    introspection.response = json(200, INACTIVE);
    return;
  }
  const consent = record.consentId === undefined ? undefined : await wiring.stores.consents.get(record.consentId);
  // A token whose consent is gone, withdrawn or expired grants nothing, whatever its own record says.
  const consentUsable =
    record.consentId === undefined ||
    (consent !== undefined && consent.status === 'Authorised' && !isExpired(consent, new Date(now * 1000)));
  introspection.response = json(200, consentUsable ? activeResponse(record, consent) : INACTIVE);
}

function activeResponse(record: TokenRecord, consent: Consent | undefined) {
  return {
    active: true,
    scope: record.scope,
    client_id: record.clientId,
    // RFC 7662 §2.2: an access token's type (RFC 6749 §7.1); a refresh token has none.
    token_type: record.kind === 'access' ? 'Bearer' : undefined,
    exp: record.expiresAt,
    iat: record.issuedAt,
    sub: record.subject,
    iss: wiring.config.issuer,
    cnf: { 'x5t#S256': record.certThumbprint },
    consent_id: record.consentId,
    account_ids: record.accountIds,
    permissions: record.permissions,
    status: consent?.status,
    expiration_date_time: consent?.expirationDateTime,
    transaction_from_date_time: record.transactionFromDateTime,
    transaction_to_date_time: record.transactionToDateTime,
    granted_scopes: record.grantedScopes,
    uses: record.uses,
    max_uses: record.maxUses,
  };
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const introspection = await runSteps({ request, now: systemClock() } as TokenCall, [
    parseTokenParameter,
    authenticateClientStep,
    introspect,
  ]);
  return introspection.response;
});
