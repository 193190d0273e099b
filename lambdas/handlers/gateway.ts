/**
 * Catalog-driven gateway APIs (mTLS origin): `GET|POST /gateway/{proxy+}`. Per call: the access token
 * (one conditional write: binding, expiry, revocation and usage quota; first, so a caller without a valid
 * token learns nothing about the catalog: 401 before 404), the catalog item (one consistent read, so
 * administrators' changes apply to the next call), the Taiwan headers, the scope group the customer
 * granted, the identity headers, the request JOSE policy, the backend (sample bank or upstream HTTPS), the
 * response JOSE policy. Errors are OAuth JSON: `{ error, error_description }`.
 */
import type { Client } from '../domain/client';
import { signingKeysOf } from '../domain/client-keys';
import { requireApprovedApi, requireGrantedGroup } from '../domain/gateway/authorization';
import {
  type ApiDefinition,
  apiIdOf,
  CATALOG_PATH,
  type JoseMode,
  requestPolicyProblemOf,
} from '../domain/gateway/catalog';
import {
  decryptRequestJwe,
  detachedResponseSignature,
  encryptResponse,
  JoseError,
  responseEncryptionKey,
  signResponse,
  verifyDetachedSignature,
  verifyRequestJws,
} from '../domain/gateway/jose-policy';
import { callSampleBank } from '../domain/gateway/sample-bank';
import { taiwanHeaders } from '../domain/gateway/taiwan-headers';
import { callUpstream, requireOwnIdentityHeaders, UpstreamUnavailable } from '../domain/gateway/upstream';
import type { TokenRecord } from '../domain/model';
import { InvalidRequest, OAuthError, ServerError } from '../errors';
import { bearerStep, requireScope } from '../http/bearer';
import { type HttpRequest, type HttpResponse, httpHandler } from '../http/handler';
import { header, mediaType, rawBodyBytes } from '../http/request';
import { runSteps } from '../http/steps';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

const JOSE_TYPE = 'application/jose';

interface GatewayCall {
  readonly request: HttpRequest;
  readonly now: number;
  catalogItem: Promise<ApiDefinition | undefined>;
  api: ApiDefinition;
  token: TokenRecord;
  subject: string;
  client?: Client;
  /** The request body's plaintext (after the request policy); undefined for GET. */
  body?: Uint8Array;
  encryptTo?: ReturnType<typeof responseEncryptionKey>;
  result: { status: number; contentType: string; body: Uint8Array };
  response: HttpResponse;
}

const read = (call: GatewayCall) => (name: string) => header(call.request.event, name);

/**
 * Starts reading the API's catalog item alongside the token's use (one store round trip for both); read on
 * every call, never cached, so an administrator's change applies to the next call.
 */
function readCatalogItem(call: GatewayCall) {
  const { httpMethod, pathParameters } = call.request.event;
  const path = `/${pathParameters?.proxy ?? ''}`;
  call.catalogItem = CATALOG_PATH.test(path)
    ? wiring.apiCatalog.get(apiIdOf(httpMethod, path))
    : Promise.resolve(undefined);
  // Awaited by findApi, or never when the token is refused first.
  call.catalogItem.catch(() => undefined);
}

async function findApi(call: GatewayCall) {
  const api = await call.catalogItem;
  if (!api) {
    const { httpMethod, pathParameters } = call.request.event;
    throw new OAuthError('not_found', `no API ${httpMethod} /${pathParameters?.proxy ?? ''}`, 404);
  }
  call.api = api;
}

function checkTaiwanHeaders(call: GatewayCall) {
  if (call.api.taiwanHeaders) taiwanHeaders(read(call));
}

function authorize(call: GatewayCall) {
  // Approved by the bank for this client (developer-portal API application), from the token already read.
  requireApprovedApi(call.token, call.api);
  // A client's own token (client_credentials) without the group's scope: insufficient_scope (RFC 6750 §3.1).
  // A customer's token carries the scope she granted (RFC 6749 §5.1): a group she did not grant is hers to
  // grant, so the answer says the user has not authorised it, whether or not the fintech asked for it.
  if (call.token.subject === undefined) requireScope(call.token, call.api.scopeGroup);
  ({ subject: call.subject } = requireGrantedGroup(call.token, call.api));
  // For every API (Taiwan ones require X-ClientId): the backend is never told another client's identity.
  requireOwnIdentityHeaders(read(call), call.token.clientId);
}

const needsClientKeys = (policy: ApiDefinition['josePolicy']) =>
  policy.request === 'jws' || policy.request === 'x-jws-signature' || policy.response === 'jwe';

async function loadClient(call: GatewayCall) {
  if (!needsClientKeys(call.api.josePolicy)) return;
  call.client = await wiring.stores.clients.get(call.token.clientId);
  if (!call.client) throw new OAuthError('invalid_client', 'the client is no longer registered', 401);
  // Resolved before the backend runs: a client without an encryption key gets its 400 without side effects.
  if (call.api.josePolicy.response === 'jwe') call.encryptTo = responseEncryptionKey(call.client.jwks);
}

