/**
 * The Open Banking account information handler against the real DynamoDB adapters on an in-process
 * dynalite: a customer's bank data seeded through the BankData adapter, a certificate-bound customer token
 * in the token store, and API Gateway REST (v1) events as the mTLS custom domain delivers them. The paging
 * cursors' HMAC key is a key of the local KMS endpoint, reached through the real KMS client.
 */

import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import dynalite from 'dynalite';
import { type Client, parseClient } from '../../lambdas/domain/client';
import type { TokenRecord } from '../../lambdas/domain/model';
import { mintToken } from '../../lambdas/domain/token-issuer';
import { hashSecret } from '../../lambdas/domain/tokens';
import type { ObErrorDetail } from '../../lambdas/errors';
import { certificateThumbprint } from '../../lambdas/http/request';
import type { BankAccount, BankBalance, BankData, BankTransaction } from '../../lambdas/ports/bank-data';
import type { TokenStore } from '../../lambdas/ports/store';
import { allTables } from '../../lambdas/tables';
import { ensureTables, sandboxTableName } from '../../sandbox/dynamo';
import { clientCertIdentity } from '../../sandbox/event';
import { type LocalKms, startLocalKms } from '../../sandbox/kms/server';
import { createCertificateAuthority, issueCertificate } from '../../sandbox/pki';

jest.setTimeout(30_000);

const AISP = '/open-banking/v3.1/aisp';
const MTLS_BASE_URL = 'https://mtls.bank.example';
const TABLE_PREFIX = 'accounts-api-test';
const ALICE = 'cust-alice';
const BOB = 'cust-bob';

const CURRENT = 'acc-alice-current';
const CARD = 'acc-alice-card';
const SAVINGS = 'acc-alice-savings';
const BOBS = 'acc-bob-current';
/** 25 transactions in the consent window, for paging; in no consent unless a test names it. */
const HISTORY = 'acc-alice-history';
const HISTORY_SIZE = 25;

const CONSENT_WINDOW = {
  transactionFromDateTime: '2026-01-01T00:00:00Z',
  transactionToDateTime: '2026-06-30T23:59:59Z',
};

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

let server: Server;
let handler: Handler;
let tokens: TokenStore;
let bank: BankData;
let tppClient: Client;
let boundCertPem: string;
let otherCertPem: string;
let boundThumbprint: string;
let closeDocumentClient: () => void;
let kms: LocalKms;
let kmsDir: string;

const account = (AccountId: string, extra: Partial<BankAccount> = {}): BankAccount => ({
  AccountId,
  Status: 'Enabled',
  Currency: 'GBP',
  AccountType: 'Personal',
  AccountSubType: 'CurrentAccount',
  Nickname: AccountId,
  Account: [{ SchemeName: 'UK.OBIE.SortCodeAccountNumber', Identification: '80200110203345', Name: 'Alice' }],
  Servicer: { SchemeName: 'UK.OBIE.BICFI', Identification: 'TPIBGB2L' },
  ...extra,
});

const transaction = (
  AccountId: string,
  TransactionId: string,
  CreditDebitIndicator: 'Credit' | 'Debit',
  BookingDateTime: string,
): BankTransaction => ({
  AccountId,
  TransactionId,
  Amount: { Amount: '25.00', Currency: 'GBP' },
  CreditDebitIndicator,
  Status: 'Booked',
  BookingDateTime,
  TransactionInformation: `${CreditDebitIndicator.toUpperCase()} ${TransactionId}`,
  Balance: { Amount: { Amount: '100.00', Currency: 'GBP' }, CreditDebitIndicator: 'Credit', Type: 'InterimBooked' },
  CreditorAccount: { SchemeName: 'UK.OBIE.PAN', Identification: '4929123412341234' },
});

