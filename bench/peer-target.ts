/**
 * The peer under test, in its own process: node-oidc-provider v9 (a certified OpenID provider) set up
 * like Bankgate for the client_credentials grant — the same two clients (`private_key_jwt` with PS256
 * and the same public JWKS; `tls_client_auth` with the same subject DN, formatted and compared by the
 * same functions as Bankgate's edge and domain code), certificate-bound opaque access tokens,
 * single-use assertion jti. Its store is either a DynamoDB adapter (`peer-dynamodb-adapter.ts`) on a dynalite
 * process of its own, on disk as the sandbox's — the like-for-like peer: the clients, the replay detection and
 * the tokens all go through the adapter, as Bankgate's go through its tables — or the library's in-memory
 * store with static clients (the secondary line: no store round trips at all).
 * It listens on HTTPS with the sandbox's server certificate and requires a client certificate from the
 * same CA, so TLS costs the same on both sides.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import Provider, { type ClientMetadata, type KoaContextWithOIDC } from 'oidc-provider';
import { certificateIdentity } from '../lambdas/domain/certificate';
import { dnEquals, parseDn } from '../lambdas/domain/dn';
import { type LocalDynamo, startLocalDynamo } from '../sandbox/dynamo';
import type { SandboxManifest } from '../sandbox/sandbox';
import { serveTarget, targetPids } from './ipc';
import { createPeerTable, dynamoAdapter } from './peer-dynamodb-adapter';
import { countStoreCalls } from './store-calls';

export type PeerStore = 'dynamodb' | 'memory';

export interface PeerStartInput {
  readonly manifest: SandboxManifest;
  readonly serverKeyPath: string;
  readonly serverCertPath: string;
  readonly store: PeerStore;
}

const tlsSocket = (ctx: KoaContextWithOIDC) => ctx.req.socket as TLSSocket;

function clientsOf(manifest: SandboxManifest): ClientMetadata[] {
  return manifest.clients.map((client) => ({
    client_id: client.client_id,
    // The code flow only so far as PAR goes (the bench pushes requests; nobody authorizes them).
    grant_types: ['client_credentials', 'authorization_code'],
    response_types: ['code'],
    redirect_uris: [...client.redirect_uris],
    scope: 'openid accounts',
    token_endpoint_auth_method: client.token_endpoint_auth_method as 'private_key_jwt' | 'tls_client_auth',
    tls_client_certificate_bound_access_tokens: true,
    // Its only signing key is PS256, as Bankgate's; the client default (RS256) would not validate.
    id_token_signed_response_alg: 'PS256',
    ...(client.token_endpoint_auth_method === 'private_key_jwt'
      ? { token_endpoint_auth_signing_alg: 'PS256', jwks: JSON.parse(readFileSync(client.jwks, 'utf8')) }
      : { tls_client_auth_subject_dn: client.tls_client_auth_subject_dn }),
  }));
}

/** The DynamoDB store: its own dynalite process (on disk), the table, and a counted document client. */
async function dynamoStore(manifest: SandboxManifest) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bankgate-bench-peer-'));
  const dynamo = await startLocalDynamo({ path: join(dataDir, 'dynamo'), port: 0, separateProcess: true });
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  await createPeerTable(client);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const Adapter = dynamoAdapter(doc);
  // Registered clients live in the store, so every request reads its client (oidc-provider's dynamic clients).
  const clients = new Adapter('Client');
  for (const metadata of clientsOf(manifest)) await clients.upsert(metadata.client_id, metadata);
  return { dynamo, client, dataDir, Adapter, counter: countStoreCalls(doc) };
}

function providerFor(
  issuer: string,
  manifest: SandboxManifest,
  adapter: ReturnType<typeof dynamoAdapter> | undefined,
): Provider {
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  return new Provider(issuer, {
    ...(adapter ? { adapter } : { clients: clientsOf(manifest) }),
    clientAuthMethods: ['private_key_jwt', 'tls_client_auth'],
    enabledJWA: { clientAuthSigningAlgValues: ['PS256', 'ES256'] },
    scopes: ['openid', 'accounts'],
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
  if (input.store === 'dynamodb') store = await dynamoStore(input.manifest);
  const provider = providerFor(origin, input.manifest, store?.Adapter);
  server.on('request', provider.callback());
  running = server;
  return { origin, issuer: origin };
}

let running: Server | undefined;
let store: (Awaited<ReturnType<typeof dynamoStore>> & { dynamo: LocalDynamo }) | undefined;

serveTarget(
  {
    start: (input: PeerStartInput) => start(input),
    pids: () => targetPids(),
    resetStoreCalls: () => store?.counter.reset(),
    storeCalls: () => store?.counter.calls() ?? {},
  },
  async () => {
    running?.closeAllConnections();
    await new Promise<void>((resolve) => (running ? running.close(() => resolve()) : resolve()));
    if (store) {
      store.client.destroy();
      await store.dynamo.close();
      await rm(store.dataDir, { recursive: true, force: true });
    }
  },
);
