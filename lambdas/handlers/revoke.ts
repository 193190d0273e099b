/**
 * POST /revoke (RFC 7009, mTLS origin): the client revokes one of its own tokens. Revoking a refresh
 * token ends its whole grant (every access token issued from it); revoking an access token ends that token.
 * Unknown tokens, and tokens of other clients, get the same 200 and no effect (RFC 7009 §2.2).
 */

import type { Client } from '../domain/client';
import { hashSecret } from '../domain/tokens';
import { InvalidRequest } from '../errors';
import { authenticateRequestClient } from '../http/authenticate-client';
import { type HttpRequest, httpHandler } from '../http/handler';
import { formBody } from '../http/request';
import { runSteps } from '../http/steps';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

interface Revocation {
  readonly request: HttpRequest;
  readonly now: number;
  params: Map<string, string>;
  token: string;
  client: Client;
}

function parseParameters(revocation: Revocation) {
  revocation.params = formBody(revocation.request.event);
  const token = revocation.params.get('token');
  if (!token) throw new InvalidRequest('token is required');
  // token_type_hint is only a hint: every token is found by its hash alone.
  revocation.token = token;
}

async function authenticate(revocation: Revocation) {
  revocation.client = await authenticateRequestClient(revocation.request, revocation.params, revocation.now);
}

async function revokeToken({ client, token, request }: Revocation) {
  const { tokens } = wiring.stores;
  const tokenHash = hashSecret(token);
  const record = await tokens.get(tokenHash);
  if (!record || record.clientId !== client.clientId) return;
  // The presented token first, by its key (strongly consistent); then the rest of its grant via the index.
  await tokens.revoke(tokenHash);
  const grantRevoked = record.kind === 'refresh' && record.grantId !== undefined;
  const alsoRevoked = grantRevoked ? await tokens.revokeByGrant(record.grantId!) : 0;
  request.log.info('token revoked', { clientId: client.clientId, kind: record.kind, grantRevoked, alsoRevoked });
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  await runSteps({ request, now: systemClock() } as Revocation, [parseParameters, authenticate, revokeToken]);
  return { statusCode: 200, headers: {}, body: '' };
});
