/**
 * The token, introspection and revocation handlers on the REAL DynamoDB adapters (in-process dynalite) and
 * the production KMS key service (against the sandbox's local KMS endpoint), invoked with API Gateway REST
 * events carrying the mTLS client certificate — everything a Lambda would see, without the network.
 */
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import type {
  APIGatewayEventClientCertificate,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
} from 'aws-lambda';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { Stores } from '../../lambdas/adapters/dynamodb';
import { type AuthorizationCodeRecord, codeRecordId } from '../../lambdas/domain/authorization';
import type { ClientInput } from '../../lambdas/domain/client';
import { halfHash, REFRESH_TOKEN_EXPIRES_AT_CLAIM } from '../../lambdas/domain/id-token';
import type { Consent } from '../../lambdas/domain/model';
import { hashSecret } from '../../lambdas/domain/tokens';
import type { KeyService } from '../../lambdas/ports/keys';
import {
  type HandlerEnvironment,
  selfSignedClientCertificate,
  startHandlerEnvironment,
} from '../support/handler-environment';

jest.setTimeout(30_000);

const ISSUER = 'https://auth.bank.test';
const REDIRECT_URI = 'https://tpp.example/cb';
const SCA = 'urn:openbanking:psd2:sca';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface Tpp {
  readonly clientId: string;
  readonly clientCert: APIGatewayEventClientCertificate;
  readonly thumbprint: string;
}

let environment: HandlerEnvironment | undefined;
let handlers: { token: Handler; introspect: Handler; revoke: Handler };
let stores: Stores;
let keys: KeyService;

/** The same subject DN for the same client id, a new key and thumbprint each time. */
const clientCertificate = (clientId: string) => selfSignedClientCertificate(`CN=${clientId},O=Token Tests,C=GB`);

async function registerTpp(clientId: string, registration: Partial<ClientInput> = {}): Promise<Tpp> {
  const certificate = await clientCertificate(clientId);
  await stores.clients.put({
    clientId,
    clientName: `TPP ${clientId}`,
    tokenEndpointAuthMethod: 'tls_client_auth',
    tlsClientAuthSubjectDn: certificate.clientCert.subjectDN,
    redirectUris: [REDIRECT_URI],
    scopes: ['openid', 'accounts'],
    ...registration,
  } as never);
  return { clientId, ...certificate };
}

function formEvent(path: string, tpp: Pick<Tpp, 'clientCert'>, params: Record<string, string>): APIGatewayProxyEvent {
  return {
    resource: path,
    path,
    httpMethod: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: new URLSearchParams(params).toString(),
    isBase64Encoded: false,
    requestContext: { identity: { clientCert: tpp.clientCert } } as APIGatewayProxyEvent['requestContext'],
  };
}

async function call(handler: Handler, path: string, tpp: Tpp, params: Record<string, string>, cert = tpp) {
  const response = await handler(formEvent(path, cert, { client_id: tpp.clientId, ...params }), {
    awsRequestId: randomBytes(8).toString('hex'),
  } as Context);
  return {
    status: response.statusCode,
    body: response.body ? JSON.parse(response.body) : undefined,
    raw: response.body,
  };
}

const token = (tpp: Tpp, params: Record<string, string>, cert = tpp) =>
  call(handlers.token, '/token', tpp, params, cert);
const introspect = (tpp: Tpp, value: string) => call(handlers.introspect, '/introspect', tpp, { token: value });
const revoke = (tpp: Tpp, value: string) => call(handlers.revoke, '/revoke', tpp, { token: value });

const nowSeconds = () => Math.floor(Date.now() / 1000);
const newVerifier = () => randomBytes(32).toString('base64url');
const challengeOf = (verifier: string) => webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));

interface SeededGrant {
  readonly code: string;
  readonly verifier: string;
  readonly consentId: string;
  readonly grantId: string;
}

