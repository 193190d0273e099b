import { randomInt } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ACCESS_RING_PREFIX, ACCESS_RING_SLOTS } from '../../domain/connected-apps';
import type { TokenRecord } from '../../domain/model';
import type { TokenRejection, TokenStore, TokenUseRequest } from '../../ports/store';
import { tableName } from '../../store/tables';
import { isConditionFailure, queryIndex } from './document-client';

/** Why a token failed the use condition (read only on the failure path). */
function rejectionOf(token: TokenRecord | undefined, request: TokenUseRequest): TokenRejection {
  if (!token || token.kind !== request.kind) return 'unknown';
  if (token.revoked) return 'revoked';
  if (token.expiresAt <= request.now) return 'expired';
  if (request.certThumbprint !== undefined && token.certThumbprint !== request.certThumbprint) {
    return 'certificate_mismatch';
  }
  return 'quota_exceeded';
}

export function dynamoTokenStore(doc: DynamoDBDocumentClient): TokenStore {
  const TableName = tableName('tokens');

  async function get(tokenHash: string): Promise<TokenRecord | undefined> {
    const { Item } = await doc.send(new GetCommand({ TableName, Key: { tokenHash }, ConsistentRead: true }));
    return Item as TokenRecord | undefined;
  }

  async function revoke(tokenHash: string): Promise<void> {
    try {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { tokenHash },
          UpdateExpression: 'SET revoked = :true',
          ConditionExpression: 'attribute_exists(tokenHash)',
          ExpressionAttributeValues: { ':true': true },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async function revokeByIndex(IndexName: string, key: string, value: string): Promise<number> {
    const items = await queryIndex<{ tokenHash: string }>(doc, { TableName, IndexName, key, value });
    for (const item of items) await revoke(item.tokenHash);
    return items.length;
  }

  return {
    async put(record) {
      await doc.send(
        new PutCommand({ TableName, Item: record, ConditionExpression: 'attribute_not_exists(tokenHash)' }),
      );
    },
    async use(tokenHash, request) {
      // Validity, revocation, certificate binding and quota checked and counted in ONE conditional write,
      // so concurrent calls can never exceed a quota.
      const values: Record<string, unknown> = {
        ':one': 1,
        ':zero': 0,
        ':kind': request.kind,
        ':false': false,
        ':now': request.now,
      };
      let condition =
        'attribute_exists(tokenHash) AND #kind = :kind AND revoked = :false AND expiresAt > :now AND (maxUses = :zero OR #uses < maxUses)';
      if (request.certThumbprint !== undefined) {
        condition += ' AND certThumbprint = :cert';
        values[':cert'] = request.certThumbprint;
      }
      const names: Record<string, string> = { '#kind': 'kind', '#uses': 'uses' };
      let update = 'ADD #uses :one';
      if (request.access) {
        // The same write records the access (no second write on the hot path): the time, and one ring slot.
        names['#slot'] = `${ACCESS_RING_PREFIX}${randomInt(ACCESS_RING_SLOTS)}`;
        values[':access'] = { at: request.now, ...request.access };
        update += ' SET lastUsedAt = :now, #slot = :access';
      }
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName,
            Key: { tokenHash },
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { ok: true, token: Attributes as TokenRecord };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return { ok: false, reason: rejectionOf(await get(tokenHash), request) };
      }
    },
    get,
    revoke,
    revokeByGrant: (grantId) => revokeByIndex('byGrant', 'grantId', grantId),
    revokeByConsent: (consentId) => revokeByIndex('byConsent', 'consentId', consentId),
    async list(collection, limit) {
      const keys =
        collection.kind === 'consent'
          ? { IndexName: 'byConsent', key: 'consentId', value: collection.consentId }
          : { IndexName: 'byGrant', key: 'grantId', value: collection.grantId };
      const items = await queryIndex<{ tokenHash: string }>(doc, { TableName, ...keys, limit });
      const tokens = await Promise.all(items.map((item) => get(item.tokenHash)));
      return tokens.filter((token): token is TokenRecord => token !== undefined);
    },
  };
}
