/**
 * Issue 6, resilience: faults injected at the store and KMS ports of the in-process sandbox. Every
 * endpoint answers in its protocol's error format (503 + Retry-After for retryable faults) and nothing is
 * left half-written: no consent without its idempotency record, no code redeemable twice, no token handed
 * out without its record. Also: 20 concurrent posts of one idempotency key create exactly one consent.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fetch } from 'undici';
import { codeRecordId } from '../../lambdas/domain/authorization';
import { hashSecret } from '../../lambdas/domain/tokens';
import { tableName } from '../../lambdas/tables';
import { wiring } from '../../lambdas/wiring';
import { injectKmsFaults, injectStoreFaults, type KmsFaults, type StoreFaults } from '../support/faults';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

jest.setTimeout(60_000);

const CLIENT = 'tpp-fapi1';
const CONSENTS = '/open-banking/v3.1/aisp/account-access-consents';
const consentBody = {
  Data: { Permissions: ['ReadAccountsDetail', 'ReadBalances'] },
  Risk: {},
};

let sandbox: TestSandbox;
let storeFaults: StoreFaults;
let kmsFaults: KmsFaults;
let tppToken: string;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function send(
  path: string,
  init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> },
  surface: 'mtls' | 'browser' = 'mtls',
): Promise<Answer> {
  const base = surface === 'mtls' ? sandbox.manifest.mtls_base_url : sandbox.manifest.issuer;
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? (init.form || init.json !== undefined ? 'POST' : 'GET'),
    headers: {
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.form ? new URLSearchParams(init.form).toString() : init.json ? JSON.stringify(init.json) : undefined,
    dispatcher: surface === 'mtls' ? sandbox.mtlsAgent(CLIENT) : sandbox.browserAgent(),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers as unknown as Headers,
    body: text ? JSON.parse(text) : {},
  };
}

const tokenRequest = (form: Record<string, string>) => send('/token', { form: { client_id: CLIENT, ...form } });

async function clientCredentialsToken(): Promise<string> {
  const answer = await tokenRequest({ grant_type: 'client_credentials', scope: 'accounts' });
  expect(answer.status).toBe(200);
  return answer.body.access_token as string;
}

const postConsent = (headers: Record<string, string> = {}) =>
  send(CONSENTS, { json: consentBody, headers: { authorization: `Bearer ${tppToken}`, ...headers } });

function expectOAuthUnavailable(answer: Answer) {
  expect(answer.status).toBe(503);
  expect(answer.headers.get('retry-after')).toBe('1');
  expect(answer.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
}

function expectObUnavailable(answer: Answer, interactionId: string) {
  expect(answer.status).toBe(503);
  expect(answer.headers.get('retry-after')).toBe('1');
  expect(answer.body).toEqual({
    Code: '503 Service Unavailable',
    Id: interactionId,
    Message: expect.any(String),
    Errors: [{ ErrorCode: 'UK.OBIE.UnexpectedError', Message: expect.any(String) }],
  });
}

async function consentIdsOfClient(): Promise<string[]> {
  return (await wiring.stores.consents.listByClient(CLIENT)).map((consent) => consent.consentId);
}

/** Token records of a consent's grant (its token collection), read straight from the tables. */
async function tokensOfGrant({ consentId, grantId }: { consentId: string; grantId: string }) {
  const { Items = [] } = await wiring.documentClient.send(
    new QueryCommand({
      TableName: tableName('tokenCollections'),
      KeyConditionExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': 'collection' },
      ExpressionAttributeValues: { ':c': `consent:${consentId}` },
      ConsistentRead: true,
    }),
  );
  const tokens = await Promise.all(
    Items.map(async (item) => (await wiring.stores.tokens.get(item.tokenHash as string))!),
  );
  return tokens.filter((token) => token.grantId === grantId);
}

