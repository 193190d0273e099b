/**
 * Administration API for bank administrators (mTLS origin, a client_credentials token with scope `admin`):
 *   GET|PUT /admin/clients/{clientId}/token-settings   access/refresh token validity and usage quotas
 *   GET|PUT /admin/apis/{apiId}                        a gateway API's definition (PUT creates or replaces it)
 *   GET|PUT /admin/apis/{apiId}/jose-policy            request/response JOSE policy of a gateway API
 *   GET     /admin/audit?entity=client:tsp2            the change log of one entity, newest first
 * Changes apply to the next call (handlers read clients and the catalog on every request). Each one is
 * written in one transaction with its audit record (who, when, before, after), on condition that nobody
 * changed the entity since this request read it: a lost race answers 409 `conflict` and writes nothing.
 * Bodies are snake_case JSON, validated with zod/mini.
 */

import { stores } from '../adapters/dynamodb';
import { dynamoAdminStore } from '../adapters/dynamodb/admin-store';
import { dynamoAuditLog } from '../adapters/dynamodb/audit';
import { type TokenSettings, TokenSettingsSchema } from '../domain/client';
import { type ApiDefinition, ApiDefinitionSchema, type JosePolicy, JosePolicySchema } from '../domain/gateway/catalog';
import { AccessDenied, InvalidRequest, OAuthError } from '../errors';
import { authorizeBearer } from '../http/bearer';
import { type HttpRequest, type HttpResponse, httpHandler, json } from '../http/handler';
import { oauthJsonBody } from '../http/request';
import { systemClock } from '../ports/clock';
import { type AdminChange, type AdminStore, type AuditEntry, type AuditLog, ConflictingChange } from '../ports/gateway';
import * as z from '../validation';

export const ADMIN_SCOPE = 'admin';
const AUDIT_PAGE = 50;

let admin: AdminStore | undefined;
let audit: AuditLog | undefined;
const adminStore = () => (admin ??= dynamoAdminStore());
const auditLog = () => (audit ??= dynamoAuditLog());

/** Wire form of TokenSettings; absent or 0 quota = unlimited. */
const TokenSettingsBody = z.strictObject({
  access_token_ttl: z.optional(z.int().check(z.positive())),
  access_token_max_uses: z.optional(z.int().check(z.nonnegative())),
  refresh_token_ttl: z.optional(z.int().check(z.positive())),
  refresh_token_max_uses: z.optional(z.int().check(z.nonnegative())),
});

const tokenSettingsWire = (settings: TokenSettings) => ({
  access_token_ttl: settings.accessTokenTtl ?? null,
  access_token_max_uses: settings.accessTokenMaxUses ?? 0,
  refresh_token_ttl: settings.refreshTokenTtl ?? null,
  refresh_token_max_uses: settings.refreshTokenMaxUses ?? 0,
});

/** Wire name -> ApiDefinition field. `api_id` is not among them: it is the path parameter. */
const API_FIELDS = {
  name: 'name',
  method: 'method',
  path: 'path',
  scope_group: 'scopeGroup',
  backend: 'backend',
  jose_policy: 'josePolicy',
  taiwan_headers: 'taiwanHeaders',
} as const satisfies Record<string, keyof ApiDefinition>;
const WIRE_NAME: Record<string, string> = Object.fromEntries(Object.entries(API_FIELDS).map(([w, f]) => [f, w]));

/** Wire body -> definition, validated by the catalog schema; problems are reported with wire names. */
const ApiDefinitionBody = z.pipe(
  z.partialRecord(z.enum(Object.keys(API_FIELDS) as [keyof typeof API_FIELDS]), z.unknown()),
  z.transform((body) =>
    Object.fromEntries(
      Object.entries(body).map(([name, value]) => [API_FIELDS[name as keyof typeof API_FIELDS], value]),
    ),
  ),
);

const apiWire = (api: ApiDefinition) => ({
  api_id: api.apiId,
  name: api.name,
  method: api.method,
  path: api.path,
  scope_group: api.scopeGroup,
  backend: api.backend,
  jose_policy: api.josePolicy,
  taiwan_headers: api.taiwanHeaders,
});

const notFound = (what: string) => new OAuthError('not_found', `${what} not found`, 404);

function problems(issues: readonly z.core.$ZodIssue[]): InvalidRequest {
  return new InvalidRequest(
    issues
      .map((issue) => {
        const [first, ...rest] = issue.path.map(String);
        const path = [first === undefined ? 'body' : (WIRE_NAME[first] ?? first), ...rest].join('.');
        return `${path}: ${issue.message}`;
      })
      .join('; '),
  );
}

function jsonBody<T>(request: HttpRequest, schema: z.ZodMiniType<T>): T {
  const parsed = schema.safeParse(oauthJsonBody(request.event));
  if (!parsed.success) throw problems(parsed.error.issues);
  return parsed.data;
}

