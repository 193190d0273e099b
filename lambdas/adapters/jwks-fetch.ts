/**
 * The GET of a client's `jwks_uri` (`domain/client-keys.ts`): node:https on a keep-alive agent whose every
 * socket resolves its host through the SSRF guard (`gateway/upstream-address.ts`: only public addresses, or
 * the deployment's private hosts, and the connection pinned to the addresses checked), https only, no
 * redirects (a 3xx is answered as it is, so it is refused), at most MAX_JWKS_BYTES, aborted by the caller's
 * signal (jose's timeout).
 */
import { Agent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { JwksFetch } from '../domain/client-keys';
import { guardedLookup, type UpstreamHostPolicy, upstreamUrlProblem } from '../domain/gateway/upstream-address';

/** A JWK Set of a few keys is a few KiB; anything larger is not one. */
export const MAX_JWKS_BYTES = 64 * 1024;

export function guardedJwksFetch(options: { policy: UpstreamHostPolicy; extraCa?: string }): JwksFetch {
  const agent = new Agent({
    keepAlive: true,
    lookup: guardedLookup(options.policy),
    ...(options.extraCa ? { ca: [...rootCertificates, options.extraCa] } : {}),
  });
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const problem = upstreamUrlProblem(url);
      if (problem) return reject(new Error(problem));
      const outgoing = httpsRequest(url, {
        method: 'GET',
        headers: { accept: 'application/json, application/jwk-set+json' },
        agent,
        signal: init.signal,
      });
      outgoing.on('error', reject);
      outgoing.on('response', (response) => {
        const status = response.statusCode ?? 502;
        const tooLarge = () => {
          response.destroy();
          reject(new Error(`jwks_uri answered more than ${MAX_JWKS_BYTES} bytes`));
        };
        if (Number(response.headers['content-length'] ?? 0) > MAX_JWKS_BYTES) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_JWKS_BYTES) return tooLarge();
          chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => resolve(new Response(Buffer.concat(chunks), { status })));
      });
      outgoing.end();
    });
}
