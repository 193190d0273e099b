/**
 * Counts a process's DynamoDB calls by command name — a middleware on the document client every store call
 * of the server goes through (Bankgate's `wiring.documentClient`, the peer adapter's client) — and the
 * on-demand request units they would consume on DynamoDB, from the item sizes seen (approximated by the JSON
 * length of each item): a read unit per 4 KB strongly consistent (half eventually consistent), a write unit
 * per 1 KB, twice both inside a transaction (every TransactWriteItems item, its ConditionChecks included,
 * counted as a 1 KB transactional write where its size is not in the request).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Per command name (e.g. `GetItem`, `TransactWriteItems`, `KMS Sign`), plus the request units under `UNITS`. */
export type StoreCalls = Record<string, number>;

export const UNITS = { read: 'units:RRU', write: 'units:WRU' } as const;
export const KMS_PREFIX = 'KMS ';

const size = (item: unknown) => (item === undefined ? 0 : JSON.stringify(item).length);
const readUnits = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

interface Input {
  TableName?: string;
  ConsistentRead?: boolean;
  Item?: unknown;
  TransactItems?: { Put?: { Item?: unknown } }[];
  RequestItems?: Record<string, { ConsistentRead?: boolean }>;
}
interface Output {
  Item?: unknown;
  Items?: unknown[];
  Attributes?: unknown;
  Responses?: Record<string, unknown[]>;
}

function unitsOf(command: string, input: Input, output: Output): { read: number; write: number } {
  switch (command) {
    case 'GetItem':
      return { read: readUnits(size(output.Item), input.ConsistentRead === true), write: 0 };
    case 'Query':
    case 'Scan':
      return {
        read: readUnits(
          (output.Items ?? []).reduce<number>((sum, item) => sum + size(item), 0),
          input.ConsistentRead === true,
        ),
        write: 0,
      };
    case 'BatchGetItem':
      return {
        read: Object.entries(output.Responses ?? {}).reduce(
          (sum, [table, items]) =>
            sum +
            items.reduce<number>(
              (s, item) => s + readUnits(size(item), input.RequestItems?.[table]?.ConsistentRead === true),
              0,
            ),
          0,
        ),
        write: 0,
      };
    case 'PutItem':
      return { read: 0, write: writeUnits(size(input.Item)) };
    case 'UpdateItem':
    case 'DeleteItem':
      return { read: 0, write: writeUnits(size(output.Attributes)) };
    case 'TransactWriteItems':
      return {
        read: 0,
        write: (input.TransactItems ?? []).reduce((sum, item) => sum + 2 * writeUnits(size(item.Put?.Item)), 0),
      };
    default:
      return { read: 0, write: 0 };
  }
}

export function countStoreCalls(doc: DynamoDBDocumentClient, mark: (table: string | undefined) => string = () => '') {
  let calls: StoreCalls = {};
  const add = (key: string, n: number) => {
    calls[key] = (calls[key] ?? 0) + n;
  };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Input;
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      add(`${name}${mark(input.TableName)}`, 1);
      const result = await next(args);
      const units = unitsOf(name, input, result.output as Output);
      add(UNITS.read, units.read);
      add(UNITS.write, units.write);
      return result;
    },
    { step: 'initialize', name: 'benchStoreCallCounter' },
  );
  return {
    /** A call outside DynamoDB (e.g. a KMS request), counted alongside. */
    add,
    reset: () => {
      calls = {};
    },
    calls: () => calls,
  };
}

const READ_COMMAND = /^(Get|BatchGet|Query|Scan)/;

/** Reads, writes, calls of `marked` (e.g. the bank's data), KMS requests and the commands as text. */
export function summarize(calls: StoreCalls, marked = '') {
  let reads = 0;
  let writes = 0;
  let other = 0;
  let kms = 0;
  const listed: [string, number][] = [];
  for (const [command, count] of Object.entries(calls)) {
    if (command.startsWith('units:')) continue;
    listed.push([command, count]);
    if (command.startsWith(KMS_PREFIX)) kms += count;
    else if (marked && command.endsWith(marked)) other += count;
    else if (READ_COMMAND.test(command)) reads += count;
    else writes += count;
  }
  const byCommand =
    listed
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([command, count]) => `${command} ${count.toFixed(2)}`)
      .join(', ') || 'none';
  return {
    reads,
    writes,
    marked: other,
    kms,
    rru: calls[UNITS.read] ?? 0,
    wru: calls[UNITS.write] ?? 0,
    byCommand,
  };
}
