/** GET /jwks: the platform's public keys (signing + request-object encryption), built from KMS public keys. */
import { keyService } from '../adapters/keys';
import { httpHandler, json } from '../http/handler';

export const handler = httpHandler({ errors: 'oauth' }, async () =>
  json(200, await keyService().publicJwks(), {
    'content-type': 'application/jwk-set+json',
    // Public and stable between key changes; relying parties refetch on an unknown kid.
    'cache-control': 'public, max-age=300',
  }),
);
