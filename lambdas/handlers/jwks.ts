/**
 * GET /jwks and the other key sets: one JSON Web Key Set per signing purpose, built from KMS public keys.
 * `/jwks` (the discovery `jwks_uri`) verifies ID tokens and carries the request-object encryption key; the
 * gateway's response JWS and the upstream caller assertion are verified with their own sets, so no ID-token
 * verifier ever holds a key that signs anything else.
 */
import { httpHandler, json } from '../http/handler';
import { SIGNING_PURPOSE_NAMES, SIGNING_PURPOSES } from '../ports/keys';
import { wiring } from '../wiring';

const purposeByPath = new Map(SIGNING_PURPOSE_NAMES.map((purpose) => [SIGNING_PURPOSES[purpose].jwksPath, purpose]));

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const purpose = purposeByPath.get(request.event.resource);
  // Only the manifest's key-set routes reach this function.
  if (!purpose) throw new Error(`No key set is served at ${request.event.resource}`);
  return json(200, await wiring.keys.publicJwks(purpose), {
    'content-type': 'application/jwk-set+json',
    // Public and stable between key changes; relying parties refetch on an unknown kid.
    'cache-control': 'public, max-age=300',
  });
});
