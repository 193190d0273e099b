/**
 * The admin store's one transaction per change: the entity's conditional write on the version that was
 * read, and the audit record's Put; a lost race (condition failed, or another transaction on the item,
 * which only real DynamoDB reports) is a ConflictingChange.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { dynamoAdminStore } from '../../lambdas/adapters/dynamodb/admin-store';
import { SAMPLE_CATALOG } from '../../lambdas/domain/gateway/catalog';
import { type AuditEntry, ConflictingChange } from '../../lambdas/ports/admin';

process.env.TABLE_CLIENTS = 'clients';
process.env.TABLE_APIS = 'apis';
process.env.TABLE_AUDIT = 'audit';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
const mock = mockClient(doc);
const store = dynamoAdminStore(doc);
const api = SAMPLE_CATALOG[1]!;
const entry: AuditEntry = {
  entity: 'client:tsp2',
  at: '2026-11-22T00:00:00.000Z',
  actor: { kind: 'client', id: 'bank-admin' },
  action: 'token-settings.replace',
  before: {},
  after: { access_token_max_uses: 3 },
};

const cancelled = (...codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

beforeEach(() => mock.reset());

describe('one transaction per administrative change', () => {
  it('updates the token settings on the version that was read and adds the audit record under a new key', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    // Act
    await store.commit(
      { kind: 'token-settings', clientId: 'tsp2', version: 4, settings: { accessTokenMaxUses: 3 } },
      entry,
    );
    // Assess
    const [update, audit] = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(update).toEqual({
      Update: {
        TableName: 'clients',
        Key: { clientId: 'tsp2' },
        UpdateExpression: 'SET tokenSettings = :settings, #version = :next',
        ConditionExpression: '#version = :read',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':read': 4, ':settings': { accessTokenMaxUses: 3 }, ':next': 5 },
      },
    });
    expect(audit).toEqual({
      Put: {
        TableName: 'audit',
        Item: { ...entry, at: expect.stringMatching(/^2026-11-22T00:00:00\.000Z#[0-9a-f]{32}$/), listing: 'audit' },
        ConditionExpression: 'attribute_not_exists(#at)',
        ExpressionAttributeNames: { '#at': 'at' },
      },
    });
  });

  it('creates an API only where none exists, and replaces one never versioned only if it still exists', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    // Act
    await store.commit({ kind: 'api', api, version: undefined }, { ...entry, entity: `api:${api.apiId}` });
    await store.commit({ kind: 'api', api, version: 0 }, { ...entry, entity: `api:${api.apiId}` });
    // Assess
    const [created, replaced] = mock
      .commandCalls(TransactWriteCommand)
      .map((call) => call.args[0].input.TransactItems![0]);
    expect(created).toEqual({
      Put: {
        TableName: 'apis',
        Item: { ...api, listing: 'apis', version: 1 },
        ConditionExpression: 'attribute_not_exists(apiId)',
      },
    });
    expect(replaced).toEqual({
      Put: {
        TableName: 'apis',
        Item: { ...api, listing: 'apis', version: 1 },
        ConditionExpression: 'attribute_exists(#key) AND attribute_not_exists(#version)',
        ExpressionAttributeNames: { '#key': 'apiId', '#version': 'version' },
      },
    });
  });

  it.each([
    ['a failed condition', ['ConditionalCheckFailed', 'None']],
    ['another transaction on the item', ['TransactionConflict', 'None']],
  ])('reports %s as a conflicting change', async (_, codes) => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled(...codes));
    // Act
    const commit = store.commit({ kind: 'token-settings', clientId: 'tsp2', version: 1, settings: {} }, entry);
    // Assess
    await expect(commit).rejects.toBeInstanceOf(ConflictingChange);
  });

  it('lets any other failure through as it is (throttling stays retryable)', async () => {
    // Prepare
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    mock.on(TransactWriteCommand).rejects(throttled);
    // Act
    const commit = store.commit({ kind: 'token-settings', clientId: 'tsp2', version: 1, settings: {} }, entry);
    // Assess
    await expect(commit).rejects.toBe(throttled);
  });
});
