/** The DynamoDB BankData adapter against dynalite, with the demo bank's data. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoBankData } from '../../lambdas/adapters/dynamodb/bank-data';
import { type BankData, LOWEST_TRANSACTION_ID } from '../../lambdas/ports/bank-data';
import { allTables, tables } from '../../lambdas/tables';
import { ensureTables, type LocalDynamo, sandboxTableName, startLocalDynamo } from '../../sandbox/dynamo';
import type { SandboxPki } from '../../sandbox/pki';
import { type DemoBank, demoBank, demoTpps, seedDemoTenant } from '../../sandbox/seed';
import { createTestCa } from '../support/throwaway-pki';

/** dynalite, a CA key and the seed's writes take seconds on a busy 2-core machine. */
jest.setTimeout(30_000);

const ANCHOR = new Date('2026-11-21T00:00:00.000Z');

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let bank: BankData;
let data: DemoBank;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  dynamo = await startLocalDynamo({ port: 0 });
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await ensureTables(client, [tables.bankData]);
  process.env[tables.bankData.envVar] = sandboxTableName(tables.bankData);
  bank = dynamoBankData(DynamoDBDocumentClient.from(client));
  data = demoBank(ANCHOR);
  for (const { subject, account } of data.accounts) await bank.putAccount(subject, account);
  await Promise.all(data.balances.map((b) => bank.putBalance(b)));
  await Promise.all(data.transactions.map((t) => bank.putTransaction(t)));
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const accountsOf = (subject: string) => data.accounts.filter((a) => a.subject === subject).map((a) => a.account);

describe('dynamoBankData', () => {
  it("lists only the customer's own accounts and refuses another customer's account", async () => {
    // Act
    const steves = await bank.listAccounts('steve');
    const annesAccountId = accountsOf('anne')[0]!.AccountId;
    // Assess
    expect(steves.map((a) => a.AccountId).sort()).toEqual(
      accountsOf('steve')
        .map((a) => a.AccountId)
        .sort(),
    );
    expect(await bank.getAccount('steve', steves[0]!.AccountId)).toEqual(steves[0]);
    expect(await bank.getAccount('steve', annesAccountId)).toBeUndefined();
    expect(await bank.listAccounts('nobody')).toEqual([]);
  });

  it('returns the balances of the requested accounts only', async () => {
    const [first, second] = accountsOf('anne');
    const balances = await bank.getBalances([first!.AccountId, second!.AccountId]);
    expect(balances).toHaveLength(4);
    expect(new Set(balances.map((b) => b.AccountId))).toEqual(new Set([first!.AccountId, second!.AccountId]));
  });

  it("reads an account's transactions newest first, only those inside an inclusive booking window", async () => {
    // Prepare
    const id = accountsOf('steve')[0]!.AccountId;
    const expected = data.transactions.filter((t) => t.AccountId === id);
    const inside = expected[10]!;
    const from = inside.BookingDateTime;
    const to = new Date(Date.parse(from) + 20 * 24 * 3600_000).toISOString();
    const read = { order: 'newest-first', limit: 1000 } as const;
    // Act
    const all = await bank.getTransactions(id, { ...read, window: {} });
    const windowed = await bank.getTransactions(id, { ...read, window: { from, to } });
    // Assess
    expect(all).toHaveLength(expected.length);
    const times = all.map((t) => Date.parse(t.BookingDateTime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const wanted = expected
      .filter((t) => t.BookingDateTime >= from && t.BookingDateTime <= to)
      .map((t) => t.TransactionId);
    expect(windowed.map((t) => t.TransactionId).sort()).toEqual(wanted.sort());
    expect(windowed.map((t) => t.TransactionId)).toContain(inside.TransactionId);
    expect(windowed.length).toBeLessThan(all.length);
  });

  it('reads at most `limit` transactions strictly past a key, in either order', async () => {
    // Prepare
    const id = accountsOf('steve')[0]!.AccountId;
    const newestFirst = await bank.getTransactions(id, { window: {}, order: 'newest-first', limit: 1000 });
    const key = (t: (typeof newestFirst)[number]) => ({
      bookingDateTime: new Date(t.BookingDateTime).toISOString(),
      transactionId: t.TransactionId,
    });
    const at = newestFirst[5]!;
    // Act
    const older = await bank.getTransactions(id, { window: {}, order: 'newest-first', after: key(at), limit: 3 });
    const newer = await bank.getTransactions(id, { window: {}, order: 'oldest-first', after: key(at), limit: 3 });
    const beforeAllAtThatInstant = await bank.getTransactions(id, {
      window: {},
      order: 'oldest-first',
      after: { bookingDateTime: key(at).bookingDateTime, transactionId: LOWEST_TRANSACTION_ID },
      limit: 1,
    });
    // Assess
    expect(older.map((t) => t.TransactionId)).toEqual(newestFirst.slice(6, 9).map((t) => t.TransactionId));
    expect(newer.map((t) => t.TransactionId)).toEqual(
      newestFirst
        .slice(2, 5)
        .reverse()
        .map((t) => t.TransactionId),
    );
    expect(beforeAllAtThatInstant.map((t) => t.TransactionId)).toEqual([at.TransactionId]);
  });

  it('seeds a long generated history on request, once per data dir, and refuses another length on it', async () => {
    // Prepare: the whole tenant's tables under their own names, a PKI stand-in for the client registrations.
    const prefix = 'seed-history-test';
    const saved = Object.fromEntries(allTables.map((t) => [t.envVar, process.env[t.envVar]]));
    await ensureTables(client, allTables, prefix);
    for (const table of allTables) process.env[table.envVar] = sandboxTableName(table, prefix);
    const jwks = { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB', use: 'sig', alg: 'PS256' }] };
    const pki = {
      adminCa: { certPem: (await createTestCa([{ CN: ['Admin CA'] }])).certPem },
      clients: Object.fromEntries(
        demoTpps.map((tpp) => [
          tpp.clientId,
          { clientId: tpp.clientId, subjectDn: `CN=${tpp.subject.commonName}`, jwks },
        ]),
      ),
    } as unknown as SandboxPki;
    const doc = DynamoDBDocumentClient.from(client);
    try {
      // Act
      const seeded = await seedDemoTenant(doc, pki, 'https://localhost:8443', {
        now: ANCHOR,
        transactionsPerCurrentAccount: 150,
      });
      const again = await seedDemoTenant(doc, pki, 'https://localhost:8443', {
        now: ANCHOR,
        transactionsPerCurrentAccount: 150,
      });
      // Assess
      const seededBank = dynamoBankData(doc);
      const read = { window: {}, order: 'newest-first', limit: 1000 } as const;
      expect(seeded.seededBankData).toBe(true);
      expect(again.seededBankData).toBe(false);
      expect(await seededBank.getTransactions('steve-current-gbp', read)).toHaveLength(150);
      expect((await seededBank.getTransactions('steve-savings-gbp', read)).length).toBeLessThan(20);
      await expect(
        seedDemoTenant(doc, pki, 'https://localhost:8443', { transactionsPerCurrentAccount: 200 }),
      ).rejects.toThrow(/seeded with 150 transactions per current account, not 200: run npm run reset first/);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
