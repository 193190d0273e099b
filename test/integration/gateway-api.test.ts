/**
 * The gateway and admin handlers on the REAL DynamoDB adapters (in-process dynalite) and the production KMS
 * key service (the sandbox's local KMS endpoint), invoked with API Gateway REST events carrying the mTLS
 * client certificate: usage quotas under concurrency, JOSE policies end to end, scope-group authorization,
 * administration with its audit trail.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type {
  APIGatewayEventClientCertificate,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
} from 'aws-lambda';
import {
  CompactEncrypt,
  CompactSign,
  compactDecrypt,
  compactVerify,
  createLocalJWKSet,
  exportJWK,
  flattenedVerify,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import type { Stores } from '../../lambdas/adapters/dynamodb';
import type { ClientInput } from '../../lambdas/domain/client';
import { SAMPLE_CATALOG } from '../../lambdas/domain/gateway/catalog';
import { OB_CRIT } from '../../lambdas/domain/gateway/jose-policy';
import type { TokenRecord } from '../../lambdas/domain/model';
import { mintToken } from '../../lambdas/domain/token-issuer';
import type { KeyService } from '../../lambdas/ports/keys';
import type { GrantRegistry } from '../../lambdas/ports/store';
import { demoBank } from '../../sandbox/seed';
import {
  type HandlerEnvironment,
  selfSignedClientCertificate,
  startHandlerEnvironment,
} from '../support/handler-environment';

jest.setTimeout(60_000);

const ISSUER = 'https://auth.bank.test';
const ALL_GROUPS = ['demand_deposits', 'time_deposits', 'credit_cards'];

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface Tpp {
  readonly clientId: string;
  readonly clientCert: APIGatewayEventClientCertificate;
  readonly thumbprint: string;
  readonly signingKey: CryptoKey;
  readonly encryptionKey: CryptoKey;
}

let environment: HandlerEnvironment | undefined;
let handlers: { gateway: Handler; admin: Handler; token: Handler };
let stores: Stores;
let grantRegistry: GrantRegistry;
let keys: KeyService;
let tsp: Tpp;
let admin: Tpp;
let adminToken: string;

async function registerTpp(
  clientId: string,
  registration: Partial<ClientInput> = {},
  certificate?: Awaited<ReturnType<typeof selfSignedClientCertificate>>,
): Promise<Tpp> {
  const cert = certificate ?? (await selfSignedClientCertificate(`CN=${clientId},O=Gateway Tests,C=TW`));
  const signing = await generateKeyPair('PS256', { extractable: true });
  const encryption = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  const jwks = {
    keys: [
      { ...(await exportJWK(signing.publicKey)), kid: `${clientId}-sig`, use: 'sig', alg: 'PS256' },
      { ...(await exportJWK(encryption.publicKey)), kid: `${clientId}-enc`, use: 'enc', alg: 'RSA-OAEP-256' },
    ],
  };
  await stores.clients.put({
    clientId,
    clientName: `TPP ${clientId}`,
    tokenEndpointAuthMethod: 'tls_client_auth',
    tlsClientAuthSubjectDn: cert.clientCert.subjectDN,
    redirectUris: ['https://tpp.example/cb'],
    scopes: ['openid', ...ALL_GROUPS],
    jwks,
    ...registration,
  } as never);
  return { clientId, ...cert, signingKey: signing.privateKey, encryptionKey: encryption.privateKey };
}

function event(
  method: string,
  resource: string,
  tpp: Pick<Tpp, 'clientCert'>,
  options: {
    path?: string;
    pathParameters?: Record<string, string>;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    body?: string;
  } = {},
): APIGatewayProxyEvent {
  return {
    resource,
    path: options.path ?? resource,
    httpMethod: method,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: { identity: { clientCert: tpp.clientCert } } as APIGatewayProxyEvent['requestContext'],
  };
}

const context = () => ({ awsRequestId: randomBytes(8).toString('hex') }) as Context;

const taiwan = (clientId: string) => ({
  'x-stan': String(Math.floor(Math.random() * 1e7)).padStart(7, '0'),
  'x-destinationid': '0120000',
  'x-clientid': clientId,
  'x-txninitdatetime': '20261121093000',
});

async function callGateway(
  method: 'GET' | 'POST',
  path: string,
  token: string,
  options: { tpp?: Tpp; body?: string; contentType?: string; headers?: Record<string, string> } = {},
) {
  const tpp = options.tpp ?? tsp;
  const response = await handlers.gateway(
    event(method, '/gateway/{proxy+}', tpp, {
      path: `/gateway${path}`,
      pathParameters: { proxy: path.slice(1) },
      headers: {
        authorization: `Bearer ${token}`,
        ...taiwan(tpp.clientId),
        ...(options.contentType ? { 'content-type': options.contentType } : {}),
        ...options.headers,
      },
      body: options.body,
    }),
    context(),
  );
  return { status: response.statusCode, headers: response.headers ?? {}, raw: response.body };
}

async function callAdmin(method: 'GET' | 'PUT', resource: string, params: Record<string, string>, body?: unknown) {
  const path = resource.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!);
  const response = await handlers.admin(
    event(method, resource, admin, {
      path,
      pathParameters: params,
      query: method === 'GET' && params.entity ? { entity: params.entity } : undefined,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    context(),
  );
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

/** A customer's access token for the TPP, as the authorization-code grant would store it. */
async function customerToken(
  options: { grantedScopes?: string[]; maxUses?: number; kind?: 'access' | 'refresh'; tpp?: Tpp } = {},
): Promise<{ value: string; record: TokenRecord }> {
  const tpp = options.tpp ?? tsp;
  const client = (await stores.clients.get(tpp.clientId))!;
  const now = Math.floor(Date.now() / 1000);
  const grantId = randomBytes(16).toString('base64url');
  const grantedScopes = options.grantedScopes ?? ALL_GROUPS;
  // Issuance is conditional on the consent-less grant being the client's current one, as the code grant records it.
  await grantRegistry.replace(tpp.clientId, 'anne', { grantId }, now + 3600);
  const token = mintToken({
    kind: options.kind ?? 'access',
    client,
    // The scope granted (RFC 6749 §5.1), as the code exchange gives it.
    scope: `openid ${grantedScopes.join(' ')}`,
    certThumbprint: tpp.thumbprint,
    now,
    ttl: 3600,
    maxUses: options.maxUses ?? 0,
    grant: {
      grantId,
      subject: 'anne',
      authTime: now,
      accountIds: ['anne-current-twd', 'anne-savings-gbp', 'anne-time-deposit-twd'],
      grantedScopes,
    },
  });
  await stores.tokens.put(token.record);
  return token;
}