async function seedBank(): Promise<void> {
  await Promise.all([
    bank.putCustomer({ subject: ALICE, name: 'Alice' }),
    bank.putCustomer({ subject: BOB, name: 'Bob' }),
  ]);
  await Promise.all([
    bank.putAccount(ALICE, account(CURRENT)),
    bank.putAccount(
      ALICE,
      account(CARD, {
        AccountSubType: 'CreditCard',
        Account: [{ SchemeName: 'UK.OBIE.PAN', Identification: '5555444433331111', Name: 'Alice' }],
      }),
    ),
    bank.putAccount(ALICE, account(SAVINGS, { AccountSubType: 'Savings' })),
    bank.putAccount(ALICE, account(HISTORY)),
    bank.putAccount(BOB, account(BOBS)),
  ]);
  const balance = (AccountId: string) => ({
    AccountId,
    Amount: { Amount: '100.00', Currency: 'GBP' },
    CreditDebitIndicator: 'Credit' as const,
    Type: 'InterimBooked' as const,
    DateTime: '2026-11-21T00:00:00Z',
  });
  await Promise.all([CURRENT, CARD, SAVINGS, BOBS].map((id) => bank.putBalance(balance(id))));
  await Promise.all(
    [
      transaction(CURRENT, 'c-2025-12', 'Credit', '2025-12-20T10:00:00Z'), // before the consent window
      transaction(CURRENT, 'c-2026-01', 'Credit', '2026-01-15T10:00:00Z'),
      transaction(CURRENT, 'c-2026-02', 'Debit', '2026-02-15T10:00:00Z'),
      transaction(CURRENT, 'c-2026-03', 'Credit', '2026-03-15T10:00:00Z'),
      transaction(CURRENT, 'c-2026-07', 'Debit', '2026-07-15T10:00:00Z'), // after the consent window
      transaction(CARD, 'k-2026-02', 'Debit', '2026-02-20T10:00:00Z'),
      transaction(SAVINGS, 's-2026-02', 'Credit', '2026-02-25T10:00:00Z'),
      transaction(BOBS, 'b-2026-02', 'Credit', '2026-02-26T10:00:00Z'),
      // Two a day from 1 March, some at the same instant as another account's.
      ...Array.from({ length: HISTORY_SIZE }, (_, i) =>
        transaction(
          HISTORY,
          `h-${String(i).padStart(2, '0')}`,
          i % 2 ? 'Debit' : 'Credit',
          `2026-03-${String(1 + Math.floor(i / 2)).padStart(2, '0')}T${i % 2 ? '18' : '10'}:00:00Z`,
        ),
      ),
      transaction(SAVINGS, 's-2026-03-tie', 'Debit', '2026-03-05T10:00:00Z'),
    ].map((t) => bank.putTransaction(t)),
  );
}

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  Object.assign(process.env, {
    ...Object.fromEntries(allTables.map((table) => [table.envVar, sandboxTableName(table, TABLE_PREFIX)])),
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    BANKGATE_ISSUER: 'https://bank.example',
    BANKGATE_MTLS_BASE_URL: MTLS_BASE_URL,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const setupClient = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials });
  await ensureTables(setupClient, allTables, TABLE_PREFIX);
  setupClient.destroy();
  kmsDir = await mkdtemp(join(tmpdir(), 'accounts-api-kms-'));
  kms = await startLocalKms({ dataDir: kmsDir, port: 0 });
  const kmsClient = new KMSClient({ endpoint: kms.url, region: 'eu-west-2', credentials });
  const { KeyMetadata } = await kmsClient.send(
    new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'paging cursors' }),
  );
  kmsClient.destroy();
  Object.assign(process.env, { AWS_ENDPOINT_URL_KMS: kms.url, BANKGATE_PAGING_CURSOR_KEY_ID: KeyMetadata!.Arn });

  // Imported only now: the handler reads its configuration and endpoints from the environment.
  const [handlerModule, { wiring }] = await Promise.all([
    import('../../lambdas/handlers/accounts'),
    import('../../lambdas/wiring'),
  ]);
  handler = handlerModule.handler as Handler;
  tokens = wiring.stores.tokens;
  bank = wiring.bankData;
  closeDocumentClient = () => wiring.documentClient.destroy();

  const ca = await createCertificateAuthority({ country: 'GB', organization: 'Test Trust', commonName: 'Test CA' });
  const tpp = { country: 'GB', organization: 'Enjoy Life', commonName: 'enjoy-life-tpp' };
  [boundCertPem, otherCertPem] = (
    await Promise.all([issueCertificate(ca, tpp, { kind: 'client' }), issueCertificate(ca, tpp, { kind: 'client' })])
  ).map((issued) => issued.certPem);
  boundThumbprint = certificateThumbprint(boundCertPem);
  tppClient = parseClient({
    clientId: 'enjoy-life-tpp',
    clientName: 'Enjoy Life',
    tokenEndpointAuthMethod: 'tls_client_auth',
    tlsClientAuthSubjectDn: 'CN=enjoy-life-tpp,O=Enjoy Life,C=GB',
    redirectUris: ['https://tpp.example/callback'],
    scopes: ['openid', 'accounts'],
  });

  await seedBank();
});

