/**
 * Administration API for the bank's automation (mTLS origin, a client_credentials token with scope `admin`):
 *   GET     /admin/clients?limit&cursor                registered clients, a bounded page in client-id order
 *   GET     /admin/clients/{clientId}                  one registration (public parts)
 *   GET|PUT /admin/clients/{clientId}/token-settings   access/refresh token validity and usage quotas
 *   GET     /admin/apis?limit&cursor                   the gateway API catalog, a bounded page
 *   GET|PUT /admin/apis/{apiId}                        a gateway API's definition (PUT creates or replaces it)
 *   GET|PUT /admin/apis/{apiId}/jose-policy            request/response JOSE policy of a gateway API
 *   GET     /admin/certificates/revoked                the certificate revocation list (entries in force)
 *   GET|PUT|DELETE /admin/certificates/revoked/{entryId}  one entry: `thumbprint` (x5t#S256) or `issuer_dn` +
 *                                                      `serial_number`, and `reason`; PUT also revokes its tokens
 *   GET     /admin/audit[?entity=client:tsp2]          the change log (of one entity), newest first, bounded
 *   GET     /admin/reviews                             the Approvals queue: open developer-portal submissions, oldest first
 *   POST    /admin/reviews/{reviewId}/decision         approve, return (comment required) or deny one (`domain/admin/approvals.ts`)
 * The use-cases are `domain/admin/changes.ts`, shared with the admin console API (`admin-console.ts`). A GET
 * of a versioned entity answers its version as the ETag; a PUT with `If-Match` changes only that version.
 * Changes apply to the next call; each is written with its audit record, or not at all (409 `conflict`).
 */

import { approvalQueue, DecisionBody, decide } from '../domain/admin/approvals';
import {
  type AdminCommand,
  auditTrail,
  listApis,
  listClients,
  notFound,
  pageRequest,
  putApi,
  readApi,
  readClient,
  readTokenSettings,
  replaceJosePolicy,
  replaceTokenSettings,
} from '../domain/admin/changes';
import { ApiDefinitionBody, parseBody, TokenSettingsBody } from '../domain/admin/records';
import {
  liftRevokedCertificate,
  listRevokedCertificates,
  parseRevokedCertificateBody,
  putRevokedCertificate,
  readRevokedCertificate,
} from '../domain/admin/revoked-certificates';
import { ADMIN_SCOPE } from '../domain/client';
import { reviewRecord } from '../domain/developer/reviews';
import { JosePolicySchema } from '../domain/gateway/catalog';
import type { TokenRecord } from '../domain/model';
import { AccessDenied } from '../errors';
import { bearerStep } from '../http/bearer';
import { type HttpRequest, type HttpResponse, httpHandler, json, noContent } from '../http/handler';
import { ifMatchVersion, oauthJsonBody, versionTag } from '../http/request';
import { runSteps } from '../http/steps';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

const adminDeps = () => wiring.admin;

interface AdminCall {
  readonly request: HttpRequest;
  readonly now: number;
  token: TokenRecord;
  command: AdminCommand;
  response: HttpResponse;
}

type Route = (call: AdminCall, path: Record<string, string>) => Promise<HttpResponse>;

const query = (call: AdminCall, name: string) => call.request.event.queryStringParameters?.[name] ?? undefined;
const isGet = (call: AdminCall) => call.request.event.httpMethod === 'GET';
const body = <T>(call: AdminCall, schema: Parameters<typeof parseBody<T>>[1]) =>
  parseBody(oauthJsonBody(call.request.event), schema);

const routes: Record<string, Route> = {
  '/admin/clients': async (call) =>
    json(200, await listClients(adminDeps(), pageRequest(query(call, 'limit'), query(call, 'cursor')))),
  '/admin/clients/{clientId}': async (_call, { clientId }) => json(200, await readClient(adminDeps(), clientId!)),
  '/admin/clients/{clientId}/token-settings': async (call, { clientId }) => {
    const result = isGet(call)
      ? await readTokenSettings(adminDeps(), clientId!)
      : await replaceTokenSettings(adminDeps(), call.command, clientId!, body(call, TokenSettingsBody));
    return json(200, result.value, versionTag(result.version));
  },
  '/admin/apis': async (call) =>
    json(200, await listApis(adminDeps(), pageRequest(query(call, 'limit'), query(call, 'cursor')))),
  '/admin/apis/{apiId}': async (call, { apiId }) => {
    if (isGet(call)) {
      const api = await readApi(adminDeps(), apiId!);
      return json(200, api.value, versionTag(api.version));
    }
    const result = await putApi(adminDeps(), call.command, apiId!, body(call, ApiDefinitionBody));
    return json(result.created ? 201 : 200, result.value, versionTag(result.version));
  },
  '/admin/apis/{apiId}/jose-policy': async (call, { apiId }) => {
    if (isGet(call)) {
      const api = await readApi(adminDeps(), apiId!);
      return json(200, api.value.jose_policy, versionTag(api.version));
    }
    const result = await replaceJosePolicy(adminDeps(), call.command, apiId!, body(call, JosePolicySchema));
    return json(200, result.value, versionTag(result.version));
  },
  '/admin/reviews': async () => json(200, { items: (await approvalQueue(wiring.approvals)).map(reviewRecord) }),
  '/admin/reviews/{reviewId}/decision': async (call, { reviewId }) => {
    const { decision, comment } = body(call, DecisionBody);
    return json(200, reviewRecord(await decide(wiring.approvals, call.command, reviewId!, decision, comment)));
  },
  '/admin/certificates/revoked': async () => json(200, await listRevokedCertificates(wiring.stores)),
  '/admin/certificates/revoked/{entryId}': async (call, { entryId }) => {
    switch (call.request.event.httpMethod) {
      case 'GET':
        return json(200, await readRevokedCertificate(wiring.stores, entryId!));
      case 'DELETE':
        await liftRevokedCertificate(wiring.stores, call.command, entryId!);
        return noContent();
      default: {
        const body = parseRevokedCertificateBody(oauthJsonBody(call.request.event));
        const result = await putRevokedCertificate(wiring.stores, call.command, entryId!, body);
        return json(result.created ? 201 : 200, result.value);
      }
    }
  },
  '/admin/audit': async (call) => {
    const entity = query(call, 'entity');
    return json(200, { ...(entity ? { entity } : {}), changes: await auditTrail(adminDeps(), entity) });
  },
};

function adminClient(call: AdminCall) {
  const { token } = call;
  // The bank's own automation acts as a client, never on a customer's behalf.
  if (token.subject !== undefined) throw new AccessDenied('a client_credentials token is required');
  call.command = {
    actor: { kind: 'client', id: token.clientId },
    at: new Date().toISOString(),
    ifVersion: ifMatchVersion(call.request.event),
  };
}

async function route(call: AdminCall) {
  const run = routes[call.request.event.resource];
  if (!run) throw notFound('resource');
  call.response = await run(call, (call.request.event.pathParameters ?? {}) as Record<string, string>);
  if (!isGet(call)) {
    call.request.log.info('admin change', { actor: call.command.actor.id, resource: call.request.event.resource });
  }
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const call = await runSteps({ request, now: systemClock() } as AdminCall, [
    bearerStep(ADMIN_SCOPE),
    adminClient,
    route,
  ]);
  return call.response;
});