/** An Authorised consent of the TPP and an authorization code for it, written through the stores. */
async function seedGrant(
  tpp: Tpp,
  options: { consent?: Partial<Consent>; code?: Partial<AuthorizationCodeRecord> } = {},
): Promise<SeededGrant> {
  const now = nowSeconds();
  const consentId = `aac-${randomBytes(16).toString('base64url')}`;
  const expirationDateTime = new Date((now + 30 * 24 * 3600) * 1000).toISOString();
  await stores.consents.create({
    consentId,
    clientId: tpp.clientId,
    status: 'Authorised',
    permissions: ['ReadAccountsDetail', 'ReadBalances'],
    expirationDateTime,
    transactionFromDateTime: '2026-01-01T00:00:00Z',
    transactionToDateTime: '2026-12-31T23:59:59Z',
    creationDateTime: new Date((now - 120) * 1000).toISOString(),
    statusUpdateDateTime: new Date((now - 60) * 1000).toISOString(),
    risk: {},
    subject: 'steve',
    accountIds: ['acc-current', 'acc-savings'],
    grantedScopes: ['demandDeposits'],
    ...options.consent,
  });
  const code = randomBytes(32).toString('base64url');
  const verifier = newVerifier();
  const grantId = randomBytes(16).toString('base64url');
  await stores.authorizations.put({
    id: codeRecordId(code),
    kind: 'code',
    clientId: tpp.clientId,
    used: false,
    expiresAt: now + 60,
    redirectUri: REDIRECT_URI,
    codeChallenge: Buffer.from(await challengeOf(verifier)).toString('base64url'),
    scope: 'openid accounts',
    nonce: 'n'.repeat(64),
    grantId,
    subject: 'steve',
    authTime: now - 30,
    acr: SCA,
    consentId,
    accountIds: ['acc-current', 'acc-savings'],
    permissions: ['ReadAccountsDetail', 'ReadBalances'],
    grantedScopes: ['demandDeposits'],
    transactionFromDateTime: '2026-01-01T00:00:00Z',
    transactionToDateTime: '2026-12-31T23:59:59Z',
    consentExpiresAt: Math.floor(Date.parse(expirationDateTime) / 1000),
    ...options.code,
  });
  return { code, verifier, consentId, grantId };
}