const signRequest = (tpp: Tpp, payload: unknown) =>
  new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'PS256', kid: `${tpp.clientId}-sig` })
    .sign(tpp.signingKey);

const decryptJson = async (jwe: string, tpp: Tpp) =>
  JSON.parse(Buffer.from((await compactDecrypt(jwe, tpp.encryptionKey)).plaintext).toString());

const ROADSIDE = { cardNumber: '4111111111111111', plateNumber: 'ABC-1234' };

let adminCertificate: Awaited<ReturnType<typeof selfSignedClientCertificate>>;

beforeAll(async () => {
  environment = await startHandlerEnvironment({ name: 'gateway', issuer: ISSUER });
  // The administrators' self-signed certificate stands for the bank admin CA the admin client is pinned to.
  adminCertificate = await selfSignedClientCertificate('CN=admin-test,O=Gateway Tests,C=TW');
  process.env.BANKGATE_ADMIN_CA_THUMBPRINT = adminCertificate.thumbprint;
  const [gatewayModule, adminModule, tokenModule, { wiring }] = await Promise.all([
    import('../../lambdas/handlers/gateway'),
    import('../../lambdas/handlers/admin'),
    import('../../lambdas/handlers/token'),
    import('../../lambdas/wiring'),
  ]);
  handlers = { gateway: gatewayModule.handler, admin: adminModule.handler, token: tokenModule.handler };
  stores = wiring.stores;
  grantRegistry = wiring.grantRegistry;
  keys = wiring.keys;

  const catalog = wiring.apiCatalog;
  const bank = wiring.bankData;
  const anne = demoBank(new Date()).accounts.filter((a) => a.subject === 'anne');
  const anneIds = new Set(anne.map((a) => a.account.AccountId));
  await Promise.all([
    ...SAMPLE_CATALOG.map((api) => catalog.put(api)),
    ...anne.map(({ subject, account }) => bank.putAccount(subject, account)),
    ...demoBank(new Date())
      .balances.filter((b) => anneIds.has(b.AccountId))
      .map((b) => bank.putBalance(b)),
  ]);

  [tsp, admin] = await Promise.all([
    registerTpp('tsp-test'),
    registerTpp(
      'admin-test',
      {
        scopes: ['admin'],
        grantTypes: ['client_credentials'],
        redirectUris: [],
        tlsClientAuthIssuerCertificate: adminCertificate.clientCert.clientCertPem,
      },
      adminCertificate,
    ),
  ]);
  const issued = await handlers.token(
    event('POST', '/token', admin, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'admin-test',
        scope: 'admin',
      }).toString(),
    }),
    context(),
  );
  adminToken = JSON.parse(issued.body).access_token;
});

