/**
 * Authorization requests on their way to the customer: pushed by the client (PAR, RFC 9126) and stored
 * under a one-time request_uri, or resolved at /authorize (the pushed request consumed, or a signed request
 * object for FAPI 1.0 Advanced), each time with the consent it names checked.
 */
import { AuthorizationRequestError, InvalidRequest } from '../../errors';
import type { AuthorizationStore, ClientStore, ConsentStore } from '../../ports/store';
import {
  type AuthorizationRequest,
  PAR_TTL,
  type PushedRequestRecord,
  pushedRequestRecordId,
  REQUEST_URI_PREFIX,
} from '../authorization';
import { checkConsentForAuthorization, parseAuthorizationRequest, verifyRequestObject } from '../authorization-request';
import { type Client, requiresSignedRequestObject } from '../client';
import type { JwksFetch } from '../client-keys';
import { newOpaqueValue } from '../tokens';

/** Parameters that authenticate the client, not part of the authorization request. */
const CLIENT_AUTH_PARAMS = new Set(['client_assertion', 'client_assertion_type', 'client_secret']);

export interface PushRequestDeps {
  readonly authorizations: AuthorizationStore;
  readonly consents: ConsentStore;
  readonly issuer: string;
  /** GET of a client's `jwks_uri`, for request objects signed with published keys. */
  readonly fetchJwks: JwksFetch;
}

async function checkConsent(request: AuthorizationRequest, consents: ConsentStore, now: number): Promise<void> {
  const consent = request.consentId ? await consents.get(request.consentId) : undefined;
  checkConsentForAuthorization(consent, request, new Date(now * 1000));
}

/**
 * PAR: the (authenticated) client's request is validated now and stored under a one-time request_uri.
 * Only the request object's claims count when one is pushed; FAPI 1.0 Advanced clients must push one.
 */
export async function pushRequest(
  input: {
    readonly client: Client;
    /** The endpoint's form parameters (a pushed `request_uri` is refused before the client is authenticated). */
    readonly params: ReadonlyMap<string, string>;
    readonly now: number;
  },
  deps: PushRequestDeps,
): Promise<{ readonly requestUri: string; readonly expiresIn: number }> {
  const { client, params, now } = input;
  const requestObject = params.get('request');
  let parameters: Record<string, unknown>;
  if (requestObject) {
    parameters = await verifyRequestObject(requestObject, client, {
      issuer: deps.issuer,
      now,
      fetchJwks: deps.fetchJwks,
    });
  } else if (requiresSignedRequestObject(client)) {
    throw new InvalidRequest('a signed request object is required for this client');
  } else {
    parameters = Object.fromEntries([...params].filter(([k]) => !CLIENT_AUTH_PARAMS.has(k)));
  }
  const outerClientId = params.get('client_id');
  if (outerClientId !== undefined && outerClientId !== client.clientId) {
    throw new InvalidRequest('client_id does not match the authenticated client');
  }

  const request = parseAuthorizationRequest(parameters, client);
  await checkConsent(request, deps.consents, now);
  const handle = newOpaqueValue();
  const record: PushedRequestRecord = {
    id: pushedRequestRecordId(handle),
    kind: 'par',
    clientId: client.clientId,
    request,
    used: false,
    expiresAt: now + PAR_TTL,
  };
  await deps.authorizations.put(record);
  return { requestUri: `${REQUEST_URI_PREFIX}${handle}`, expiresIn: PAR_TTL };
}

export interface ResolveRequestDeps extends PushRequestDeps {
  readonly clients: ClientStore;
}

/**
 * /authorize: the client, and the request that counts — only pushed parameters or request-object claims,
 * outer query parameters are ignored. A redirectable error carries the request as its target.
 */
export async function resolveAuthorizationRequest(
  input: { readonly params: ReadonlyMap<string, string>; readonly now: number },
  deps: ResolveRequestDeps,
): Promise<{ readonly client: Client; readonly request: AuthorizationRequest }> {
  const { params, now } = input;
  const clientId = params.get('client_id');
  if (!clientId) throw new AuthorizationRequestError('invalid_request', 'client_id is required', false);
  const client = await deps.clients.get(clientId);
  if (!client) throw new AuthorizationRequestError('invalid_client', 'unknown client', false);
  const request = await requestThatCounts(client, params, now, deps);
  try {
    // OIDC: the outer response_type must match what the request object says.
    const outerType = params.get('response_type');
    if (!params.has('request_uri') && outerType !== undefined && outerType !== request.responseType) {
      throw new AuthorizationRequestError('invalid_request', 'response_type differs from the request object', true);
    }
    await checkConsent(request, deps.consents, now);
  } catch (error) {
    if (error instanceof AuthorizationRequestError && error.redirectable) error.target ??= request;
    throw error;
  }
  return { client, request };
}

async function requestThatCounts(
  client: Client,
  params: ReadonlyMap<string, string>,
  now: number,
  deps: ResolveRequestDeps,
): Promise<AuthorizationRequest> {
  const requestUri = params.get('request_uri');
  if (requestUri) {
    if (!requestUri.startsWith(REQUEST_URI_PREFIX))
      throw new AuthorizationRequestError('invalid_request_uri', 'request_uri is not a pushed request', false);
    const handle = requestUri.slice(REQUEST_URI_PREFIX.length);
    // Single use at the moment of authorization, for its own client only: one conditional write.
    const pushed = await deps.authorizations.consume('par', pushedRequestRecordId(handle), now, client.clientId);
    if (!pushed.ok) {
      const why =
        pushed.reason === 'unknown'
          ? 'request_uri is not valid for this client'
          : 'request_uri has expired or was already used';
      throw new AuthorizationRequestError('invalid_request_uri', why, false);
    }
    return pushed.record.request;
  }
  if (client.profile === 'fapi2') {
    throw new AuthorizationRequestError(
      'invalid_request',
      'this client must use pushed authorization requests (PAR)',
      false,
    );
  }
  const requestObject = params.get('request');
  if (!requestObject)
    throw new AuthorizationRequestError('invalid_request', 'a signed request object is required', false);
  const claims = await verifyRequestObject(requestObject, client, {
    issuer: deps.issuer,
    now,
    fetchJwks: deps.fetchJwks,
  });
  return parseAuthorizationRequest(claims, client);
}
