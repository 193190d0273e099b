/**
 * TransactWriteItems for the sandbox's dynalite, which has none (dynalite 4 implements no TransactWriteItems). The admin API writes each
 * change and its audit record in one DynamoDB transaction, and the sandbox must run that code path as it is.
 *
 * The dynalite server's request listener is wrapped:
 * - every other request runs exactly as before, holding a shared gate;
 * - a transaction holds the gate alone (no other request in flight, so nobody sees it half done), applies
 *   its items as dynalite's own conditional writes (handed to dynalite's request listener in this process, no
 *   socket or SDK in between), and when any condition fails puts back every image it changed and answers
 *   TransactionCanceledException with one reason per item, as DynamoDB does. A ConditionCheck is a
 *   conditional delete put back at once (nothing to put back when the item is absent, the common case).
 * Not emulated: ClientRequestToken idempotency, and atomicity if the sandbox process dies mid-transaction.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type {
  AttributeValue,
  CancellationReason,
  TableDescription,
  TransactWriteItem,
  TransactWriteItemsInput,
} from '@aws-sdk/client-dynamodb';

const TRANSACT_WRITE_ITEMS = 'DynamoDB_20120810.TransactWriteItems';
const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';
const MAX_ITEMS = 100;

type Image = Record<string, AttributeValue>;

/** Many ordinary requests at once, or one transaction alone; first come, first served, so neither starves. */
class Gate {
  private shared = 0;
  private exclusive = false;
  private readonly queue: { readonly exclusive: boolean; readonly admit: () => void }[] = [];

  /** Undefined when admitted at once (the common case costs no promise). */
  enter(exclusive: boolean): Promise<void> | undefined {
    if (this.queue.length === 0 && this.admits(exclusive)) {
      this.take(exclusive);
      return undefined;
    }
    return new Promise((resolve) =>
      this.queue.push({
        exclusive,
        admit: () => {
          this.take(exclusive);
          resolve();
        },
      }),
    );
  }

  leave(exclusive: boolean): void {
    if (exclusive) this.exclusive = false;
    else this.shared -= 1;
    while (this.queue.length > 0 && this.admits(this.queue[0]!.exclusive)) this.queue.shift()!.admit();
  }

  private admits(exclusive: boolean): boolean {
    return exclusive ? !this.exclusive && this.shared === 0 : !this.exclusive;
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.exclusive = true;
    else this.shared += 1;
  }
}

class DynamoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly reasons?: CancellationReason[],
  ) {
    super(message);
  }
}

const validation = (message: string) => new DynamoError('ValidationException', message);

interface Target {
  readonly table: string;
  readonly key: Image;
  /** Its ALL_OLD image once applied; `applied` tells an absent item from one not yet written. */
  before?: Image;
  applied: boolean;
}

export interface TransactionSupport {
  close(): Promise<void>;
}

