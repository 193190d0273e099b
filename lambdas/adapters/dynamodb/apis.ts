/** ApiCatalog on the `apis` table: one item per API, keyed by `apiId` (method + path, see `apiIdOf`). */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ApiDefinition,
  type JosePolicy,
  JosePolicySchema,
  parseApiDefinition,
} from '../../domain/gateway/catalog';
import type { ApiCatalog } from '../../ports/gateway';
import { tableName } from '../../store/tables';
import { documentClient, isConditionFailure } from './document-client';

export function dynamoApiCatalog(doc: DynamoDBDocumentClient = documentClient()): ApiCatalog {
  const TableName = tableName('apis');
  return {
    async get(apiId) {
      // Strongly consistent: an administrator's change applies to the very next call.
      const { Item } = await doc.send(new GetCommand({ TableName, Key: { apiId }, ConsistentRead: true }));
      return Item as ApiDefinition | undefined;
    },

    async put(api) {
      await doc.send(new PutCommand({ TableName, Item: parseApiDefinition(api) }));
    },

    async replaceJosePolicy(apiId, policy) {
      const josePolicy = JosePolicySchema.parse(policy);
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName,
            Key: { apiId },
            UpdateExpression: 'SET josePolicy = :policy',
            ConditionExpression: 'attribute_exists(apiId)',
            ExpressionAttributeValues: { ':policy': josePolicy },
            ReturnValues: 'ALL_OLD',
          }),
        );
        return (Attributes as ApiDefinition | undefined)?.josePolicy as JosePolicy;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },
  };
}