const exchange = (tpp: Tpp, grant: SeededGrant, params: Record<string, string | undefined> = {}) =>
  token(
    tpp,
    Object.fromEntries(
      Object.entries({
        grant_type: 'authorization_code',
        code: grant.code,
        redirect_uri: REDIRECT_URI,
        code_verifier: grant.verifier,
        ...params,
      }).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  );

const refresh = (tpp: Tpp, refreshToken: string, cert = tpp) =>
  token(tpp, { grant_type: 'refresh_token', refresh_token: refreshToken }, cert);

let tppA: Tpp;
let tppB: Tpp;
let tppQuota: Tpp;
let resourceServer: Tpp;

beforeAll(async () => {
  environment = await startHandlerEnvironment({ name: 'token', issuer: ISSUER });
  const [tokenModule, introspectModule, revokeModule, { wiring }] = await Promise.all([
    import('../../lambdas/handlers/token'),
    import('../../lambdas/handlers/introspect'),
    import('../../lambdas/handlers/revoke'),
    import('../../lambdas/wiring'),
  ]);
  handlers = { token: tokenModule.handler, introspect: introspectModule.handler, revoke: revokeModule.handler };
  stores = wiring.stores;
  keys = wiring.keys;

  [tppA, tppB, tppQuota, resourceServer] = await Promise.all([
    registerTpp('tpp-a'),
    registerTpp('tpp-b'),
    registerTpp('tpp-quota', { tokenSettings: { refreshTokenMaxUses: 3 } }),
    registerTpp('resource-server', { scopes: ['introspection'], grantTypes: ['client_credentials'], redirectUris: [] }),
  ]);
});

afterAll(async () => {
  await environment?.close();
});

describe('authorization_code grant', () => {
  it('issues certificate-bound tokens stored as hashes and an ID token that verifies with the JWKS', async () => {
    // Prepare
    const grant = await seedGrant(tppA);

    // Act
    const response = await exchange(tppA, grant);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'openid accounts' });
    const { access_token, refresh_token, id_token } = response.body;
    const accessRecord = await stores.tokens.get(hashSecret(access_token));
    const refreshRecord = await stores.tokens.get(hashSecret(refresh_token));
    expect(await stores.tokens.get(access_token)).toBeUndefined();
    const bound = {
      clientId: 'tpp-a',
      certThumbprint: tppA.thumbprint,
      grantId: grant.grantId,
      consentId: grant.consentId,
    };
    expect(accessRecord).toMatchObject({ ...bound, kind: 'access', accountIds: ['acc-current', 'acc-savings'] });
    expect(refreshRecord).toMatchObject({ ...bound, kind: 'refresh' });

    const { payload, protectedHeader } = await jwtVerify(
      id_token,
      createLocalJWKSet(await keys.publicJwks('id-token')),
      {
        issuer: ISSUER,
        audience: 'tpp-a',
        algorithms: ['PS256'],
      },
    );
    expect(protectedHeader.typ).toBe('JWT');
    expect(payload).toMatchObject({
      sub: 'steve',
      openbanking_intent_id: grant.consentId,
      nonce: 'n'.repeat(64),
      acr: SCA,
      auth_time: expect.any(Number),
      at_hash: halfHash(access_token),
      [REFRESH_TOKEN_EXPIRES_AT_CLAIM]: refreshRecord!.expiresAt,
    });
  });

  it('refuses a second redemption and deactivates the tokens of the first', async () => {
    // Prepare
    const grant = await seedGrant(tppA);
    const first = await exchange(tppA, grant);
    expect((await introspect(tppA, first.body.access_token)).body.active).toBe(true);

    // Act
    const second = await exchange(tppA, grant);

    // Assess
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    expect((await introspect(tppA, first.body.access_token)).body).toEqual({ active: false });
    expect((await introspect(tppA, first.body.refresh_token)).body).toEqual({ active: false });
  });

  type Refusal = [name: string, setup: { client?: 'b'; expired?: boolean }, params: Record<string, string | undefined>];
  it.each<Refusal>([
    ['a code issued to another client', { client: 'b' }, {}],
    ['another redirect_uri', {}, { redirect_uri: 'https://tpp.example/elsewhere' }],
    ['a wrong code_verifier', {}, { code_verifier: newVerifier() }],
    ['no code_verifier', {}, { code_verifier: undefined }],
    ['an expired code', { expired: true }, {}],
  ])('refuses %s with invalid_grant', async (_name, setup, params) => {
    // Prepare
    const grant = await seedGrant(tppA, setup.expired ? { code: { expiresAt: nowSeconds() - 1 } } : {});

    // Act
    const response = await exchange(setup.client === 'b' ? tppB : tppA, grant, params);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });

  it('refuses a malformed code_verifier with invalid_request', async () => {
    // Prepare
    const grant = await seedGrant(tppA);

    // Act
    const response = await exchange(tppA, grant, { code_verifier: 'short' });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
  });

  it('redeems a code exactly once under 20 parallel requests', async () => {
    // Prepare
    const grant = await seedGrant(tppA);

    // Act
    const responses = await Promise.all(Array.from({ length: 20 }, () => exchange(tppA, grant)));

    // Assess
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = responses.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(19);
    expect(refused.every((r) => r.status === 400 && r.body.error === 'invalid_grant')).toBe(true);
  });
});

describe('refresh_token grant', () => {
  it('issues a new access token of the same grant without rotating the refresh token', async () => {
    // Prepare
    const grant = await seedGrant(tppA);
    const { refresh_token } = (await exchange(tppA, grant)).body;

    // Act
    const response = await refresh(tppA, refresh_token);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', scope: 'openid accounts' });
    expect(response.body.refresh_token).toBeUndefined();
    expect(await stores.tokens.get(hashSecret(response.body.access_token))).toMatchObject({
      grantId: grant.grantId,
      certThumbprint: tppA.thumbprint,
    });
    expect((await refresh(tppA, refresh_token)).status).toBe(200);
  });

  it('refuses a refresh token presented with another certificate of the same client', async () => {
    // Prepare: a second certificate with the same subject passes tls_client_auth but has another thumbprint.
    const grant = await seedGrant(tppA);
    const { refresh_token } = (await exchange(tppA, grant)).body;
    const otherCertificate = { ...tppA, ...(await clientCertificate('tpp-a')) };

    // Act
    const response = await refresh(tppA, refresh_token, otherCertificate);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
    expect(response.body.error_description).toMatch(/different client certificate/);
  });

  it('lets exactly 3 of 10 parallel refreshes through a quota of 3', async () => {
    // Prepare
    const grant = await seedGrant(tppQuota);
    const { refresh_token } = (await exchange(tppQuota, grant)).body;

    // Act
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(tppQuota, refresh_token)));

    // Assess
    expect(responses.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = responses.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(7);
    for (const response of refused) {
      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh token usage quota exceeded',
      });
    }
  });

  it('refuses to refresh once the consent is revoked', async () => {
    // Prepare
    const grant = await seedGrant(tppA);
    const { refresh_token } = (await exchange(tppA, grant)).body;
    await stores.consents.transition(grant.consentId, ['Authorised'], {
      status: 'Revoked',
      statusUpdateDateTime: new Date().toISOString(),
    });

    // Act
    const response = await refresh(tppA, refresh_token);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
    expect(response.body.error_description).toMatch(/Revoked/);
  });
});