afterAll(async () => {
  closeDocumentClient?.();
  await kms?.close();
  if (kmsDir) await rm(kmsDir, { recursive: true, force: true });
  if (server) {
    const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    server.closeAllConnections();
    await closed;
  }
});

/** Stores a customer access token for Alice's consent (2 of her 3 accounts) and returns its raw value. */
async function customerToken(grant: Partial<TokenRecord> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const minted = mintToken({
    kind: 'access',
    client: tppClient,
    scope: 'openid accounts',
    certThumbprint: boundThumbprint,
    now,
    ttl: 300,
    maxUses: 0,
    grant: {
      grantId: `grant-${now}`,
      consentId: 'consent-alice',
      subject: ALICE,
      accountIds: [CURRENT, CARD],
      permissions: [
        'ReadAccountsDetail',
        'ReadBalances',
        'ReadTransactionsDetail',
        'ReadTransactionsCredits',
        'ReadTransactionsDebits',
      ],
      ...CONSENT_WINDOW,
      consentExpiresAt: now + 3600,
      ...grant,
    },
  });
  await tokens.put(minted.record);
  return minted.value;
}

interface Call {
  readonly token: string;
  readonly certPem?: string;
  readonly AccountId?: string;
  readonly query?: Record<string, string>;
  readonly interactionId?: string;
}

/** OBReadAccount6 / OBReadBalance1 / OBReadTransaction6, or OBErrorResponse1. */
interface ObBody {
  readonly Data: { Account: BankAccount[]; Balance: BankBalance[]; Transaction: BankTransaction[] };
  readonly Links: { Self: string; First?: string; Next?: string; Prev?: string };
  readonly Meta: Record<string, unknown>;
  readonly Code: string;
  readonly Message: string;
  readonly Errors: ObErrorDetail[];
}

/** GET on one of the handler's resources, as API Gateway's mTLS custom domain delivers it. */
async function get(
  resource: string,
  call: Call,
): Promise<{ status: number; headers: Record<string, unknown>; body: ObBody }> {
  const pathParameters = call.AccountId === undefined ? null : { AccountId: call.AccountId };
  const certPem = call.certPem ?? boundCertPem;
  const event = {
    httpMethod: 'GET',
    resource,
    path: resource.replace('{AccountId}', encodeURIComponent(call.AccountId ?? '')),
    pathParameters,
    queryStringParameters: call.query ?? null,
    multiValueQueryStringParameters: call.query
      ? Object.fromEntries(Object.entries(call.query).map(([name, value]) => [name, [value]]))
      : null,
    headers: {
      Authorization: `Bearer ${call.token}`,
      Accept: 'application/json',
      ...(call.interactionId ? { 'x-fapi-interaction-id': call.interactionId } : {}),
    },
    multiValueHeaders: {},
    body: null,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: { identity: { clientCert: clientCertIdentity(new X509Certificate(certPem)) } },
  } as unknown as APIGatewayProxyEvent;
  const response = await handler(event, { awsRequestId: 'test-request' } as Context);
  return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body) };
}

