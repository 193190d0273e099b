/**
 * What the Lambda code sends to DynamoDB, read from the source: per handler, per table, the IAM action of
 * every command the handler's code can reach. Two steps:
 * 1. Adapters (lambdas/adapters/dynamodb): each function or object member ("unit") sends the commands written
 *    in it (`new GetCommand(...)`, the items of a `TransactWriteCommand`) plus those of the units it calls;
 *    a command's table is the `tableName('<key>')` (or a constant set to one, `TableName: Collections`) next to it,
 *    else the one table of its file, else its caller's.
 * 2. Handlers: the code a handler can reach (its file, then each top-level function, constant or class of
 *    another lambdas/ file that reached code names, transitively) calls store methods through a receiver
 *    named after the store (`wiring.stores.tokens.use(`, `deps.tokens.put(`, `bankData.listAccounts(`), for
 *    the stores the handler takes from the composition root (by name, or `wiring.stores` handed whole to a
 *    use-case, which then sends what it calls on them).
 * A receiver or command this reader does not know fails the analysis, naming the file, so a new store or
 * command cannot slip past the IAM check unread.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TableKey } from '../../lambdas/tables';
import { PROJECT_ROOT } from '../../lib/paths';

const LAMBDAS = join(PROJECT_ROOT, 'lambdas');
const ADAPTERS = join(LAMBDAS, 'adapters', 'dynamodb');
const WIRING = join(LAMBDAS, 'wiring.ts');

/** IAM action of each document-client / low-level command (without the `dynamodb:` prefix). */
const COMMAND_ACTIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
};
/** TransactWriteItems is authorized per item. */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

/** The name a handler's code gives a store, and the adapter factory that builds it. */
const RECEIVERS: Record<string, string> = {
  tokens: 'dynamoTokenStore',
  consents: 'dynamoConsentStore',
  clients: 'dynamoClientStore',
  once: 'dynamoOnceStore',
  authorizations: 'dynamoAuthorizationStore',
  adminStore: 'dynamoAdminStore',
  store: 'dynamoAdminStore',
  audit: 'dynamoAuditLog',
  auditLog: 'dynamoAuditLog',
  apis: 'dynamoApiCatalog',
  apiCatalog: 'dynamoApiCatalog',
  catalog: 'dynamoApiCatalog',
  bank: 'dynamoBankData',
  bankData: 'dynamoBankData',
  grantRegistry: 'dynamoGrantRegistry',
  grants: 'dynamoGrantRegistry',
  portalSessions: 'dynamoPortalSessionStore',
  developers: 'dynamoDeveloperStore',
  reviews: 'dynamoDeveloperStore',
  revokedCertificates: 'dynamoRevokedCertificates',
};

type Operation = { readonly table: TableKey | undefined; readonly action: string };
interface Unit {
  readonly file: string;
  readonly name: string;
  readonly body: string;
  /** The factory (`dynamo...`) this unit is a member of, if any. */
  readonly factory?: string;
}

const read = (file: string) => readFileSync(file, 'utf8');
/** A parameter list: parentheses nested once (default values such as `= documentClient()`), across lines. */
const PARAMS = String.raw`\((?:[^()]|\([^()]*\))*\)`;
const UNIT_START = new RegExp(
  String.raw`^([ \t]*)(?:export\s+)?(?:async\s+)?(?:function\s+|const\s+)?(\w+)\s*(?:<[^>\n]*>)?\s*(?:${PARAMS}\s*(?::[^{\n]+)?\{|(?::|=)\s*(?:async\s*)?${PARAMS}\s*(?::[^=\n]+)?=>)`,
  'gm',
);
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'try', 'do', 'else']);

