/**
 * Issue 6, logs: the sandbox process with handler logging on (INFO). Every handler line is structured JSON
 * carrying the request's x-fapi-interaction-id, and no secret ever reaches the logs: access and refresh
 * tokens, ID tokens, authorization codes, client assertions, the client's private key or the IdP secret.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type JWK, SignJWT } from 'jose';
import { fetch } from 'undici';
import { createStores } from '../../lambdas/adapters/dynamodb';
import { allTables } from '../../lambdas/tables';
import { sandboxTableName } from '../../sandbox/dynamo';
import { type KillableSandbox, startKillableSandbox } from '../support/faults';
import { seedAuthorisedConsent, seedAuthorizationCode } from '../support/seeded-grants';
import { signingKeyOf } from '../support/tpp';

jest.setTimeout(90_000);

const JWT_CLIENT = 'tsp2';
const TLS_CLIENT = 'tpp-fapi1';
const CONSENTS = '/open-banking/v3.1/aisp/account-access-consents';

let killable: KillableSandbox;

beforeAll(async () => {
  killable = await startKillableSandbox({ BANKGATE_SANDBOX_LOG: '1', POWERTOOLS_LOG_LEVEL: 'INFO' });
});

afterAll(async () => {
  await killable?.stop();
});

it('logs structured JSON with the interaction id on every line and never a secret', async () => {
  // Prepare
  const sandbox = killable.current;
  const secrets = new Map<string, string>();
  const interactionIds: string[] = [];
  const call = async (
    clientId: string,
    path: string,
    init: { form?: Record<string, string>; json?: unknown; token?: string; method?: string },
  ) => {
    const interactionId = randomUUID();
    interactionIds.push(interactionId);
    const response = await fetch(`${sandbox.manifest.mtls_base_url}${path}`, {
      method: init.method ?? (init.form || init.json ? 'POST' : 'GET'),
      headers: {
        'x-fapi-interaction-id': interactionId,
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(init.json ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : init.json ? JSON.stringify(init.json) : undefined,
      dispatcher: sandbox.mtlsAgent(clientId),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, string>) : {} };
  };

  const { key, kid } = await signingKeyOf(sandbox, JWT_CLIENT);
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'PS256', kid })
    .setIssuer(JWT_CLIENT)
    .setSubject(JWT_CLIENT)
    .setAudience(sandbox.manifest.issuer)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(key);
  secrets.set('client assertion', assertion);
  const privateJwk = JSON.parse(readFileSync(sandbox.client(JWT_CLIENT).jwk, 'utf8')) as JWK;
  for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
    if (privateJwk[part]) secrets.set(`private JWK ${part}`, privateJwk[part]);
  }
  const tlsKeyPem = readFileSync(sandbox.client(TLS_CLIENT).key, 'utf8');
  secrets.set('client TLS private key', tlsKeyPem.split('\n').filter((line) => line && !line.startsWith('-----'))[1]!);
  secrets.set('IdP client secret', readFileSync(join(sandbox.dataDir, 'idp-client-secret'), 'utf8').trim());

  Object.assign(process.env, Object.fromEntries(allTables.map((table) => [table.envVar, sandboxTableName(table)])));
  const stores = createStores(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: sandbox.manifest.urls.dynamodb,
        region: 'us-east-1',
        credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
      }),
    ),
  );
  const consentId = await seedAuthorisedConsent(stores, TLS_CLIENT);
  const redirectUri = sandbox.client(TLS_CLIENT).redirect_uris[0]!;
  const { code, verifier } = await seedAuthorizationCode(stores, {
    clientId: TLS_CLIENT,
    consentId,
    redirectUri,
    scope: 'openid accounts',
    lifetime: 60,
    nonce: randomUUID(),
  });
  secrets.set('authorization code', code);
  secrets.set('code verifier', verifier);

  // Act
  const clientToken = await call(JWT_CLIENT, '/token', {
    form: {
      grant_type: 'client_credentials',
      scope: 'accounts',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    },
  });
  const consent = await call(JWT_CLIENT, CONSENTS, {
    json: { Data: { Permissions: ['ReadAccountsBasic'] }, Risk: {} },
    token: clientToken.body.access_token,
  });
  const codeTokens = await call(TLS_CLIENT, '/token', {
    form: {
      client_id: TLS_CLIENT,
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
    },
  });
  const refreshed = await call(TLS_CLIENT, '/token', {
    form: { client_id: TLS_CLIENT, grant_type: 'refresh_token', refresh_token: codeTokens.body.refresh_token ?? '' },
  });
  const accounts = await call(TLS_CLIENT, '/open-banking/v3.1/aisp/accounts', {
    token: codeTokens.body.access_token,
  });
  // A refused request logs too (the replayed code and a garbage bearer token).
  await call(TLS_CLIENT, '/token', {
    form: {
      client_id: TLS_CLIENT,
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
    },
  });
  await call(JWT_CLIENT, `${CONSENTS}/${consentId}`, { token: 'not-a-token' });
  for (const [name, value] of [
    ['client_credentials access token', clientToken.body.access_token],
    ['access token', codeTokens.body.access_token],
    ['refresh token', codeTokens.body.refresh_token],
    ['ID token', codeTokens.body.id_token],
    ['refreshed access token', refreshed.body.access_token],
  ] as const) {
    if (value) secrets.set(name, value);
  }
  // Lines are written synchronously by the handlers, but reach this process through a pipe.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const output = killable.output();

  // Assess
  expect([clientToken.status, consent.status, codeTokens.status, refreshed.status, accounts.status]).toEqual([
    200, 201, 200, 200, 200,
  ]);
  expect(secrets.size).toBeGreaterThanOrEqual(12);
  const leaked = [...secrets].filter(([, value]) => output.includes(value)).map(([name]) => name);
  expect(leaked).toEqual([]);

  const lines = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const requestLines = lines.filter((line) => line.route !== undefined);
  expect(requestLines.length).toBeGreaterThanOrEqual(interactionIds.length);
  for (const line of requestLines) expect(line.interactionId).toEqual(expect.any(String));
  const idsByRequest = new Map<unknown, Set<unknown>>();
  for (const line of requestLines) {
    const ids = idsByRequest.get(line.requestId) ?? new Set();
    ids.add(line.interactionId);
    idsByRequest.set(line.requestId, ids);
  }
  for (const ids of idsByRequest.values()) expect(ids.size).toBe(1);
  for (const interactionId of interactionIds) {
    const ofRequest = requestLines.filter((line) => line.interactionId === interactionId);
    expect(ofRequest.map((line) => line.message)).toContain('request completed');
    expect(new Set(ofRequest.map((line) => line.requestId)).size).toBe(1);
  }
});