afterAll(async () => {
  await environment?.close();
});

describe('usage quotas under concurrency', () => {
  it('lets exactly 3 of 50 parallel calls through an access token quota of 3; the rest get 403', async () => {
    // Prepare
    const token = await customerToken({ maxUses: 3 });
    // Act
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => callGateway('GET', '/timeDeposit/balances', token.value)),
    );
    // Assess
    expect(responses.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = responses.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(47);
    for (const response of refused) {
      expect(response.status).toBe(403);
      expect(JSON.parse(response.raw)).toEqual({
        error: 'access_denied',
        error_description: 'access token usage quota exceeded',
      });
    }
  });

  it('lets exactly 3 of 50 parallel refresh grants through a refresh token quota of 3', async () => {
    // Prepare
    const refreshToken = await customerToken({ kind: 'refresh', maxUses: 3 });
    const refresh = () =>
      handlers.token(
        event('POST', '/token', tsp, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            client_id: tsp.clientId,
            refresh_token: refreshToken.value,
          }).toString(),
        }),
        context(),
      );
    // Act
    const responses = await Promise.all(Array.from({ length: 50 }, refresh));
    // Assess
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(3);
    const refused = responses.filter((r) => r.statusCode !== 200);
    expect(refused).toHaveLength(47);
    for (const response of refused) {
      expect(response.statusCode).toBe(403);
      expect(JSON.parse(response.body).error_description).toBe('refresh token usage quota exceeded');
    }
  });
});

