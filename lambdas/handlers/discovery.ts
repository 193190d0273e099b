/** GET /.well-known/openid-configuration */
import { config } from '../config';
import { providerMetadata } from '../domain/discovery';
import { httpHandler, json } from '../http/handler';

export const handler = httpHandler({ errors: 'oauth' }, async () => {
  const { issuer, mtlsBaseUrl } = config();
  return json(200, providerMetadata({ issuer, mtlsBaseUrl }), { 'cache-control': 'public, max-age=300' });
});