describe('introspection', () => {
  it('shows the token and consent fields to its client and to a privileged resource server only', async () => {
    // Prepare
    const grant = await seedGrant(tppA);
    const { access_token } = (await exchange(tppA, grant)).body;
    const record = await stores.tokens.get(hashSecret(access_token));

    // Act
    const own = await introspect(tppA, access_token);
    const privileged = await introspect(resourceServer, access_token);
    const foreign = await introspect(tppB, access_token);

    // Assess
    expect(own.status).toBe(200);
    expect(own.body).toEqual({
      active: true,
      scope: 'openid accounts',
      client_id: 'tpp-a',
      token_type: 'Bearer',
      exp: record!.expiresAt,
      iat: record!.issuedAt,
      sub: 'steve',
      iss: ISSUER,
      cnf: { 'x5t#S256': tppA.thumbprint },
      consent_id: grant.consentId,
      account_ids: ['acc-current', 'acc-savings'],
      permissions: ['ReadAccountsDetail', 'ReadBalances'],
      status: 'Authorised',
      expiration_date_time: expect.any(String),
      transaction_from_date_time: '2026-01-01T00:00:00Z',
      transaction_to_date_time: '2026-12-31T23:59:59Z',
      granted_scopes: ['demandDeposits'],
      uses: 0,
      max_uses: 0,
    });
    expect(privileged.body).toEqual(own.body);
    expect(foreign.status).toBe(200);
    expect(foreign.body).toEqual({ active: false });
  });

  it('answers inactive for an unknown token and requires the token parameter', async () => {
    // Act
    const unknown = await introspect(tppA, 'no-such-token');
    const missing = await call(handlers.introspect, '/introspect', tppA, {});

    // Assess
    expect(unknown.body).toEqual({ active: false });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('answers inactive for a token whose usage quota is used up (RFC 7662 §2.2)', async () => {
    // Prepare: the client's refresh tokens allow 3 refreshes.
    const grant = await seedGrant(tppQuota);
    const { refresh_token } = (await exchange(tppQuota, grant)).body;
    for (let i = 0; i < 3; i++) expect((await refresh(tppQuota, refresh_token)).status).toBe(200);

    // Act
    const introspection = await introspect(tppQuota, refresh_token);

    // Assess
    expect(introspection.body).toEqual({ active: false });
  });
});

describe('revocation', () => {
  it('revoking a refresh token deactivates every access token of its grant', async () => {
    // Prepare
    const grant = await seedGrant(tppA);
    const issued = (await exchange(tppA, grant)).body;
    const refreshed = (await refresh(tppA, issued.refresh_token)).body;

    // Act
    const response = await revoke(tppA, issued.refresh_token);

    // Assess
    expect(response.status).toBe(200);
    expect(response.raw).toBe('');
    for (const value of [issued.access_token, refreshed.access_token, issued.refresh_token]) {
      expect((await introspect(tppA, value)).body).toEqual({ active: false });
    }
    const again = await refresh(tppA, issued.refresh_token);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it("ignores another client's revocation, then revokes the access token alone for its owner", async () => {
    // Prepare
    const grant = await seedGrant(tppA);
    const issued = (await exchange(tppA, grant)).body;

    // Act
    const byOtherClient = await revoke(tppB, issued.access_token);
    const activeAfterOtherClient = (await introspect(tppA, issued.access_token)).body.active;
    const byOwner = await revoke(tppA, issued.access_token);
    const unknown = await revoke(tppA, 'no-such-token');

    // Assess
    expect([byOtherClient.status, byOwner.status, unknown.status]).toEqual([200, 200, 200]);
    expect(activeAfterOtherClient).toBe(true);
    expect((await introspect(tppA, issued.access_token)).body).toEqual({ active: false });
    expect((await introspect(tppA, issued.refresh_token)).body.active).toBe(true);
  });
});
