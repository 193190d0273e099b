/**
 * The peer under test, in its own process: node-oidc-provider v9 (a certified OpenID provider) set up
 * like Bankgate for the client_credentials grant — the same two clients (`private_key_jwt` with PS256
 * and the same public JWKS; `tls_client_auth` with the same subject DN, formatted and compared by the
 * same functions as Bankgate's edge and domain code), certificate-bound opaque access tokens,
 * single-use assertion jti, and its in-memory store.
 * It listens on HTTPS with the sandbox's server certificate and requires a client certificate from the
 * same CA, so TLS costs the same on both sides.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { certificateIdentity } from '../lambdas/domain/certificate';
import { dnEquals, parseDn } from '../lambdas/domain/dn';
import type { SandboxManifest } from '../sandbox/sandbox';
import { rssSampler, serveTarget } from './ipc';

export interface PeerStartInput {
  readonly manifest: SandboxManifest;
  readonly serverKeyPath: string;
  readonly serverCertPath: string;
}

const tlsSocket = (ctx: KoaContextWithOIDC) => ctx.req.socket as TLSSocket;

function providerFor(issuer: string, manifest: SandboxManifest): Provider {
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  return new Provider(issuer, {
    clients: manifest.clients.map((client) => ({
      client_id: client.client_id,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'accounts',
      token_endpoint_auth_method: client.token_endpoint_auth_method as 'private_key_jwt' | 'tls_client_auth',
      tls_client_certificate_bound_access_tokens: true,
      // Its only signing key is PS256, as Bankgate's; the client default (RS256) would not validate.
      id_token_signed_response_alg: 'PS256',
      ...(client.token_endpoint_auth_method === 'private_key_jwt'
        ? { token_endpoint_auth_signing_alg: 'PS256', jwks: JSON.parse(readFileSync(client.jwks, 'utf8')) }
        : { tls_client_auth_subject_dn: client.tls_client_auth_subject_dn }),
    })),
    clientAuthMethods: ['private_key_jwt', 'tls_client_auth'],
    enabledJWA: { clientAuthSigningAlgValues: ['PS256', 'ES256'] },
    scopes: ['accounts'],
    jwks: { keys: [{ ...signingKey, kid: 'peer-bench', alg: 'PS256', use: 'sig' }] },
    cookies: { keys: ['peer-bench-cookie-key-not-used-by-client-credentials'] },
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        getCertificate: (ctx) => tlsSocket(ctx).getPeerX509Certificate() as never,
        certificateAuthorized: (ctx) => tlsSocket(ctx).authorized,
        certificateSubjectMatches: (ctx, property, expected) =>
          property === 'tls_client_auth_subject_dn' &&
          dnEquals(
            certificateIdentity(tlsSocket(ctx).getPeerX509Certificate()!.toString())?.subject ?? [],
            parseDn(expected),
          ),
      },
    },
  });
}

async function start(input: PeerStartInput): Promise<{ origin: string; issuer: string }> {
  const server: Server = createServer({
    key: readFileSync(input.serverKeyPath),
    cert: readFileSync(input.serverCertPath),
    ca: readFileSync(input.manifest.ca),
    requestCert: true,
    rejectUnauthorized: true,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  const provider = providerFor(origin, input.manifest);
  server.on('request', provider.callback());
  running = server;
  return { origin, issuer: origin };
}

let running: Server | undefined;
const memory = rssSampler();

serveTarget(
  {
    start: (input: PeerStartInput) => start(input),
    startMemory: () => memory.start(),
    stopMemory: () => memory.stop(),
  },
  async () => {
    running?.closeAllConnections();
    await new Promise<void>((resolve) => (running ? running.close(() => resolve()) : resolve()));
  },
);