/** The units of one adapter file, each running from its start to the next unit's start. */
function unitsOf(file: string): Unit[] {
  const source = read(file);
  const starts = [...source.matchAll(UNIT_START)].filter((m) => !KEYWORDS.has(m[2]!));
  let factory: string | undefined;
  return starts.map((match, i) => {
    const name = match[2]!;
    // A unit at the left margin is top level: a factory, or a helper of the file.
    if (match[1] === '') factory = name.startsWith('dynamo') ? name : undefined;
    const end = i + 1 < starts.length ? starts[i + 1]!.index : source.length;
    return {
      file,
      name,
      body: source.slice(match.index, end),
      factory: name.startsWith('dynamo') ? undefined : factory,
    };
  });
}

function tablesIn(text: string): TableKey[] {
  return [...text.matchAll(/tableName\('(\w+)'\)/g)].map(([, key]) => key as TableKey);
}

/** Constants of a file set to a table (`const Collections = tableName('tokenCollections')`), by name. */
function tableAliases(source: string): Map<string, TableKey> {
  return new Map(
    [...source.matchAll(/\b(\w+)\s*=\s*tableName\('(\w+)'\)/g)].map(([, alias, key]) => [alias!, key as TableKey]),
  );
}

/** The tables a unit names by alias: `TableName: Collections`, or the shorthand `TableName` for its own alias. */
function aliasedTablesIn(body: string, aliases: Map<string, TableKey>): TableKey[] {
  const named = [...body.matchAll(/\bTableName(?:\s*:\s*(\w+))?\s*[,}\n]/g)].map(([, alias]) => alias ?? 'TableName');
  return [...new Set(named.flatMap((alias) => (aliases.has(alias) ? [aliases.get(alias)!] : [])))];
}

function adapterUnits(): Unit[] {
  return readdirSync(ADAPTERS)
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => unitsOf(join(ADAPTERS, name)));
}

/** Operations of each adapter unit, `${factory}.${member}` for store members and the bare name for helpers. */
export function adapterOperations(): Map<string, Operation[]> {
  const units = adapterUnits();
  const byName = new Map<string, Unit>();
  for (const unit of units) byName.set(unit.factory ? `${unit.factory}.${unit.name}` : unit.name, unit);
  const cache = new Map<Unit, Operation[]>();

  function operationsOf(unit: Unit, visiting: Set<Unit>): Operation[] {
    const cached = cache.get(unit);
    if (cached) return cached;
    if (visiting.has(unit)) return [];
    visiting.add(unit);
    const source = read(unit.file);
    const fileTables = [...new Set(tablesIn(source))];
    const own = [...new Set([...tablesIn(unit.body), ...aliasedTablesIn(unit.body, tableAliases(source))])];
    const defaultTable = own.length === 1 ? own[0] : fileTables.length === 1 ? fileTables[0] : undefined;
    const ops: Operation[] = [];
    for (const [, command] of unit.body.matchAll(/new (\w+)Command\(/g)) {
      if (command === 'TransactWrite') continue;
      const action = COMMAND_ACTIONS[command!];
      if (!action)
        throw new Error(`${unit.file}: map the IAM action of ${command}Command in test/cdk/dynamo-commands.ts`);
      ops.push({ table: defaultTable, action });
    }
    for (const [, item, key] of unit.body.matchAll(
      /\b(Put|Update|Delete|ConditionCheck):\s*\{\s*TableName:\s*tableName\('(\w+)'\)/g,
    )) {
      ops.push({ table: key as TableKey, action: TRANSACT_ITEM_ACTIONS[item!]! });
    }
    const aliases = tableAliases(source);
    for (const [, item, alias] of unit.body.matchAll(
      /\b(Put|Update|Delete|ConditionCheck):\s*\{\s*TableName(?:\s*:\s*(\w+))?\s*[,}\n]/g,
    )) {
      const table = aliases.get(alias ?? 'TableName');
      if (table) ops.push({ table, action: TRANSACT_ITEM_ACTIONS[item!]! });
    }
    // Units it calls: helpers of its file (or imported from another adapter) and members of its factory.
    for (const [, called] of unit.body.matchAll(/\b(\w+)\s*(?:<(?:[^<>\n]|<[^<>\n]*>)*>)?\(/g)) {
      const callee =
        (unit.factory && byName.get(`${unit.factory}.${called}`)) ??
        (called !== unit.name ? byName.get(called!) : undefined);
      if (!callee || callee === unit) continue;
      for (const op of operationsOf(callee, visiting)) ops.push({ table: op.table ?? defaultTable, action: op.action });
    }
    visiting.delete(unit);
    cache.set(unit, ops);
    return ops;
  }

  return new Map([...byName].map(([name, unit]) => [name, operationsOf(unit, new Set())]));
}

function resolveImport(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts')].find(existsSync);
}

/** Source without comments (a comment naming a function does not reach it). */
const withoutComments = (source: string) =>
  source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\w])\/\/.*$/gm, '$1');