/** Adds TransactWriteItems to a dynalite `server` (before it serves its first request). */
export async function addTransactions(server: Server): Promise<TransactionSupport> {
  const [dynaliteListener] = server.listeners('request') as RequestListener[];
  if (!dynaliteListener) throw new Error('the dynalite server has no request listener');
  const store = directCaller(dynaliteListener);
  const gate = new Gate();
  const keyNames = new Map<string, string[]>();

  async function keyOf(table: string, item: Image): Promise<Image> {
    let names = keyNames.get(table);
    if (!names) {
      const { Table } = await store<{ Table?: TableDescription }>('DescribeTable', { TableName: table });
      names = (Table?.KeySchema ?? []).map((key) => key.AttributeName!);
      keyNames.set(table, names);
    }
    const key: Image = {};
    for (const name of names) {
      if (!item[name]) throw validation(`One of the required keys was not given a value: ${name}`);
      key[name] = item[name];
    }
    return key;
  }

  async function targetOf(item: TransactWriteItem): Promise<Target> {
    const operations = [item.Put, item.Update, item.Delete, item.ConditionCheck].filter(Boolean);
    if (operations.length !== 1) throw validation('TransactItems can only contain one of Check, Put, Update or Delete');
    if (item.Put)
      return { table: item.Put.TableName!, key: await keyOf(item.Put.TableName!, item.Put.Item ?? {}), applied: false };
    const { TableName, Key } = (item.Update ?? item.Delete ?? item.ConditionCheck)!;
    return { table: TableName!, key: await keyOf(TableName!, Key ?? {}), applied: false };
  }

  /** One item as dynalite's own conditional write; returns the image it replaced. */
  async function apply(item: TransactWriteItem): Promise<Image | undefined> {
    const replaced = async (operation: string, input: object) =>
      (await store<{ Attributes?: Image }>(operation, { ...input, ReturnValues: 'ALL_OLD' })).Attributes;
    if (item.Put) return replaced('PutItem', item.Put);
    if (item.Update) return replaced('UpdateItem', item.Update);
    if (item.Delete) return replaced('DeleteItem', item.Delete);
    // A condition check is a conditional delete, put back right after (`transact`).
    const { TableName, Key, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues } =
      item.ConditionCheck!;
    return replaced('DeleteItem', {
      TableName,
      Key,
      ConditionExpression,
      ExpressionAttributeNames,
      ExpressionAttributeValues,
    });
  }

  async function restore(target: Target): Promise<void> {
    if (target.before) await store('PutItem', { TableName: target.table, Item: target.before });
    else await store('DeleteItem', { TableName: target.table, Key: target.key });
  }

  async function transact(input: TransactWriteItemsInput): Promise<void> {
    const items = input.TransactItems ?? [];
    if (items.length === 0 || items.length > MAX_ITEMS) {
      throw validation(`TransactItems must have between 1 and ${MAX_ITEMS} items`);
    }
    const targets = await Promise.all(items.map(targetOf));
    const identities = new Set(targets.map((t) => JSON.stringify([t.table, t.key])));
    if (identities.size !== targets.length) {
      throw validation('Transaction request cannot include multiple operations on one item');
    }
    // Distinct items and the gate held alone: the items are applied at once, each with its own condition.
    let failure: DynamoError | undefined;
    const reasons: CancellationReason[] = await Promise.all(
      items.map(async (item, index): Promise<CancellationReason> => {
        const target = targets[index]!;
        try {
          target.before = await apply(item);
          target.applied = true;
          return { Code: 'None' };
        } catch (error) {
          if ((error as Error).name !== 'ConditionalCheckFailedException') {
            failure ??= errorOf(error);
            return { Code: 'None' };
          }
          const returnOld = (item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck)
            ?.ReturnValuesOnConditionCheckFailure;
          const current =
            returnOld === 'ALL_OLD'
              ? (
                  await store<{ Item?: Image }>('GetItem', {
                    TableName: target.table,
                    Key: target.key,
                    ConsistentRead: true,
                  })
                ).Item
              : undefined;
          return { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: current };
        }
      }),
    );
    const cancelled = failure ?? reasons.some((reason) => reason.Code !== 'None');
    await Promise.all(
      targets.map((target, index) => {
        if (!target.applied) return undefined;
        // A checked item that was absent stayed absent (its delete changed nothing).
        if (items[index]!.ConditionCheck) return target.before ? restore(target) : undefined;
        return cancelled ? restore(target) : undefined;
      }),
    );
    if (failure) throw failure;
    if (cancelled) {
      const codes = reasons.map((reason) => reason.Code).join(', ');
      throw new DynamoError(
        'TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
        400,
        reasons,
      );
    }
  }

  async function serveTransaction(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let status = 200;
    let body: unknown = {};
    try {
      let input: TransactWriteItemsInput;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as TransactWriteItemsInput;
      } catch {
        throw new DynamoError('SerializationException', 'the request body is not JSON');
      }
      const waiting = gate.enter(true);
      if (waiting) await waiting;
      try {
        await transact(input);
      } finally {
        gate.leave(true);
      }
    } catch (error) {
      const known = errorOf(error);
      status = known.status;
      body = {
        __type: `${ERROR_PREFIX}${known.type}`,
        Message: known.message,
        ...(known.reasons ? { CancellationReasons: known.reasons } : {}),
      };
    }
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify(body));
  }

  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'POST' && request.headers['x-amz-target'] === TRANSACT_WRITE_ITEMS) {
      void serveTransaction(request, response);
      return;
    }
    const pass = () => {
      response.once('close', () => gate.leave(false));
      dynaliteListener(request, response);
    };
    const waiting = gate.enter(false);
    if (waiting) void waiting.then(pass);
    else pass();
  });

  return { close: async () => {} };
}

/** Any well-formed SigV4 header passes dynalite, which checks the shape, not the signature. */
const LOCAL_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';

/**
 * Calls dynalite's own request listener in this process with a request and a response of just the parts it
 * uses: its validation and conditional writes exactly as over HTTP, without a socket or an SDK client.
 */
function directCaller(listener: RequestListener) {
  return <T>(operation: string, input: object): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const request = Object.assign(new EventEmitter(), {
        method: 'POST',
        url: '/',
        headers: {
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'content-type': 'application/x-amz-json-1.0',
          authorization: LOCAL_AUTHORIZATION,
          'x-amz-date': '20260101T000000Z',
        },
      });
      const response = {
        statusCode: 200,
        contentType: '',
        setHeader() {},
        end(body?: string) {
          const data = body ? JSON.parse(body) : {};
          if (response.statusCode === 200) return resolve(data as T);
          const type = String(data.__type ?? 'InternalServerError');
          reject(
            Object.assign(new Error(data.message ?? data.Message ?? type), {
              name: type.slice(type.indexOf('#') + 1),
              $metadata: { httpStatusCode: response.statusCode },
            }),
          );
        },
      };
      listener(request as unknown as IncomingMessage, response as unknown as ServerResponse);
      request.emit('data', Buffer.from(JSON.stringify(input)));
      request.emit('end');
    });
}

/** The error a transaction answers: dynalite's own (as it reported it) or an internal failure. */
function errorOf(error: unknown): DynamoError {
  if (error instanceof DynamoError) return error;
  const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
  return new DynamoError(name || 'InternalServerError', message, $metadata?.httpStatusCode ?? 500);
}