const REQUEST_MEDIA: Record<JoseMode, string> = {
  none: 'application/json',
  'x-jws-signature': 'application/json',
  jws: JOSE_TYPE,
  jwe: JOSE_TYPE,
};

async function readRequestBody(call: GatewayCall) {
  const mode = call.api.josePolicy.request;
  if (call.api.method === 'GET') {
    // A GET has no body, so no request policy; a definition stored before that rule fails closed.
    const problem = requestPolicyProblemOf(call.api.method, mode);
    if (problem) throw new ServerError(`the API is misconfigured: ${problem}`);
    return;
  }
  if (mediaType(call.request.event) !== REQUEST_MEDIA[mode]) {
    throw new InvalidRequest(`content-type must be ${REQUEST_MEDIA[mode]} for this API`);
  }
  const raw = rawBodyBytes(call.request.event);
  const compact = () => Buffer.from(raw).toString('utf8').trim();
  switch (mode) {
    case 'jws':
      call.body = await verifyRequestJws(compact(), signingKeys(call));
      break;
    case 'jwe':
      call.body = await decryptRequestJwe(compact(), (key) => wiring.keys.unwrapKey(key));
      break;
    case 'x-jws-signature':
      await verifyDetachedSignature(read(call)('x-jws-signature'), raw, signingKeys(call), {
        clientId: call.token.clientId,
        now: call.now,
      });
      call.body = raw;
      break;
    default:
      call.body = raw;
  }
}

const signingKeys = (call: GatewayCall) => call.client && signingKeysOf(call.client, wiring.jwksFetch);

function parsedBody(call: GatewayCall): unknown {
  if (call.body === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(call.body).toString('utf8'));
  } catch {
    throw new (call.api.josePolicy.request === 'none' ? InvalidRequest : JoseError)(
      'the request payload is not valid JSON',
    );
  }
}

async function serve(call: GatewayCall) {
  const { backend } = call.api;
  if (backend.type === 'sample-bank') {
    const data = await callSampleBank(wiring.bankData, backend.operation, {
      subject: call.subject,
      accountIds: call.token.accountIds ?? [],
      body: parsedBody(call),
      now: call.now,
    });
    call.result = { status: 200, contentType: 'application/json', body: Buffer.from(JSON.stringify(data)) };
    return;
  }
  // The upstream receives the verified or decrypted payload as JSON, whatever protected it on the way in.
  if (call.body !== undefined) parsedBody(call);
  const headers = read(call);
  try {
    call.result = await callUpstream(
      {
        url: backend.url,
        method: call.api.method,
        query: Object.fromEntries(
          Object.entries(call.request.event.queryStringParameters ?? {}).filter(
            (entry): entry is [string, string] => entry[1] !== undefined,
          ),
        ),
        headers: (name) => (name === 'content-type' && call.body !== undefined ? 'application/json' : headers(name)),
        body: call.body,
        caller: { clientId: call.token.clientId, subject: call.subject, interactionId: call.request.interactionId },
      },
      { issuer: wiring.config.issuer, keys: wiring.keys, now: call.now },
      wiring.upstreamTransport,
    );
  } catch (error) {
    // Why (refused, timed out, untrusted certificate) is for the bank's operators; the TPP gets a 503.
    if (error instanceof UpstreamUnavailable) {
      call.request.log.warn('upstream unavailable', { apiId: call.api.apiId, reason: error.reason });
    }
    throw error;
  }
}

async function protectResponse(call: GatewayCall) {
  const { status, contentType, body } = call.result;
  const plain = (headers: Record<string, string> = {}): HttpResponse => ({
    statusCode: status,
    headers: { 'content-type': contentType, ...headers },
    body: Buffer.from(body).toString('utf8'),
  });
  // Only successful answers are signed or encrypted; an upstream error passes through as it came.
  if (status < 200 || status >= 300) {
    call.response = plain();
    return;
  }
  const jose = (compact: string): HttpResponse => ({
    statusCode: status,
    headers: { 'content-type': JOSE_TYPE },
    body: compact,
  });
  switch (call.api.josePolicy.response) {
    case 'jws':
      call.response = jose(await signResponse(body, wiring.keys));
      break;
    case 'jwe':
      call.response = jose(await encryptResponse(body, call.encryptTo!));
      break;
    case 'x-jws-signature': {
      const { issuer } = wiring.config;
      const signature = await detachedResponseSignature(body, wiring.keys, {
        issuer,
        trustAnchor: new URL(issuer).hostname,
        now: call.now,
      });
      call.response = plain({ 'x-jws-signature': signature });
      break;
    }
    default:
      call.response = plain();
  }
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const call = await runSteps({ request, now: systemClock() } as GatewayCall, [
    readCatalogItem,
    // The API's scope group is required once the API is known (`authorize`).
    bearerStep(),
    findApi,
    checkTaiwanHeaders,
    authorize,
    loadClient,
    readRequestBody,
    serve,
    protectResponse,
  ]);
  request.log.info('gateway call', {
    apiId: call.api.apiId,
    clientId: call.token.clientId,
    status: call.response.statusCode,
  });
  return call.response;
});