/** An Authorised consent of the demo TPP and a fresh authorization code for it, written through the stores. */
async function seedCode() {
  const now = Math.floor(Date.now() / 1000);
  const consentId = `aac-${randomBytes(16).toString('base64url')}`;
  const expiration = new Date((now + 86400) * 1000).toISOString();
  await wiring.stores.consents.create({
    consentId,
    clientId: CLIENT,
    status: 'Authorised',
    permissions: ['ReadAccountsDetail', 'ReadBalances'],
    expirationDateTime: expiration,
    creationDateTime: new Date((now - 60) * 1000).toISOString(),
    statusUpdateDateTime: new Date((now - 30) * 1000).toISOString(),
    risk: {},
    subject: 'steve',
    accountIds: ['acc-current'],
  } as never);
  const code = randomBytes(32).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const grantId = randomBytes(16).toString('base64url');
  const redirectUri = sandbox.client(CLIENT).redirect_uris[0]!;
  await wiring.stores.authorizations.put({
    id: codeRecordId(code),
    kind: 'code',
    clientId: CLIENT,
    used: false,
    expiresAt: now + 60,
    redirectUri,
    codeChallenge: hashSecret(verifier),
    scope: 'openid accounts',
    nonce: randomUUID(),
    grantId,
    subject: 'steve',
    authTime: now - 30,
    consentId,
    accountIds: ['acc-current'],
    permissions: ['ReadAccountsDetail', 'ReadBalances'],
    consentExpiresAt: now + 86400,
  } as never);
  const exchange = () =>
    tokenRequest({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri });
  return { consentId, grantId, exchange };
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  storeFaults = injectStoreFaults();
  kmsFaults = injectKmsFaults();
});

afterEach(() => {
  storeFaults.reset();
});

afterAll(async () => {
  kmsFaults?.restore();
  await sandbox?.stop();
});

describe('KMS faults', () => {
  // First in the file: the JWKS public keys are cached per cold start once a lookup succeeds.
  it('answers JWKS with 503 + Retry-After while KMS throttles, and recovers on the next call', async () => {
    // Prepare
    kmsFaults.fail('GetPublicKey', 'throttling');
    // Act
    const throttled = await send('/jwks', {}, 'browser');
    const recovered = await send('/jwks', {}, 'browser');
    // Assess
    expectOAuthUnavailable(throttled);
    expect(recovered.status).toBe(200);
    expect((recovered.body.keys as unknown[]).length).toBeGreaterThan(0);
  });

  it('hands out no token when KMS fails to sign the ID token, and the spent code stays spent', async () => {
    // Prepare
    tppToken = await clientCredentialsToken();
    const grant = await seedCode();
    kmsFaults.fail('Sign', 'serviceError');
    // Act
    const failed = await grant.exchange();
    const retried = await grant.exchange();
    // Assess
    expectOAuthUnavailable(failed);
    expect(JSON.stringify(failed.body)).not.toMatch(/access_token|refresh_token|id_token/);
    expect(retried.status).toBe(400);
    expect(retried.body.error).toBe('invalid_grant');
    // Whatever was stored before the signature failed is revoked by the replay: no usable orphan.
    for (const token of await tokensOfGrant(grant)) expect(token.revoked).toBe(true);
  });
});

