/**
 * Administration API for bank administrators (mTLS origin, a client_credentials token with scope `admin`):
 *   GET|PUT /admin/clients/{clientId}/token-settings   access/refresh token validity and usage quotas
 *   GET|PUT /admin/apis/{apiId}/jose-policy            request/response JOSE policy of a gateway API
 *   GET     /admin/audit?entity=client:tsp2            the change log of one entity, newest first
 * Changes apply to the next call (handlers read clients and the catalog on every request) and each one is
 * audited with who, when, before and after. Bodies are snake_case JSON, validated with zod.
 */
import { z } from 'zod';
import { stores } from '../adapters/dynamodb';
import { dynamoApiCatalog } from '../adapters/dynamodb/apis';
import { dynamoAuditLog } from '../adapters/dynamodb/audit';
import { type TokenSettings, TokenSettingsSchema } from '../domain/client';
import { type JosePolicy, JosePolicySchema } from '../domain/gateway/catalog';
import { authorizeBearer } from '../http/bearer';
import { AccessDenied, InvalidRequest, OAuthError } from '../http/errors';
import { type HttpRequest, type HttpResponse, httpHandler, json } from '../http/handler';
import { header, rawBody } from '../http/request';
import { systemClock } from '../ports/clock';
import type { ApiCatalog, AuditLog } from '../ports/gateway';

export const ADMIN_SCOPE = 'admin';
const AUDIT_PAGE = 50;

let catalog: ApiCatalog | undefined;
let audit: AuditLog | undefined;
const apis = () => (catalog ??= dynamoApiCatalog());
const auditLog = () => (audit ??= dynamoAuditLog());

/** Wire form of TokenSettings; absent or 0 quota = unlimited. */
const TokenSettingsBody = z
  .object({
    access_token_ttl: z.number().int().positive().optional(),
    access_token_max_uses: z.number().int().nonnegative().optional(),
    refresh_token_ttl: z.number().int().positive().optional(),
    refresh_token_max_uses: z.number().int().nonnegative().optional(),
  })
  .strict();

const toWire = (settings: TokenSettings) => ({
  access_token_ttl: settings.accessTokenTtl ?? null,
  access_token_max_uses: settings.accessTokenMaxUses ?? 0,
  refresh_token_ttl: settings.refreshTokenTtl ?? null,
  refresh_token_max_uses: settings.refreshTokenMaxUses ?? 0,
});

const notFound = (what: string) => new OAuthError('not_found', `${what} not found`, 404);

function jsonBody<T>(request: HttpRequest, schema: z.ZodType<T>): T {
  const type = (header(request.event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new InvalidRequest('content-type must be application/json');
  let body: unknown;
  try {
    body = JSON.parse(rawBody(request.event));
  } catch {
    throw new InvalidRequest('request body is not valid JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new InvalidRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

interface AdminCall {
  readonly request: HttpRequest;
  readonly actor: string;
  readonly at: string;
}

async function tokenSettings(call: AdminCall): Promise<HttpResponse> {
  const clientId = call.request.event.pathParameters?.clientId ?? '';
  const client = await stores().clients.get(clientId);
  if (!client) throw notFound(`client ${clientId}`);
  if (call.request.event.httpMethod === 'GET') return json(200, toWire(client.tokenSettings));

  const body = jsonBody(call.request, TokenSettingsBody);
  const after = TokenSettingsSchema.parse({
    accessTokenTtl: body.access_token_ttl,
    accessTokenMaxUses: body.access_token_max_uses,
    refreshTokenTtl: body.refresh_token_ttl,
    refreshTokenMaxUses: body.refresh_token_max_uses,
  });
  await stores().clients.put({ ...client, tokenSettings: after });
  await auditLog().record({
    entity: `client:${clientId}`,
    at: call.at,
    actor: call.actor,
    action: 'token-settings.replace',
    before: toWire(client.tokenSettings),
    after: toWire(after),
  });
  return json(200, toWire(after));
}

async function josePolicy(call: AdminCall): Promise<HttpResponse> {
  const apiId = call.request.event.pathParameters?.apiId ?? '';
  if (call.request.event.httpMethod === 'GET') {
    const api = await apis().get(apiId);
    if (!api) throw notFound(`API ${apiId}`);
    return json(200, api.josePolicy);
  }
  const after: JosePolicy = jsonBody(call.request, JosePolicySchema);
  const api = await apis().get(apiId);
  if (!api) throw notFound(`API ${apiId}`);
  if (api.method === 'GET' && (after.request === 'jws' || after.request === 'jwe')) {
    throw new InvalidRequest('a GET API has no request body to sign or encrypt');
  }
  // One write replaces the policy and returns the one it replaced: the audit's "before" is exact.
  const before = await apis().replaceJosePolicy(apiId, after);
  if (!before) throw notFound(`API ${apiId}`);
  await auditLog().record({
    entity: `api:${apiId}`,
    at: call.at,
    actor: call.actor,
    action: 'jose-policy.replace',
    before,
    after,
  });
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