const ids = (items: readonly { AccountId?: string; TransactionId?: string }[]) =>
  items.map((item) => item.TransactionId ?? item.AccountId);

describe('accounts', () => {
  it('lists only the consented accounts, with detail and masked PANs, in the OBUK envelope', async () => {
    // Prepare
    const token = await customerToken();
    const interactionId = '93bac548-d2de-4546-b106-880a5018460d';

    // Act
    const response = await get(`${AISP}/accounts`, { token, interactionId });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['x-fapi-interaction-id']).toBe(interactionId);
    expect(ids(response.body.Data.Account).sort()).toEqual([CARD, CURRENT].sort());
    const card = response.body.Data.Account.find((a) => a.AccountId === CARD);
    expect(card!.Account).toEqual([{ SchemeName: 'UK.OBIE.PAN', Identification: '************1111', Name: 'Alice' }]);
    expect(card!.Servicer).toEqual({ SchemeName: 'UK.OBIE.BICFI', Identification: 'TPIBGB2L' });
    expect(response.body.Links).toEqual({ Self: `${MTLS_BASE_URL}${AISP}/accounts` });
    expect(response.body.Meta).toEqual({ TotalPages: 1 });
  });

  it('omits Account and Servicer for ReadAccountsBasic, and shows a PAN with ReadPAN', async () => {
    // Prepare
    const basic = await customerToken({ permissions: ['ReadAccountsBasic'] });
    const withPan = await customerToken({ permissions: ['ReadAccountsDetail', 'ReadPAN'] });

    // Act
    const basicResponse = await get(`${AISP}/accounts/{AccountId}`, { token: basic, AccountId: CARD });
    const panResponse = await get(`${AISP}/accounts/{AccountId}`, { token: withPan, AccountId: CARD });

    // Assess
    expect(basicResponse.status).toBe(200);
    expect(basicResponse.body.Data.Account).toHaveLength(1);
    expect(basicResponse.body.Data.Account[0]).toMatchObject({ AccountId: CARD, AccountSubType: 'CreditCard' });
    expect(basicResponse.body.Data.Account[0]).not.toHaveProperty('Account');
    expect(basicResponse.body.Data.Account[0]).not.toHaveProperty('Servicer');
    expect(basicResponse.body.Links.Self).toBe(`${MTLS_BASE_URL}${AISP}/accounts/${CARD}`);
    expect(panResponse.body.Data.Account[0]!.Account![0]!.Identification).toBe('5555444433331111');
  });

  it('refuses an account outside the consent with 403 and none of its data', async () => {
    // Prepare
    const token = await customerToken();

    // Act
    const responses = await Promise.all(
      [
        `${AISP}/accounts/{AccountId}`,
        `${AISP}/accounts/{AccountId}/balances`,
        `${AISP}/accounts/{AccountId}/transactions`,
      ].map((resource) => get(resource, { token, AccountId: SAVINGS })),
    );

    // Assess
    for (const response of responses) {
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({
        Code: '403 Forbidden',
        Errors: [{ ErrorCode: 'UK.OBIE.Resource.ConsentMismatch' }],
      });
      expect(response.body).not.toHaveProperty('Data');
      expect(JSON.stringify(response.body)).not.toContain('s-2026-02');
    }
  });

  it("never shows another customer's account, even if a token lists it", async () => {
    // Prepare
    const token = await customerToken({ accountIds: [CURRENT, BOBS] });

    // Act
    const single = await get(`${AISP}/accounts/{AccountId}`, { token, AccountId: BOBS });
    const list = await get(`${AISP}/accounts`, { token });
    const balances = await get(`${AISP}/balances`, { token });
    const transactions = await get(`${AISP}/transactions`, { token });

    // Assess
    expect(single.status).toBe(404);
    expect(single.body).not.toHaveProperty('Data');
    expect(ids(list.body.Data.Account)).toEqual([CURRENT]);
    expect(ids(balances.body.Data.Balance)).toEqual([CURRENT]);
    expect(transactions.body.Data.Transaction.every((t) => t.AccountId === CURRENT)).toBe(true);
  });
});