describe('store faults', () => {
  it('answers client_credentials with OAuth 503 and no token when the token write is throttled', async () => {
    // Prepare
    storeFaults.fail({ operation: 'TransactWriteItems', kind: 'throttling' });
    // Act
    const answer = await tokenRequest({ grant_type: 'client_credentials', scope: 'accounts' });
    // Assess
    expect(storeFaults.failed).toEqual([{ operation: 'TransactWriteItems', table: '' }]);
    expectOAuthUnavailable(answer);
    expect(answer.body.access_token).toBeUndefined();
  });

  it('issues no token of an authorization code whose token write fails, and never redeems it twice', async () => {
    // Prepare
    const grant = await seedCode();
    storeFaults.fail({ operation: 'TransactWriteItems', kind: 'timeout' });
    // Act
    const failed = await grant.exchange();
    const retried = await grant.exchange();
    // Assess: the tokens are one transaction, so nothing of the failed exchange was stored.
    expect(storeFaults.failed).toHaveLength(1);
    expectOAuthUnavailable(failed);
    expect(retried.body.error).toBe('invalid_grant');
    expect(await tokensOfGrant(grant)).toEqual([]);
  });

  it('answers the code exchange with 503 when redeeming the code is throttled, and the code still works after', async () => {
    // Prepare
    const grant = await seedCode();
    storeFaults.fail({ operation: 'UpdateItem', table: 'authorizations', kind: 'throttling' });
    // Act
    const throttled = await grant.exchange();
    const retried = await grant.exchange();
    // Assess
    expectOAuthUnavailable(throttled);
    expect(retried.status).toBe(200);
    expect(retried.body.access_token).toEqual(expect.any(String));
  });

  it('answers a consent POST with OBErrorResponse1 503 when the consent write fails, and a replay completes it', async () => {
    // Prepare
    const key = randomUUID();
    const interactionId = randomUUID();
    const before = await consentIdsOfClient();
    storeFaults.fail({ operation: 'PutItem', table: 'consents', kind: 'serviceError' });
    // Act
    const failed = await postConsent({ 'x-idempotency-key': key, 'x-fapi-interaction-id': interactionId });
    const record = await wiring.stores.once.get(
      { purpose: 'idempotency', clientId: CLIENT, value: key },
      Math.floor(Date.now() / 1000),
    );
    const afterFault = await consentIdsOfClient();
    const replayed = await postConsent({ 'x-idempotency-key': key });
    // Assess
    expectObUnavailable(failed, interactionId);
    expect(afterFault).toEqual(before);
    expect(record?.data?.consentId).toEqual(expect.stringMatching(/^aac-/));
    expect(replayed.status).toBe(201);
    expect((replayed.body.Data as { ConsentId: string }).ConsentId).toBe(record?.data?.consentId);
    const created = (await consentIdsOfClient()).filter((id) => !before.includes(id));
    expect(created).toEqual([record?.data?.consentId]);
  });

  it('creates no consent when the idempotency record cannot be written', async () => {
    // Prepare
    const key = randomUUID();
    const interactionId = randomUUID();
    const before = await consentIdsOfClient();
    storeFaults.fail({ operation: 'PutItem', table: 'replay', kind: 'throttling' });
    // Act
    const failed = await postConsent({ 'x-idempotency-key': key, 'x-fapi-interaction-id': interactionId });
    const afterFault = await consentIdsOfClient();
    const retried = await postConsent({ 'x-idempotency-key': key });
    // Assess
    expectObUnavailable(failed, interactionId);
    expect(afterFault).toEqual(before);
    expect(retried.status).toBe(201);
    expect((await consentIdsOfClient()).length).toBe(before.length + 1);
  });

  it('answers Open Banking reads with 503 when the bearer check or the consent read times out', async () => {
    // Prepare
    const created = await postConsent();
    const path = `${CONSENTS}/${(created.body.Data as { ConsentId: string }).ConsentId}`;
    const interactionId = randomUUID();
    const headers = { authorization: `Bearer ${tppToken}`, 'x-fapi-interaction-id': interactionId };
    // Act
    storeFaults.fail({ operation: 'UpdateItem', table: 'tokens', kind: 'timeout' });
    const tokenCheck = await send(path, { headers });
    storeFaults.fail({ operation: 'GetItem', table: 'consents', kind: 'serviceError' });
    const consentRead = await send(path, { headers });
    const healthy = await send(path, { headers });
    // Assess
    expectObUnavailable(tokenCheck, interactionId);
    expectObUnavailable(consentRead, interactionId);
    expect(healthy.status).toBe(200);
  });

  it('answers introspection and revocation with OAuth 503 when the token table throttles', async () => {
    // Prepare
    storeFaults.fail({ operation: 'GetItem', table: 'tokens', kind: 'throttling', times: 2 });
    // Act
    const introspection = await send('/introspect', { form: { client_id: CLIENT, token: tppToken } });
    const revocation = await send('/revoke', { form: { client_id: CLIENT, token: randomUUID() } });
    // Assess
    expectOAuthUnavailable(introspection);
    expect([200, 503]).toContain(revocation.status);
    if (revocation.status === 503) expectOAuthUnavailable(revocation);
  });
});

describe('concurrency', () => {
  it('creates exactly one consent for 20 parallel posts of one idempotency key', async () => {
    // Prepare
    const key = randomUUID();
    const before = await consentIdsOfClient();
    // Act
    const answers = await Promise.all(Array.from({ length: 20 }, () => postConsent({ 'x-idempotency-key': key })));
    // Assess
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    const ids = new Set(answers.map((answer) => (answer.body.Data as { ConsentId: string }).ConsentId));
    expect(ids.size).toBe(1);
    const created = (await consentIdsOfClient()).filter((id) => !before.includes(id));
    expect(created).toEqual([...ids]);
  });
});