/** A lambdas/ file outside the adapters: its top-level declarations by name, and the names it imports. */
interface SourceFile {
  readonly text: string;
  readonly declarations: ReadonlyMap<string, string>;
  /** Local name -> [file, exported name]. */
  readonly imports: ReadonlyMap<string, readonly [string, string]>;
}

const TOP_LEVEL =
  /^(?:export\s+)?(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+(\w+)/gm;

function sourceFile(file: string): SourceFile {
  const text = withoutComments(read(file));
  const starts = [...text.matchAll(TOP_LEVEL)];
  const declarations = new Map<string, string>();
  starts.forEach((match, i) => {
    declarations.set(match[1]!, text.slice(match.index, starts[i + 1]?.index ?? text.length));
  });
  const imports = new Map<string, readonly [string, string]>();
  for (const [, names, specifier] of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s+'(\.[^']+)'/g)) {
    const target = resolveImport(file, specifier!);
    if (!target?.startsWith(LAMBDAS)) continue;
    for (const name of names!.split(',')) {
      const [exported, local] = name
        .replace(/^\s*type\s+/, '')
        .split(/\s+as\s+/)
        .map((part) => part.trim());
      if (exported) imports.set(local ?? exported, [target, exported]);
    }
  }
  return { text, declarations, imports };
}

/**
 * The code a handler can run: its whole file, then every top-level declaration of another lambdas/ file
 * (outside the adapters and the composition root) that reached code names, transitively. A use-case file's
 * other functions (the one another handler calls) are not reached.
 */
function reachableCode(entry: string): string[] {
  const files = new Map<string, SourceFile>();
  const fileOf = (path: string) => {
    const parsed = files.get(path) ?? sourceFile(path);
    files.set(path, parsed);
    return parsed;
  };
  const reached: string[] = [];
  const seen = new Set<string>();
  const pending: (readonly [string, string])[] = [[entry, fileOf(entry).text]];
  while (pending.length > 0) {
    const [file, body] = pending.pop()!;
    reached.push(body);
    const parsed = fileOf(file);
    // A name after one dot is a property, after a spread (`...name`) the name.
    for (const [, name] of body.matchAll(/(?<![\w$])(?<![^.]\.)([A-Za-z_$][\w$]*)/g)) {
      const imported = parsed.imports.get(name!);
      const [target, declared] = imported ?? [file, name!];
      if (target.startsWith(ADAPTERS) || target === WIRING) continue;
      const key = `${target}#${declared}`;
      if (seen.has(key)) continue;
      const declaration = fileOf(target).declarations.get(declared);
      if (declaration === undefined || (target === entry && !imported)) continue;
      seen.add(key);
      pending.push([target, declaration]);
    }
  }
  return reached;
}

/** The parts of the composition root (lambdas/wiring.ts) that are DynamoDB adapters, by their factory. */
const WIRING_PARTS: Record<string, string> = {
  grantRegistry: 'dynamoGrantRegistry',
  bankData: 'dynamoBankData',
  apiCatalog: 'dynamoApiCatalog',
  adminStore: 'dynamoAdminStore',
  auditLog: 'dynamoAuditLog',
  developers: 'dynamoDeveloperStore',
};