describe('the access token', () => {
  it('is refused with 401 when presented with a different client certificate', async () => {
    // Prepare
    const token = await customerToken();

    // Act
    const response = await get(`${AISP}/accounts`, { token, certPem: otherCertPem });

    // Assess
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ Errors: [{ ErrorCode: 'UK.OBIE.Unauthorised' }] });
    expect(response.body).not.toHaveProperty('Data');
    expect(response.headers['WWW-Authenticate']).toMatch(/invalid_token/);
  });

  it('is refused with 401 once revoked', async () => {
    // Prepare
    const token = await customerToken({ consentId: 'consent-to-revoke' });
    expect((await get(`${AISP}/accounts`, { token })).status).toBe(200);
    await tokens.revoke(hashSecret(token));

    // Act
    const response = await get(`${AISP}/accounts`, { token });

    // Assess
    expect(response.status).toBe(401);
    expect(response.body.Message).toMatch(/revoked/);
  });

  it('is refused with 403 when it is a client_credentials token', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);
    const minted = mintToken({
      kind: 'access',
      client: tppClient,
      scope: 'accounts',
      certThumbprint: boundThumbprint,
      now,
      ttl: 300,
      maxUses: 0,
    });
    await tokens.put(minted.record);

    // Act
    const response = await get(`${AISP}/accounts`, { token: minted.value });

    // Assess
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ Errors: [{ ErrorCode: 'UK.OBIE.Unauthorised' }] });
    expect(response.body.Message).toMatch(/client_credentials/);
  });

  it('is counted once per call against its quota', async () => {
    // Prepare
    const token = await customerToken();
    const record = (await tokens.get(hashSecret(token)))!;

    // Act
    await get(`${AISP}/accounts`, { token });
    await get(`${AISP}/balances`, { token });

    // Assess
    expect((await tokens.get(record.tokenHash))!.uses).toBe(record.uses + 2);
  });
});

describe('balances', () => {
  it('refuses both balance endpoints with 403 without ReadBalances', async () => {
    // Prepare
    const token = await customerToken({ permissions: ['ReadAccountsDetail'] });

    // Act
    const bulk = await get(`${AISP}/balances`, { token });
    const single = await get(`${AISP}/accounts/{AccountId}/balances`, { token, AccountId: CURRENT });

    // Assess
    for (const response of [bulk, single]) {
      expect(response.status).toBe(403);
      expect(response.body.Errors[0]).toMatchObject({ ErrorCode: 'UK.OBIE.Resource.ConsentMismatch' });
      expect(response.body.Message).toContain('ReadBalances');
    }
  });

  it('shows the balances of the consented accounts only', async () => {
    // Prepare
    const token = await customerToken();

    // Act
    const bulk = await get(`${AISP}/balances`, { token });
    const single = await get(`${AISP}/accounts/{AccountId}/balances`, { token, AccountId: CARD });

    // Assess
    expect(bulk.status).toBe(200);
    expect(ids(bulk.body.Data.Balance).sort()).toEqual([CARD, CURRENT].sort());
    expect(bulk.body.Links.Self).toBe(`${MTLS_BASE_URL}${AISP}/balances`);
    expect(single.body.Data.Balance).toEqual([
      {
        AccountId: CARD,
        Amount: { Amount: '100.00', Currency: 'GBP' },
        CreditDebitIndicator: 'Credit',
        Type: 'InterimBooked',
        DateTime: '2026-11-21T00:00:00Z',
      },
    ]);
    expect(single.body.Links.Self).toBe(`${MTLS_BASE_URL}${AISP}/accounts/${CARD}/balances`);
  });
});

