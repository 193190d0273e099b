/**
 * TokenStore on the `tokens` table, with the `token-collections` table revocation sweeps. Issuance is ONE
 * `TransactWriteItems`: the token Puts, one item per token in each collection it belongs to (its consent or
 * consent-less grant, its certificate by thumbprint and by issuer + serial), and ConditionChecks that the
 * consent/grant is still current, the presented refresh token unrevoked and the certificate not on the
 * revocation list, and on the token endpoint the client assertion's jti claim (its conditional Put: one
 * round trip for both). Revocation writes its authority first (consent, grant registry, refresh token or list
 * entry), then sweeps the collection with a strongly consistent Query: a concurrent issuance either
 * serialised before that write (its collection item is visible to the Query) or after it (its
 * ConditionCheck fails). Resource calls stay one conditional UpdateItem (`use`).
 */
import { randomInt } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ACCESS_RING_PREFIX, ACCESS_RING_SLOTS } from '../../domain/connected-apps';
import type { TokenRecord } from '../../domain/model';
import {
  type IssuanceGuard,
  IssuanceRefused,
  type TokenCollection,
  type TokenRejection,
  type TokenStore,
  type TokenUseRequest,
} from '../../ports/store';
import { TOKENS_BY_CLIENT_INDEX, tableName } from '../../tables';
import { isConditionFailure } from './document-client';
import { grantRegistryId } from './grant-registry';
import { claimPut } from './once';
import { REVOCATION_LOOKUP_SK } from './revoked-certificates';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

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

/** Partition key of a collection; certificate keys are already the revocation list's own keys. */
function collectionKey(collection: TokenCollection): string {
  switch (collection.kind) {
    case 'consent':
      return `consent:${collection.consentId}`;
    case 'grant':
      return `grant:${collection.grantId}`;
    default:
      return collection.key;
  }
}

/** The consent's collection for consent tokens, the grant's for consent-less customer tokens, none for client_credentials. */
function grantCollectionOf(record: TokenRecord): TokenCollection | undefined {
  if (record.consentId !== undefined) return { kind: 'consent', consentId: record.consentId };
  if (record.grantId !== undefined) return { kind: 'grant', grantId: record.grantId };
  return undefined;
}

/** Lost races of concurrent transactions on one item (DynamoDB cancels rather than waits): retried. */
const CONFLICT_RETRIES = 3;
const SWEEP_PARALLELISM = 16;

/** A transaction item whose failed condition refuses the issuance, and why. */
interface Check {
  readonly item: TransactItem;
  readonly refusal: IssuanceRefused['reason'];
}

function guardChecks(guard: IssuanceGuard): Check[] {
  const checks: Check[] = [];
  const { grant } = guard;
  if (grant?.kind === 'consent') {
    checks.push({
      refusal: 'grant_revoked',
      item: {
        ConditionCheck: {
          TableName: tableName('consents'),
          Key: { consentId: grant.consentId },
          // A consent authorised before grant ids were recorded has none; any re-authorisation sets one.
          ConditionExpression:
            '#status = :authorised AND clientId = :client AND (attribute_not_exists(grantId) OR grantId = :grant)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':authorised': 'Authorised',
            ':client': grant.clientId,
            ':grant': grant.grantId,
          },
        },
      },
    });
  } else if (grant?.kind === 'grant') {
    checks.push({
      refusal: 'grant_revoked',
      item: {
        ConditionCheck: {
          TableName: tableName('authorizations'),
          Key: { id: grantRegistryId(grant.clientId, grant.subject) },
          ConditionExpression: 'grantId = :grant',
          ExpressionAttributeValues: { ':grant': grant.grantId },
        },
      },
    });
  }
  if (guard.refreshTokenHash !== undefined) {
    checks.push({
      refusal: 'refresh_token_revoked',
      item: {
        ConditionCheck: {
          TableName: tableName('tokens'),
          Key: { tokenHash: guard.refreshTokenHash },
          ConditionExpression: 'revoked = :false',
          ExpressionAttributeValues: { ':false': false },
        },
      },
    });
  }
  if (guard.replayClaim) {
    const { record, now } = guard.replayClaim;
    checks.push({ refusal: 'replayed', item: { Put: claimPut(record, now) } });
  }
  for (const key of [guard.certificate.thumbprint, guard.certificate.issuerSerial]) {
    checks.push({
      refusal: 'certificate_revoked',
      item: {
        ConditionCheck: {
          TableName: tableName('revokedCertificates'),
          Key: { pk: key, sk: REVOCATION_LOOKUP_SK },
          ConditionExpression: 'attribute_not_exists(entryId)',
        },
      },
    });
  }
  return checks;
}

