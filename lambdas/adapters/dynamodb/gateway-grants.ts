/**
 * GrantRegistry on the `authorizations` table: item `grant:<clientId>:<subject>` (`storeKey`) names the client's current
 * consent-less grant for the customer. One PutItem swaps it and returns the previous one (ALL_OLD); the
 * item expires with the longest-lived token the grant can have.
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { GrantRegistry } from '../../ports/gateway';
import { tableName } from '../../store/tables';
import { storeKey } from './store-key';

export function dynamoGrantRegistry(doc: DynamoDBDocumentClient): GrantRegistry {
  const TableName = tableName('authorizations');
  return {
    async replace(clientId, subject, { grantId, codeId }, expiresAt) {
      const { Attributes } = await doc.send(
        new PutCommand({
          TableName,
          Item: {
            id: storeKey('grant', clientId, subject),
            kind: 'grant',
            clientId,
            subject,
            grantId,
            codeId,
            expiresAt,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (typeof Attributes?.grantId !== 'string') return undefined;
      return { grantId: Attributes.grantId, codeId: Attributes.codeId as string | undefined };
    },
  };
}