describe('transactions', () => {
  it("shows the consented accounts' transactions inside the consent window, newest first", async () => {
    // Prepare
    const token = await customerToken();

    // Act
    const response = await get(`${AISP}/transactions`, { token });

    // Assess
    expect(response.status).toBe(200);
    expect(ids(response.body.Data.Transaction)).toEqual(['c-2026-03', 'k-2026-02', 'c-2026-02', 'c-2026-01']);
    expect(response.body.Meta).toEqual({
      TotalPages: 1,
      FirstAvailableDateTime: CONSENT_WINDOW.transactionFromDateTime,
      LastAvailableDateTime: CONSENT_WINDOW.transactionToDateTime,
    });
  });

  it('narrows the consent window with the booking filters and echoes them in Links.Self', async () => {
    // Prepare
    const token = await customerToken();
    const query = { fromBookingDateTime: '2026-02-01T00:00:00', toBookingDateTime: '2026-12-31T00:00:00' };

    // Act
    const response = await get(`${AISP}/accounts/{AccountId}/transactions`, { token, AccountId: CURRENT, query });

    // Assess
    expect(response.status).toBe(200);
    expect(ids(response.body.Data.Transaction)).toEqual(['c-2026-03', 'c-2026-02']);
    expect(response.body.Links.Self).toBe(
      `${MTLS_BASE_URL}${AISP}/accounts/${CURRENT}/transactions?fromBookingDateTime=2026-02-01T00%3A00%3A00&toBookingDateTime=2026-12-31T00%3A00%3A00`,
    );
  });

  it('returns an empty list for a filter outside the consent window', async () => {
    // Prepare
    const token = await customerToken();

    // Act
    const response = await get(`${AISP}/transactions`, { token, query: { fromBookingDateTime: '2026-07-01' } });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.Data.Transaction).toEqual([]);
  });

  it('refuses an invalid booking date-time with 400 UK.OBIE.Field.InvalidDate', async () => {
    // Prepare
    const token = await customerToken();

    // Act
    const response = await get(`${AISP}/transactions`, { token, query: { toBookingDateTime: 'last tuesday' } });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.Errors).toEqual([
      {
        ErrorCode: 'UK.OBIE.Field.InvalidDate',
        Message: 'toBookingDateTime must be an ISO 8601 date-time',
        Path: 'toBookingDateTime',
      },
    ]);
  });

  it('shows only credits with ReadTransactionsCredits, without the detail fields for Basic', async () => {
    // Prepare
    const token = await customerToken({
      permissions: ['ReadAccountsBasic', 'ReadTransactionsBasic', 'ReadTransactionsCredits'],
    });

    // Act
    const response = await get(`${AISP}/transactions`, { token });

    // Assess
    expect(ids(response.body.Data.Transaction)).toEqual(['c-2026-03', 'c-2026-01']);
    for (const shown of response.body.Data.Transaction) {
      expect(shown).not.toHaveProperty('TransactionInformation');
      expect(shown).not.toHaveProperty('Balance');
      expect(shown).not.toHaveProperty('CreditorAccount');
      expect(shown).toMatchObject({ CreditDebitIndicator: 'Credit', Amount: { Amount: '25.00', Currency: 'GBP' } });
    }
  });

  it('shows the detail fields for ReadTransactionsDetail with a masked PAN counterparty', async () => {
    // Prepare
    const token = await customerToken();

    // Act
    const response = await get(`${AISP}/accounts/{AccountId}/transactions`, { token, AccountId: CARD });

    // Assess
    expect(response.body.Data.Transaction).toEqual([
      expect.objectContaining({
        TransactionId: 'k-2026-02',
        TransactionInformation: 'DEBIT k-2026-02',
        Balance: expect.objectContaining({ Type: 'InterimBooked' }),
        CreditorAccount: { SchemeName: 'UK.OBIE.PAN', Identification: '************1234' },
      }),
    ]);
  });

  it('refuses transactions with 403 without a transactions permission', async () => {
    // Prepare
    const token = await customerToken({ permissions: ['ReadAccountsDetail', 'ReadBalances'] });

    // Act
    const response = await get(`${AISP}/transactions`, { token });

    // Assess
    expect(response.status).toBe(403);
    expect(response.body.Message).toContain('ReadTransactionsBasic or ReadTransactionsDetail');
  });
});