interface AdminCall {
  readonly request: HttpRequest;
  readonly actor: string;
  readonly at: string;
}

/** Writes the change with its audit record; a lost race is the caller's 409. */
async function commit(call: AdminCall, change: AdminChange, entry: Omit<AuditEntry, 'at' | 'actor'>): Promise<void> {
  try {
    await adminStore().commit(change, { ...entry, at: call.at, actor: call.actor });
  } catch (error) {
    if (error instanceof ConflictingChange) {
      throw new OAuthError('conflict', `${entry.entity} was changed by another request; read it again and retry`, 409);
    }
    throw error;
  }
}

async function tokenSettings(call: AdminCall): Promise<HttpResponse> {
  const clientId = call.request.event.pathParameters?.clientId ?? '';
  const current = await adminStore().tokenSettings(clientId);
  if (!current) throw notFound(`client ${clientId}`);
  if (call.request.event.httpMethod === 'GET') return json(200, tokenSettingsWire(current.value));

  const body = jsonBody(call.request, TokenSettingsBody);
  const settings = TokenSettingsSchema.parse({
    accessTokenTtl: body.access_token_ttl,
    accessTokenMaxUses: body.access_token_max_uses,
    refreshTokenTtl: body.refresh_token_ttl,
    refreshTokenMaxUses: body.refresh_token_max_uses,
  });
  await commit(
    call,
    { kind: 'token-settings', clientId, version: current.version, settings },
    {
      entity: `client:${clientId}`,
      action: 'token-settings.replace',
      before: tokenSettingsWire(current.value),
      after: tokenSettingsWire(settings),
    },
  );
  return json(200, tokenSettingsWire(settings));
}

async function apiDefinition(call: AdminCall): Promise<HttpResponse> {
  const apiId = call.request.event.pathParameters?.apiId ?? '';
  const current = await adminStore().api(apiId);
  if (call.request.event.httpMethod === 'GET') {
    if (!current) throw notFound(`API ${apiId}`);
    return json(200, apiWire(current.value));
  }
  const fields = jsonBody(call.request, ApiDefinitionBody);
  const parsed = ApiDefinitionSchema.safeParse({ ...fields, apiId });
  if (!parsed.success) throw problems(parsed.error.issues);
  const api = parsed.data;
  await commit(
    call,
    { kind: 'api', api, version: current?.version },
    {
      entity: `api:${apiId}`,
      action: current ? 'definition.replace' : 'definition.create',
      before: current ? apiWire(current.value) : null,
      after: apiWire(api),
    },
  );
  return json(current ? 200 : 201, apiWire(api));
}

async function josePolicy(call: AdminCall): Promise<HttpResponse> {
  const apiId = call.request.event.pathParameters?.apiId ?? '';
  if (call.request.event.httpMethod === 'GET') {
    const current = await adminStore().api(apiId);
    if (!current) throw notFound(`API ${apiId}`);
    return json(200, current.value.josePolicy);
  }
  const after: JosePolicy = jsonBody(call.request, JosePolicySchema);
  const current = await adminStore().api(apiId);
  if (!current) throw notFound(`API ${apiId}`);
  if (current.value.method === 'GET' && (after.request === 'jws' || after.request === 'jwe')) {
    throw new InvalidRequest('a GET API has no request body to sign or encrypt');
  }
  await commit(
    call,
    { kind: 'api', api: { ...current.value, josePolicy: after }, version: current.version },
    { entity: `api:${apiId}`, action: 'jose-policy.replace', before: current.value.josePolicy, after },
  );
  return json(200, after);
}

async function auditTrail(call: AdminCall): Promise<HttpResponse> {
  const entity = call.request.event.queryStringParameters?.entity;
  if (!entity || !/^(client|api):[\w.:-]{1,300}$/.test(entity)) {
    throw new InvalidRequest('entity must be client:<clientId> or api:<apiId>');
  }
  return json(200, { entity, changes: await auditLog().list(entity, AUDIT_PAGE) });
}

const routes: Record<string, (call: AdminCall) => Promise<HttpResponse>> = {
  '/admin/clients/{clientId}/token-settings': tokenSettings,
  '/admin/apis/{apiId}': apiDefinition,
  '/admin/apis/{apiId}/jose-policy': josePolicy,
  '/admin/audit': auditTrail,
};

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const route = routes[request.event.resource];
  if (!route) throw notFound('resource');
  const now = systemClock();
  const token = await authorizeBearer(request, { tokens: stores().tokens, now }, ADMIN_SCOPE);
  // The bank's own administrators act as a client, never on a customer's behalf.
  if (token.subject !== undefined) throw new AccessDenied('a client_credentials token is required');
  const response = await route({ request, actor: token.clientId, at: new Date().toISOString() });
  if (request.event.httpMethod === 'PUT')
    request.log.info('admin change', { actor: token.clientId, resource: request.event.resource });
  return response;
});
