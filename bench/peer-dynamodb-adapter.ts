/**
 * oidc-provider's storage `Adapter` on DynamoDB (`@aws-sdk/lib-dynamodb`), as a deployment of the library
 * on AWS would run it: one table keyed by `<model>:<id>`, the payload as a map, `expiresAt` (epoch seconds)
 * as the table's TTL attribute, and a `grantId` index for revokeByGrantId. Reads are strongly consistent,
 * as Bankgate's are where it matters (replay detection reads before it writes). DynamoDB's TTL deletes
 * lazily (dynalite never), so an expired item is treated as absent.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Adapter, AdapterPayload } from 'oidc-provider';

export const PEER_TABLE = 'oidc-provider';
const GRANT_INDEX = 'grantIdIndex';
const UID_INDEX = 'uidIndex';
const USER_CODE_INDEX = 'userCodeIndex';

/** The table with its indexes (TTL on `expiresAt` would be enabled too; dynalite has no UpdateTimeToLive). */
export async function createPeerTable(client: DynamoDBClient): Promise<void> {
  const index = (IndexName: string, AttributeName: string) => ({
    IndexName,
    KeySchema: [{ AttributeName, KeyType: 'HASH' as const }],
    Projection: { ProjectionType: 'KEYS_ONLY' as const },
  });
  await client.send(
    new CreateTableCommand({
      TableName: PEER_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'modelId', KeyType: 'HASH' }],
      AttributeDefinitions: ['modelId', 'grantId', 'uid', 'userCode'].map((AttributeName) => ({
        AttributeName,
        AttributeType: 'S' as const,
      })),
      GlobalSecondaryIndexes: [
        index(GRANT_INDEX, 'grantId'),
        index(UID_INDEX, 'uid'),
        index(USER_CODE_INDEX, 'userCode'),
      ],
    }),
  );
}

interface Item {
  readonly modelId: string;
  readonly payload: AdapterPayload;
  readonly expiresAt?: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The adapter class oidc-provider instantiates once per model name. */
export function dynamoAdapter(doc: DynamoDBDocumentClient): new (name: string) => Adapter {
  return class DynamoDBAdapter implements Adapter {
    constructor(private readonly name: string) {}

    private key(id: string) {
      return { modelId: `${this.name}:${id}` };
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
      await doc.send(
        new PutCommand({
          TableName: PEER_TABLE,
          Item: {
            ...this.key(id),
            payload,
            ...(expiresIn ? { expiresAt: nowSeconds() + expiresIn } : {}),
            ...(payload.grantId ? { grantId: payload.grantId } : {}),
            ...(payload.userCode ? { userCode: payload.userCode } : {}),
            ...(payload.uid ? { uid: payload.uid } : {}),
          },
        }),
      );
    }

    async find(id: string) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: PEER_TABLE, Key: this.key(id), ConsistentRead: true }),
      );
      return live(Item as Item | undefined);
    }

    private async findBy(IndexName: string, attribute: string, value: string) {
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: PEER_TABLE,
          IndexName,
          KeyConditionExpression: '#a = :v',
          ExpressionAttributeNames: { '#a': attribute },
          ExpressionAttributeValues: { ':v': value },
          Limit: 1,
        }),
      );
      const found = Items?.[0] as { modelId: string } | undefined;
      return found ? this.find(found.modelId.slice(this.name.length + 1)) : undefined;
    }

    findByUid(uid: string) {
      return this.findBy(UID_INDEX, 'uid', uid);
    }

    findByUserCode(userCode: string) {
      return this.findBy(USER_CODE_INDEX, 'userCode', userCode);
    }

    async consume(id: string) {
      await doc.send(
        new UpdateCommand({
          TableName: PEER_TABLE,
          Key: this.key(id),
          UpdateExpression: 'SET payload.consumed = :at',
          ConditionExpression: 'attribute_exists(modelId)',
          ExpressionAttributeValues: { ':at': nowSeconds() },
        }),
      );
    }

    async destroy(id: string) {
      await doc.send(new DeleteCommand({ TableName: PEER_TABLE, Key: this.key(id) }));
    }

    async revokeByGrantId(grantId: string) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: PEER_TABLE,
            IndexName: GRANT_INDEX,
            KeyConditionExpression: 'grantId = :g',
            ExpressionAttributeValues: { ':g': grantId },
            ExclusiveStartKey,
          }),
        );
        await Promise.all(
          (page.Items ?? []).map((item) =>
            doc.send(new DeleteCommand({ TableName: PEER_TABLE, Key: { modelId: item.modelId } })),
          ),
        );
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    }
  };
}

function live(item: Item | undefined): AdapterPayload | undefined {
  if (!item || (item.expiresAt !== undefined && item.expiresAt <= nowSeconds())) return undefined;
  return item.payload;
}