/** The stores `wiring.stores` holds, by the names `createStores` gives them. */
function storeNames(): string[] {
  const source = read(join(ADAPTERS, 'index.ts'));
  return [...source.matchAll(/^\s*(\w+):\s*dynamo\w+\(/gm)].map(([, name]) => name!);
}

/** Getters of the composition root that bundle other parts, by name: their bodies. */
function compositeParts(): Map<string, string> {
  const source = read(WIRING);
  const getters = [...source.matchAll(/^ {2}get (\w+)\(\)/gm)];
  return new Map(
    getters
      .map((match, i) => [match[1]!, source.slice(match.index, getters[i + 1]?.index ?? source.length)] as const)
      .filter(([name, body]) => name !== 'stores' && !WIRING_PARTS[name] && /wiring\.(stores|\w+)/.test(body)),
  );
}

/**
 * The stores a handler's code takes from the composition root (`wiring.stores.tokens`, `{ tokens } =
 * wiring.stores`, `wiring.bankData`): a use-case written against `deps.tokens` that the handler merely
 * imports (for a type or another export) sends nothing for it.
 */
function wiredReceivers(source: string): Set<string> {
  const wired = new Set<string>();
  for (const [, receiver] of source.matchAll(/wiring\.stores\.(\w+)/g)) wired.add(receiver!);
  // `wiring.stores` handed whole to a use-case: it reaches what the use-case calls on them (read below).
  if (/wiring\.stores\b(?!\.)/.test(source)) for (const name of storeNames()) wired.add(name);
  for (const [, names] of source.matchAll(/\{([^{}]*)\}\s*=\s*wiring\.stores\b/g)) {
    for (const name of names!.split(',')) wired.add(name.split(':')[0]!.trim());
  }
  for (const [, part] of source.matchAll(/wiring\.(\w+)/g)) {
    // A part built from other parts (`wiring.admin` = adminStore, auditLog, stores.clients) wires those.
    const composite = compositeParts().get(part!);
    if (composite) for (const receiver of wiredReceivers(composite)) wired.add(receiver);
    const factory = WIRING_PARTS[part!];
    for (const [receiver, built] of Object.entries(RECEIVERS)) if (factory && built === factory) wired.add(receiver);
  }
  return wired;
}

/** Per table, the sorted IAM actions (without prefix) the code of handler `id` sends. */
export function dynamoActionsOfHandler(id: string): Partial<Record<TableKey, string[]>> {
  const operations = adapterOperations();
  const result = new Map<TableKey, Set<string>>();
  // The adapters are read in step 1; the composition root builds every store, each handler takes some.
  const reached = reachableCode(join(LAMBDAS, 'handlers', `${id}.ts`));
  const wired = wiredReceivers(reached.join('\n'));
  for (const source of reached) {
    for (const [, factory] of source.matchAll(/\b(dynamo[A-Z]\w*)\(/g)) {
      if (!Object.values(RECEIVERS).includes(factory!)) {
        throw new Error(`${factory}(): name its receiver in RECEIVERS of test/cdk/dynamo-commands.ts`);
      }
    }
    for (const [, receiver, method] of source.matchAll(
      /\b(\w+)(?:\(\))?\??\.(\w+)\s*(?:<(?:[^<>\n]|<[^<>\n]*>)*>)?\(/g,
    )) {
      const factory = wired.has(receiver!) ? RECEIVERS[receiver!] : undefined;
      const ops = factory && operations.get(`${factory}.${method}`);
      if (!ops) continue;
      for (const { table, action } of ops) {
        if (!table) throw new Error(`handler ${id}: no table for ${action} of ${receiver}.${method}`);
        result.set(table, new Set([...(result.get(table) ?? []), action]));
      }
    }
  }
  return Object.fromEntries([...result].map(([table, actions]) => [table, [...actions].sort()]));
}