function cancellationCodes(error: unknown): string[] | undefined {
  const { name, CancellationReasons } = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (name !== 'TransactionCanceledException') return undefined;
  return (CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

export function dynamoTokenStore(doc: DynamoDBDocumentClient): TokenStore {
  const TableName = tableName('tokens');
  const Collections = tableName('tokenCollections');

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

  function issuanceItems(records: readonly TokenRecord[], guard: IssuanceGuard): TransactItem[] {
    return records.flatMap((record): TransactItem[] => {
      const grantCollection = grantCollectionOf(record);
      const collections = [
        ...(grantCollection ? [collectionKey(grantCollection)] : []),
        guard.certificate.thumbprint,
        guard.certificate.issuerSerial,
      ];
      return [
        { Put: { TableName, Item: record, ConditionExpression: 'attribute_not_exists(tokenHash)' } },
        ...collections.map((collection) => ({
          Put: {
            TableName: Collections,
            Item: { collection, tokenHash: record.tokenHash, grantId: record.grantId, expiresAt: record.expiresAt },
          },
        })),
      ];
    });
  }

  /** One page of a collection's items (`token-collections`, pk = the collection's key). */
  const queryCollection = (
    collection: TokenCollection,
    page: { ConsistentRead?: boolean; ExclusiveStartKey?: Record<string, unknown>; Limit?: number },
  ) =>
    doc.send(
      new QueryCommand({
        TableName: Collections,
        KeyConditionExpression: '#collection = :collection',
        ExpressionAttributeNames: { '#collection': 'collection' },
        ExpressionAttributeValues: { ':collection': collectionKey(collection) },
        ...page,
      }),
    );
  return {
    async issue(records, guard) {
      const checks = guardChecks(guard);
      const TransactItems = [...checks.map((check) => check.item), ...issuanceItems(records, guard)];
      for (let attempt = 1; ; attempt++) {
        try {
          await doc.send(new TransactWriteCommand({ TransactItems }));
          return;
        } catch (error) {
          const codes = cancellationCodes(error);
          if (!codes) throw error;
          const failed = checks.find((_, i) => codes[i] === 'ConditionalCheckFailed');
          if (failed) throw new IssuanceRefused(failed.refusal);
          if (!codes.includes('TransactionConflict') || attempt === CONFLICT_RETRIES) throw error;
          await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
        }
      }
    },
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
    async sweep(collection, grants = {}) {
      let count = 0;
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        // Strongly consistent: every issuance that committed before the caller's authority write is seen.
        const page = await queryCollection(collection, { ConsistentRead: true, ExclusiveStartKey });
        const hashes = ((page.Items ?? []) as { tokenHash: string; grantId?: string }[])
          .filter((item) => grants.only === undefined || item.grantId === grants.only)
          .filter((item) => grants.except === undefined || item.grantId !== grants.except)
          .map((item) => item.tokenHash);
        for (let i = 0; i < hashes.length; i += SWEEP_PARALLELISM) {
          await Promise.all(hashes.slice(i, i + SWEEP_PARALLELISM).map((hash) => revoke(hash)));
        }
        count += hashes.length;
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return count;
    },
    async list(collection, limit) {
      // Eventually consistent is enough for a dashboard; revocation uses `sweep`.
      const { Items } = await queryCollection(collection, { Limit: limit });
      const tokens = await Promise.all(((Items ?? []) as { tokenHash: string }[]).map((item) => get(item.tokenHash)));
      return tokens.filter((token): token is TokenRecord => token !== undefined);
    },
    async activeOf(clientId, now, limit) {
      const tokens: Pick<TokenRecord, 'kind' | 'uses' | 'maxUses'>[] = [];
      let read = 0;
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        // Unexpired by the index's sort key; the revoked ones are read (and counted in `limit`) but left out.
        const page = await doc.send(
          new QueryCommand({
            TableName,
            IndexName: TOKENS_BY_CLIENT_INDEX,
            KeyConditionExpression: 'clientId = :client AND expiresAt > :now',
            FilterExpression: 'revoked = :false',
            ProjectionExpression: '#kind, #uses, maxUses',
            ExpressionAttributeNames: { '#kind': 'kind', '#uses': 'uses' },
            ExpressionAttributeValues: { ':client': clientId, ':now': now, ':false': false },
            Limit: limit - read,
            ExclusiveStartKey,
          }),
        );
        tokens.push(...((page.Items ?? []) as Pick<TokenRecord, 'kind' | 'uses' | 'maxUses'>[]));
        read += page.ScannedCount ?? 0;
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey && read < limit);
      return { tokens, more: ExclusiveStartKey !== undefined };
    },
  };
}
