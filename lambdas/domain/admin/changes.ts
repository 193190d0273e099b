/**
 * The administration use-cases, one implementation for both surfaces: the mTLS admin API (the bank's
 * automation, an `admin` client token) and the admin console API (bank administrators signed in through
 * the staff IdP). Each change is read, checked, and written with its audit record in one transaction on
 * condition that the entity is still at the version that was read (`AdminStore.commit`).
 *
 * `ifVersion` is the version the caller last saw (HTTP `If-Match`): a person who edited a form on an old
 * read gets the conflict instead of silently overwriting a colleague's change. Without it the change is
 * conditional on this request's own read, which still rules out lost updates between concurrent requests.
 */
import { InvalidRequest, OAuthError } from '../../errors';
import {
  type Actor,
  type AdminChange,
  type AdminStore,
  type AuditEntry,
  type AuditLog,
  ConflictingChange,
  InvalidCursor,
  type Page,
  type PageRequest,
  type Versioned,
} from '../../ports/admin';
import type { ClientStore } from '../../ports/store';
import { TokenSettingsSchema } from '../client';
import { type ApiDefinition, ApiDefinitionSchema, apiIdOf, type JosePolicy } from '../gateway/catalog';
import { UpstreamHostRefused } from '../gateway/upstream-address';
import {
  type ApiRecord,
  apiRecord,
  type ClientRecord,
  clientRecord,
  parseBody,
  type TokenSettingsBody,
  type TokenSettingsRecord,
  tokenSettingsOf,
  tokenSettingsRecord,
} from './records';

export interface AdminDeps {
  readonly store: AdminStore;
  readonly audit: Pick<AuditLog, 'list' | 'recent'>;
  readonly clients: Pick<ClientStore, 'get'>;
  /** Throws UpstreamHostRefused for an upstream URL the gateway may not call (`gateway/upstream-address.ts`). */
  readonly checkUpstreamUrl: (url: string) => Promise<void>;
}

/** Who asks, when, and (optionally) which version of the entity they changed. */
export interface AdminCommand {
  readonly actor: Actor;
  /** ISO 8601 time of the request. */
  readonly at: string;
  readonly ifVersion?: number;
}

/** Bounds of every listing: a page holds at most this many items. */
export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 50;
/** The audit log shows at most this many changes at once. */
export const AUDIT_PAGE = 50;

export const notFound = (what: string) => new OAuthError('not_found', `${what} not found`, 404);

export class ChangeConflict extends OAuthError {
  constructor(entity: string) {
    super('conflict', `${entity} was changed by another request; read it again and retry`, 409);
  }
}

/** Fails early when the caller edited an older version than the one just read. */
function checkVersion(entity: string, read: number, command: AdminCommand): void {
  if (command.ifVersion !== undefined && command.ifVersion !== read) throw new ChangeConflict(entity);
}

async function commit(
  deps: AdminDeps,
  command: AdminCommand,
  change: AdminChange,
  entry: Omit<AuditEntry, 'at' | 'actor'>,
): Promise<void> {
  try {
    await deps.store.commit(change, { ...entry, at: command.at, actor: command.actor });
  } catch (error) {
    // Another change was written between our read and our write: nothing of ours was.
    if (error instanceof ConflictingChange) throw new ChangeConflict(entry.entity);
    throw error;
  }
}

export async function readClient(deps: AdminDeps, clientId: string): Promise<ClientRecord> {
  const client = await deps.clients.get(clientId);
  if (!client) throw notFound(`client ${clientId}`);
  return clientRecord(client);
}

export async function readTokenSettings(deps: AdminDeps, clientId: string): Promise<Versioned<TokenSettingsRecord>> {
  const current = await deps.store.tokenSettings(clientId);
  if (!current) throw notFound(`client ${clientId}`);
  return { value: tokenSettingsRecord(current.value), version: current.version };
}

export async function replaceTokenSettings(
  deps: AdminDeps,
  command: AdminCommand,
  clientId: string,
  body: TokenSettingsBody,
): Promise<Versioned<TokenSettingsRecord>> {
  const entity = `client:${clientId}`;
  const current = await deps.store.tokenSettings(clientId);
  if (!current) throw notFound(`client ${clientId}`);
  checkVersion(entity, current.version, command);
  const settings = parseBody(tokenSettingsOf(body), TokenSettingsSchema);
  await commit(
    deps,
    command,
    { kind: 'token-settings', clientId, version: current.version, settings },
    {
      entity,
      action: 'token-settings.replace',
      before: tokenSettingsRecord(current.value),
      after: tokenSettingsRecord(settings),
    },
  );
  return { value: tokenSettingsRecord(settings), version: current.version + 1 };
}

export async function readApi(deps: AdminDeps, apiId: string): Promise<Versioned<ApiRecord>> {
  const current = await deps.store.api(apiId);
  if (!current) throw notFound(`API ${apiId}`);
  return { value: apiRecord(current.value), version: current.version };
}

/**
 * A definition the catalog schema accepts and whose upstream host resolves, now, only to addresses the
 * gateway may call (it checks again on every connection).
 */