describe('transaction pages', () => {
  const pagingToken = (grant: Partial<TokenRecord> = {}) => customerToken({ accountIds: [SAVINGS, HISTORY], ...grant });

  /** GET on a link of a response (Links.First / Next / Prev), as the TPP follows it. */
  async function follow(link: string, token: string) {
    const url = new URL(link);
    expect(url.origin).toBe(MTLS_BASE_URL);
    const accountId = /\/accounts\/([^/]+)\/transactions$/.exec(url.pathname)?.[1];
    const resource = accountId ? `${AISP}/accounts/{AccountId}/transactions` : `${AISP}/transactions`;
    return get(resource, {
      token,
      ...(accountId ? { AccountId: decodeURIComponent(accountId) } : {}),
      query: Object.fromEntries(url.searchParams),
    });
  }

  /** Pages from `first` while Links.Next leads on; every page must answer 200. */
  async function walk(first: Awaited<ReturnType<typeof get>>, token: string) {
    const pages = [first];
    while (pages.at(-1)!.body.Links.Next) {
      const next = await follow(pages.at(-1)!.body.Links.Next!, token);
      expect(next.status).toBe(200);
      pages.push(next);
    }
    return pages;
  }

  it("walks an account's history page by page: every transaction once, newest first, Links right at both ends", async () => {
    // Prepare
    const token = await pagingToken();
    const url = `${MTLS_BASE_URL}${AISP}/accounts/${HISTORY}/transactions`;

    // Act
    const first = await get(`${AISP}/accounts/{AccountId}/transactions`, {
      token,
      AccountId: HISTORY,
      query: { pageSize: '10' },
    });
    const pages = await walk(first, token);
    const back = await follow(pages[1]!.body.Links.Prev!, token);

    // Assess
    const walked = pages.flatMap((page) => ids(page.body.Data.Transaction));
    expect(walked).toEqual(
      Array.from({ length: HISTORY_SIZE }, (_, i) => `h-${String(HISTORY_SIZE - 1 - i).padStart(2, '0')}`),
    );
    expect(pages.map((page) => page.body.Data.Transaction.length)).toEqual([10, 10, 5]);
    expect(first.body.Links).toEqual({
      Self: `${url}?pageSize=10`,
      First: `${url}?pageSize=10`,
      Next: expect.stringMatching(new RegExp(`^${url}\\?pageSize=10&cursor=[A-Za-z0-9_.-]+$`)),
    });
    expect(pages[1]!.body.Links).toEqual({
      Self: pages[0]!.body.Links.Next,
      First: `${url}?pageSize=10`,
      Next: expect.any(String),
      Prev: expect.any(String),
    });
    expect(pages[2]!.body.Links.Next).toBeUndefined();
    expect(ids(back.body.Data.Transaction)).toEqual(ids(first.body.Data.Transaction));
    expect(back.body.Links.Prev).toBeUndefined();
    // A paged read leaves TotalPages out (counting would read the whole window); the window is stated.
    expect(first.body.Meta).toEqual({
      FirstAvailableDateTime: CONSENT_WINDOW.transactionFromDateTime,
      LastAvailableDateTime: CONSENT_WINDOW.transactionToDateTime,
    });
  });

  it('pages the bulk /transactions over the consented accounts as one merged list, ties included', async () => {
    // Prepare
    const token = await pagingToken();
    const whole = await get(`${AISP}/transactions`, { token, query: { pageSize: '500' } });

    // Act
    const pages = await walk(await get(`${AISP}/transactions`, { token, query: { pageSize: '4' } }), token);

    // Assess
    expect(whole.body.Links.Next).toBeUndefined();
    expect(whole.body.Meta.TotalPages).toBe(1);
    expect(ids(whole.body.Data.Transaction)).toHaveLength(HISTORY_SIZE + 2);
    expect(pages.flatMap((page) => ids(page.body.Data.Transaction))).toEqual(ids(whole.body.Data.Transaction));
    expect(pages).toHaveLength(Math.ceil((HISTORY_SIZE + 2) / 4));
  });

  it('keeps the booking filters on every link and pages only inside them', async () => {
    // Prepare
    const token = await pagingToken();
    const query = { fromBookingDateTime: '2026-03-04', toBookingDateTime: '2026-03-08T23:59:59', pageSize: '3' };

    // Act
    const pages = await walk(await get(`${AISP}/transactions`, { token, query }), token);

    // Assess
    const walked = pages.flatMap((page) => page.body.Data.Transaction);
    expect(walked.map((t) => t.BookingDateTime.slice(0, 10))).toEqual(
      expect.arrayContaining(['2026-03-04', '2026-03-08']),
    );
    expect(walked.every((t) => t.BookingDateTime >= '2026-03-04' && t.BookingDateTime < '2026-03-09')).toBe(true);
    expect(walked).toHaveLength(11); // h-06 ... h-15, and the savings transaction of 5 March
    for (const page of pages) {
      for (const link of [page.body.Links.First, page.body.Links.Next].filter(Boolean)) {
        expect(new URL(link!).searchParams.get('fromBookingDateTime')).toBe('2026-03-04');
        expect(new URL(link!).searchParams.get('toBookingDateTime')).toBe('2026-03-08T23:59:59');
      }
    }
  });

  it('refuses a changed cursor, one of another consent and one of another query with 400 OBErrorResponse1', async () => {
    // Prepare
    const token = await pagingToken();
    const otherConsent = await pagingToken({ consentId: 'consent-alice-2' });
    const first = await get(`${AISP}/transactions`, { token, query: { pageSize: '5' } });
    const next = new URL(first.body.Links.Next!);
    const cursor = next.searchParams.get('cursor')!;
    const changed = `${cursor.slice(0, 4)}${cursor[4] === 'A' ? 'B' : 'A'}${cursor.slice(5)}`;

    // Act
    const refusals = await Promise.all([
      get(`${AISP}/transactions`, { token, query: { pageSize: '5', cursor: changed } }),
      get(`${AISP}/transactions`, { token: otherConsent, query: { pageSize: '5', cursor } }),
      get(`${AISP}/transactions`, { token, query: { pageSize: '6', cursor } }),
      get(`${AISP}/transactions`, { token, query: { pageSize: '5', fromBookingDateTime: '2026-03-02', cursor } }),
      get(`${AISP}/accounts/{AccountId}/transactions`, { token, AccountId: HISTORY, query: { pageSize: '5', cursor } }),
    ]);

    // Assess
    for (const refusal of refusals) {
      expect(refusal.status).toBe(400);
      expect(refusal.body).toMatchObject({
        Code: '400 Bad Request',
        Errors: [{ ErrorCode: 'UK.OBIE.Field.Invalid', Path: 'cursor' }],
      });
      expect(refusal.body.Errors[0]!.Message).toMatch(/^The cursor does not belong to this request/);
      expect(refusal.body).not.toHaveProperty('Data');
    }
  });

  it('refuses a page size above the maximum with 400 UK.OBIE.Field.Invalid', async () => {
    // Prepare
    const token = await pagingToken();

    // Act
    const response = await get(`${AISP}/transactions`, { token, query: { pageSize: '501' } });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.Errors).toEqual([
      {
        ErrorCode: 'UK.OBIE.Field.Invalid',
        Message: 'pageSize must be a whole number from 1 to 500',
        Path: 'pageSize',
      },
    ]);
  });
});
