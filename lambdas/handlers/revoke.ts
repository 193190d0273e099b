/**
 * POST /revoke (RFC 7009, mTLS origin): the client revokes one of its own tokens. Revoking a refresh
 * token ends its whole grant (every access token issued from it); revoking an access token ends that token.
 * Unknown tokens, and tokens of other clients, get the same 200 and no effect (RFC 7009 §2.2).
 */

import { revokeGrantTokens } from '../domain/revocation';
import { hashSecret } from '../domain/tokens';
import { authenticateClientStep, parseTokenParameter, type TokenCall } from '../http/client-steps';
import { httpHandler } from '../http/handler';
import { runSteps } from '../http/steps';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

async function revokeToken({ client, token, request }: TokenCall) {
  const { tokens } = wiring.stores;
  const tokenHash = hashSecret(token);
  const record = await tokens.get(tokenHash);
  if (!record || record.clientId !== client.clientId) return;
  // The presented token first, by its key; then the rest of its grant (consistent sweeps, `revokeGrantTokens`).
  await tokens.revoke(tokenHash);
  const grantRevoked = record.kind === 'refresh' && record.grantId !== undefined;
  const alsoRevoked = grantRevoked ? await revokeGrantTokens({ tokens }, record) : 0;
  request.log.info('token revoked', { clientId: client.clientId, kind: record.kind, grantRevoked, alsoRevoked });
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  await runSteps({ request, now: systemClock() } as TokenCall, [
    parseTokenParameter,
    authenticateClientStep,
    revokeToken,
  ]);
  return { statusCode: 200, headers: {}, body: '' };
});