describe('JOSE policies', () => {
  it('answers demand deposits as a JWE the client decrypts with its own key', async () => {
    // Prepare
    const token = await customerToken();
    // Act
    const response = await callGateway('GET', '/demandDeposit/accounts', token.value);
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/jose');
    const { protectedHeader } = await compactDecrypt(response.raw, tsp.encryptionKey);
    expect(protectedHeader).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'tsp-test-enc' });
    const data = await decryptJson(response.raw, tsp);
    expect(data.accounts.map((a: { accountId: string }) => a.accountId).sort()).toEqual([
      'anne-current-twd',
      'anne-savings-gbp',
    ]);
  });

  it('verifies the signed roadside-assistance request and encrypts the answer; a bad JWS gets 400', async () => {
    // Prepare
    const token = await customerToken();
    const stranger = await registerTpp('stranger');
    const signed = await signRequest(tsp, ROADSIDE);
    const forged = await signRequest({ ...stranger, clientId: tsp.clientId }, ROADSIDE);
    const post = (body: string, contentType = 'application/jose') =>
      callGateway('POST', '/creditCards/roadsideAssistance', token.value, { body, contentType });
    // Act
    const accepted = await post(signed);
    const refused = await post(forged);
    const unsigned = await post(JSON.stringify(ROADSIDE), 'application/json');
    // Assess
    expect(accepted.status).toBe(200);
    expect(await decryptJson(accepted.raw, tsp)).toMatchObject({ status: 'Accepted', plateNumber: 'ABC-1234' });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.raw)).toEqual({
      error: 'invalid_request',
      error_description: "the request JWS signature is not valid for the client's registered keys",
    });
    expect(unsigned.status).toBe(400);
    expect(JSON.parse(unsigned.raw).error_description).toBe('content-type must be application/jose for this API');
  });

  it('request JWE round trip through KMS, response JWS and detached x-jws-signature, changed by the admin API', async () => {
    // Prepare
    const token = await customerToken();
    const roadside = { apiId: 'POST.creditCards.roadsideAssistance' };
    const deposits = { apiId: 'GET.timeDeposit.balances' };
    // jwks_uri: the ID-token keys and the request-object encryption key; responses have their own key set.
    const idTokenJwks = await keys.publicJwks('id-token');
    const responseJwks = createLocalJWKSet(await keys.publicJwks('gateway-response'));
    const platformEnc = idTokenJwks.keys.find((k) => k.use === 'enc')!;
    const jwe = await new CompactEncrypt(Buffer.from(JSON.stringify(ROADSIDE)))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: platformEnc.kid })
      .encrypt(await importJWK(platformEnc as JWK, 'RSA-OAEP-256'));
    try {
      // Act
      expect(
        (await callAdmin('PUT', '/admin/apis/{apiId}/jose-policy', roadside, { request: 'jwe', response: 'jws' }))
          .status,
      ).toBe(200);
      const encrypted = await callGateway('POST', '/creditCards/roadsideAssistance', token.value, {
        body: jwe,
        contentType: 'application/jose',
      });
      expect(
        (
          await callAdmin('PUT', '/admin/apis/{apiId}/jose-policy', deposits, {
            request: 'none',
            response: 'x-jws-signature',
          })
        ).status,
      ).toBe(200);
      const detached = await callGateway('GET', '/timeDeposit/balances', token.value);

      // Assess: the request was decrypted, the response signed by the platform
      expect(encrypted.status).toBe(200);
      const { payload, protectedHeader: responseHeader } = await compactVerify(encrypted.raw, responseJwks);
      expect(JSON.parse(Buffer.from(payload).toString())).toMatchObject({ status: 'Accepted' });
      expect(responseHeader.typ).toBe('JOSE');
      // One key, one purpose: no key that verifies ID tokens verifies a response JWS (RFC 8725 §3.12).
      await expect(compactVerify(encrypted.raw, createLocalJWKSet(idTokenJwks))).rejects.toMatchObject({
        code: 'ERR_JWKS_NO_MATCHING_KEY',
      });
      // Assess: the detached signature verifies over the JSON body with the OB critical claims
      expect(detached.status).toBe(200);
      const [protectedHeader, empty, signature] = String(detached.headers['x-jws-signature']).split('.');
      expect(empty).toBe('');
      const verified = await flattenedVerify(
        {
          protected: protectedHeader!,
          payload: Buffer.from(detached.raw).toString('base64url'),
          signature: signature!,
        },
        responseJwks,
        { crit: Object.fromEntries(OB_CRIT.map((claim) => [claim, true])) },
      );
      expect(verified.protectedHeader).toMatchObject({ 'http://openbanking.org.uk/iss': ISSUER });
      expect(JSON.parse(detached.raw).timeDeposits).toHaveLength(1);
    } finally {
      await callAdmin('PUT', '/admin/apis/{apiId}/jose-policy', roadside, { request: 'jws', response: 'jwe' });
      await callAdmin('PUT', '/admin/apis/{apiId}/jose-policy', deposits, { request: 'none', response: 'none' });
    }
  });
});