async function validDefinition(deps: AdminDeps, input: Record<string, unknown>): Promise<ApiDefinition> {
  const api = parseBody(input, ApiDefinitionSchema);
  if (api.backend.type === 'upstream') {
    try {
      await deps.checkUpstreamUrl(api.backend.url);
    } catch (error) {
      if (error instanceof UpstreamHostRefused) throw new InvalidRequest(`backend.url: ${error.message}`);
      throw error;
    }
  }
  return api;
}

/** Registers (`created`) or replaces a whole definition; the catalog schema decides what is valid. */
export async function putApi(
  deps: AdminDeps,
  command: AdminCommand,
  apiId: string,
  fields: Record<string, unknown>,
): Promise<{ readonly created: boolean } & Versioned<ApiRecord>> {
  const entity = `api:${apiId}`;
  const api = await validDefinition(deps, { ...fields, apiId });
  const current = await deps.store.api(apiId);
  if (current) checkVersion(entity, current.version, command);
  else if (command.ifVersion !== undefined) throw new ChangeConflict(entity);
  await commit(
    deps,
    command,
    { kind: 'api', api, version: current?.version },
    {
      entity,
      action: current ? 'definition.replace' : 'definition.create',
      before: current ? apiRecord(current.value) : null,
      after: apiRecord(api),
    },
  );
  return { created: !current, value: apiRecord(api), version: (current?.version ?? 0) + 1 };
}

/** Registers a new API under the key of its method and path; an API already there is a conflict, never replaced. */
export async function registerApi(
  deps: AdminDeps,
  command: AdminCommand,
  fields: Record<string, unknown>,
): Promise<Versioned<ApiRecord>> {
  const { method, path } = fields;
  if (typeof method !== 'string' || typeof path !== 'string') {
    throw new InvalidRequest('method and path are required');
  }
  const apiId = apiIdOf(method, path);
  const api = await validDefinition(deps, { ...fields, apiId });
  const exists = () => new OAuthError('conflict', `an API for ${api.method} ${api.path} is already registered`, 409);
  if (await deps.store.api(apiId)) throw exists();
  try {
    // Version undefined: written only where no API exists, so a registration racing this one cannot replace it.
    await commit(
      deps,
      command,
      { kind: 'api', api, version: undefined },
      { entity: `api:${apiId}`, action: 'definition.create', before: null, after: apiRecord(api) },
    );
  } catch (error) {
    if (error instanceof ChangeConflict) throw exists();
    throw error;
  }
  return { value: apiRecord(api), version: 1 };
}

/** Changes only the JOSE policy; the whole definition must stay valid (e.g. no request body JOSE on a GET). */
export async function replaceJosePolicy(
  deps: AdminDeps,
  command: AdminCommand,
  apiId: string,
  policy: JosePolicy,
): Promise<Versioned<JosePolicy>> {
  const entity = `api:${apiId}`;
  const current = await deps.store.api(apiId);
  if (!current) throw notFound(`API ${apiId}`);
  checkVersion(entity, current.version, command);
  const parsed = parseBody({ ...current.value, josePolicy: policy } satisfies ApiDefinition, ApiDefinitionSchema);
  await commit(
    deps,
    command,
    { kind: 'api', api: parsed, version: current.version },
    { entity, action: 'jose-policy.replace', before: current.value.josePolicy, after: policy },
  );
  return { value: policy, version: current.version + 1 };
}

/** `limit` within 1..MAX_PAGE (default DEFAULT_PAGE); a cursor this listing did not hand out is the caller's error. */
export function pageRequest(limit: string | undefined, cursor: string | undefined): PageRequest {
  const n = limit === undefined ? DEFAULT_PAGE : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new InvalidRequest(`limit must be 1 to ${MAX_PAGE}`);
  return { limit: n, ...(cursor ? { cursor } : {}) };
}

async function listed<T, R>(list: () => Promise<Page<T>>, record: (item: T) => R) {
  try {
    const page = await list();
    return { items: page.items.map(record), ...(page.cursor ? { cursor: page.cursor } : {}) };
  } catch (error) {
    if (error instanceof InvalidCursor) throw new InvalidRequest(error.message);
    throw error;
  }
}

export function listClients(deps: AdminDeps, page: PageRequest): Promise<{ items: ClientRecord[]; cursor?: string }> {
  return listed(() => deps.store.clients(page), clientRecord);
}

/** The catalog; each API with the version a change of it must name (`ifVersion`). */
export function listApis(
  deps: AdminDeps,
  page: PageRequest,
): Promise<{ items: (ApiRecord & { version: number })[]; cursor?: string }> {
  return listed(
    () => deps.store.apis(page),
    (api) => ({ ...apiRecord(api.value), version: api.version }),
  );
}

const ENTITY = /^(client|api|certificate|consent|grant):[\w.:-]{1,300}$/;

/** One entity's changes, or (no entity) the latest changes of all; newest first, at most AUDIT_PAGE. */
export async function auditTrail(deps: AdminDeps, entity: string | undefined): Promise<AuditEntry[]> {
  if (entity === undefined) return deps.audit.recent(AUDIT_PAGE);
  if (!ENTITY.test(entity))
    throw new InvalidRequest(
      'entity must be client:<clientId>, api:<apiId>, certificate:<entryId>, consent:<consentId> or grant:<clientId>:<customer>',
    );
  return deps.audit.list(entity, AUDIT_PAGE);
}
