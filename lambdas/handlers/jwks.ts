/** GET /jwks: the platform's public keys (signing + request-object encryption), built from KMS public keys. */
import { httpHandler, json } from '../http/handler';
import { wiring } from '../wiring';

export const handler = httpHandler({ errors: 'oauth' }, async () =>
  json(200, await wiring.keys.publicJwks(), {
    'content-type': 'application/jwk-set+json',
    // Public and stable between key changes; relying parties refetch on an unknown kid.
    'cache-control': 'public, max-age=300',
  }),
);