describe('scope-group authorization and Taiwan headers', () => {
  it('refuses an API outside the granted groups with 403 "the user has not authorized this function"', async () => {
    // Prepare
    const token = await customerToken({ grantedScopes: ['credit_cards'] });
    // Act
    const response = await callGateway('GET', '/timeDeposit/balances', token.value);
    // Assess
    expect(response.status).toBe(403);
    expect(JSON.parse(response.raw)).toEqual({
      error: 'access_denied',
      error_description: 'the user has not authorized this function',
    });
  });

  it("refuses the client's own token (client_credentials) without the group's scope as insufficient_scope", async () => {
    // Prepare
    const client = (await stores.clients.get(tsp.clientId))!;
    const now = Math.floor(Date.now() / 1000);
    const own = mintToken({
      kind: 'access',
      client,
      scope: 'accounts',
      certThumbprint: tsp.thumbprint,
      now,
      ttl: 600,
      maxUses: 0,
    });
    await stores.tokens.put(own.record);
    // Act
    const response = await callGateway('GET', '/timeDeposit/balances', own.value);
    // Assess
    expect(response.status).toBe(403);
    expect(JSON.parse(response.raw)).toMatchObject({ error: 'insufficient_scope' });
  });

  it('refuses malformed Taiwan headers with 400 and, for a valid token, an unknown API with 404 (the token is checked first)', async () => {
    // Prepare: every call presents the token, so every call is one of its uses.
    const token = await customerToken({ maxUses: 3 });
    // Act
    const badStan = await callGateway('GET', '/timeDeposit/balances', token.value, { headers: { 'x-stan': '12' } });
    const unknown = await callGateway('GET', '/loans/list', token.value);
    const ok = await callGateway('GET', '/timeDeposit/balances', token.value);
    // Assess
    expect(badStan.status).toBe(400);
    expect(JSON.parse(badStan.raw).error_description).toBe('X-STAN must be 7 digits');
    expect(unknown.status).toBe(404);
    expect(ok.status).toBe(200);
  });
});

describe('administration', () => {
  it("reads and changes a client's token settings, audited with who, when, before and after", async () => {
    // Prepare
    const target = { clientId: tsp.clientId };
    const settings = {
      access_token_ttl: 86400,
      access_token_max_uses: 3,
      refresh_token_ttl: 604800,
      refresh_token_max_uses: 3,
    };
    // Act
    const before = await callAdmin('GET', '/admin/clients/{clientId}/token-settings', target);
    const changed = await callAdmin('PUT', '/admin/clients/{clientId}/token-settings', target, settings);
    const invalid = await callAdmin('PUT', '/admin/clients/{clientId}/token-settings', target, {
      access_token_max_uses: -1,
    });
    const audit = await callAdmin('GET', '/admin/audit', { entity: `client:${tsp.clientId}` });
    // Assess
    expect(before.body).toEqual({
      access_token_ttl: null,
      access_token_max_uses: 0,
      refresh_token_ttl: null,
      refresh_token_max_uses: 0,
    });
    expect(changed).toEqual({ status: 200, body: settings });
    expect((await stores.clients.get(tsp.clientId))!.tokenSettings).toEqual({
      accessTokenTtl: 86400,
      accessTokenMaxUses: 3,
      refreshTokenTtl: 604800,
      refreshTokenMaxUses: 3,
    });
    expect(invalid.status).toBe(400);
    expect(audit.body.changes).toEqual([
      {
        entity: `client:${tsp.clientId}`,
        at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        actor: { kind: 'client', id: 'admin-test' },
        action: 'token-settings.replace',
        before: before.body,
        after: settings,
      },
    ]);
    await callAdmin('PUT', '/admin/clients/{clientId}/token-settings', target, {});
  });

  it('refuses callers without the admin scope and unknown APIs', async () => {
    // Prepare
    const token = await customerToken();
    // Act
    const asTpp = await handlers.admin(
      event('GET', '/admin/clients/{clientId}/token-settings', tsp, {
        pathParameters: { clientId: tsp.clientId },
        headers: { authorization: `Bearer ${token.value}` },
      }),
      context(),
    );
    const unknownApi = await callAdmin(
      'PUT',
      '/admin/apis/{apiId}/jose-policy',
      { apiId: 'GET.nothing' },
      { request: 'none', response: 'jwe' },
    );
    const signedGet = await callAdmin(
      'PUT',
      '/admin/apis/{apiId}/jose-policy',
      { apiId: 'GET.timeDeposit.balances' },
      { request: 'jws', response: 'none' },
    );
    // Assess
    expect(asTpp.statusCode).toBe(403);
    expect(JSON.parse(asTpp.body).error).toBe('insufficient_scope');
    expect(unknownApi.status).toBe(404);
    expect(signedGet.status).toBe(400);
  });
});
