/**
 * Applications (OAuth clients) and API applications that a fintech registers in the developer portal.
 * A registration is validated by the one client schema the store uses (`domain/client.ts`) and stored
 * `pending` with no approved API: it can obtain no token until the bank approves the application, and call
 * no gateway API until the bank approves an API application for it.
 */
import { X509Certificate } from 'node:crypto';
import type { ApiCatalog } from '../../ports/admin';
import type { DeveloperAccount, DeveloperStore, Review } from '../../ports/developers';
import type { ClientStore } from '../../ports/store';
import { type Client, type ClientInput, ClientSchema } from '../client';
import { newIdentifier } from '../tokens';

export interface ApplicationDeps {
  readonly developers: Pick<DeveloperStore, 'submit' | 'reviewsOf' | 'review' | 'resubmit'>;
  readonly clients: ClientStore;
  readonly catalog: Pick<ApiCatalog, 'get'>;
  readonly idTokenSigningAlg: string;
  /** Epoch seconds. */
  readonly now: () => number;
}

/** At most this many reviews (so applications) are read for one developer's lists. */
export const DEVELOPER_REVIEWS = 100;
const MAX_TEXT = 16384;

/** A certificate's subject as an RFC 4514 string (most specific RDN first), for `tls_client_auth_subject_dn`. */
export function subjectDnOf(pem: string): string | undefined {
  let subject: string;
  try {
    subject = new X509Certificate(pem).subject;
  } catch {
    return undefined;
  }
  const escaped = (value: string) => value.replace(/([,+"\\<>;])/g, '\\$1').replace(/^([#\s])|(\s)$/g, '\\$1$2');
  return subject
    .split('\n')
    .reverse()
    .map((rdn) => {
      const at = rdn.indexOf('=');
      return `${rdn.slice(0, at)}=${escaped(rdn.slice(at + 1))}`;
    })
    .join(',');
}

const text = (body: Record<string, unknown>, key: string) => {
  const value = body[key];
  return typeof value === 'string' && value.trim() && value.length <= MAX_TEXT ? value.trim() : undefined;
};

/** Wire field -> the client field that the schema names in its issues. */
const FORM_FIELD: Record<string, string> = {
  clientName: 'client_name',
  redirectUris: 'redirect_uris',
  profile: 'profile',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method',
  tlsClientAuthSubjectDn: 'tls_client_auth_subject_dn',
  tlsClientAuthIssuerDn: 'tls_client_auth_issuer_dn',
  jwks: 'jwks',
  jwksUri: 'jwks_uri',
};

export type RegistrationResult =
  | { readonly client: Client; readonly review: Review }
  | { readonly problems: Record<string, string> };

/** The registration a form describes: `jwks` pasted as JSON, the subject DN typed or read from a PEM. */
function registrationOf(
  body: Record<string, unknown>,
  developer: string,
  idTokenSigningAlg: string,
  problems: Record<string, string>,
  clientId = `dev-${newIdentifier()}`,
  registeredKeys?: Client['jwks'],
) {
  const method = text(body, 'token_endpoint_auth_method');
  const pem = text(body, 'certificate_pem');
  let subjectDn = text(body, 'tls_client_auth_subject_dn');
  if (!subjectDn && pem) {
    subjectDn = subjectDnOf(pem);
    if (!subjectDn) problems.certificate_pem = 'This is not a PEM certificate.';
  }
  // An edit that pastes no signing keys (or no encryption key) keeps those registered before.
  const registered = (enc: boolean) => (registeredKeys?.keys ?? []).filter((key) => (key.use === 'enc') === enc);
  const keys: unknown[] = [];
  const jwksText = text(body, 'jwks');
  if (jwksText) {
    try {
      const parsed = JSON.parse(jwksText) as { keys?: unknown };
      if (Array.isArray(parsed.keys)) keys.push(...parsed.keys);
      else problems.jwks = 'Paste a JWK Set: {"keys": [...]}.';
    } catch {
      problems.jwks = 'This is not JSON.';
    }
  } else if (!text(body, 'jwks_uri')) keys.push(...registered(false));
  const encryptionText = text(body, 'encryption_jwk');
  if (encryptionText) {
    try {
      keys.push({ use: 'enc', ...(JSON.parse(encryptionText) as object) });
    } catch {
      problems.encryption_jwk = 'This is not JSON.';
    }
  } else keys.push(...registered(true));
  const redirectUris = (text(body, 'redirect_uris') ?? '').split(/\s+/).filter(Boolean);
  const input: ClientInput = {
    clientId,
    clientName: text(body, 'client_name') ?? '',
    profile: (text(body, 'profile') ?? 'fapi2') as ClientInput['profile'],
    tokenEndpointAuthMethod: method as ClientInput['tokenEndpointAuthMethod'],
    ...(subjectDn ? { tlsClientAuthSubjectDn: subjectDn } : {}),
    ...(text(body, 'tls_client_auth_issuer_dn')
      ? { tlsClientAuthIssuerDn: text(body, 'tls_client_auth_issuer_dn') }
      : {}),
    ...(keys.length > 0 ? { jwks: { keys } as ClientInput['jwks'] } : {}),
    ...(text(body, 'jwks_uri') ? { jwksUri: text(body, 'jwks_uri') } : {}),
    redirectUris,
    // The tenant's ID token alg: the only one a registration may name (`checkIdTokenAlg`).
    idTokenSignedResponseAlg: idTokenSigningAlg as ClientInput['idTokenSignedResponseAlg'],
    // Scope groups are added as the bank approves APIs (`domain/admin/approvals.ts`).
    scopes: ['openid'],
    status: 'pending',
    approvedApis: [],
    developer,
  };
  return input;
}

/** The registration a form describes, validated by the one client schema; problems named by form field. */
function validRegistration(
  deps: ApplicationDeps,
  account: DeveloperAccount,
  body: Record<string, unknown>,
  registered?: Client,
): { readonly client: Client } | { readonly problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const input = registrationOf(
    body,
    account.username,
    deps.idTokenSigningAlg,
    problems,
    registered?.clientId,
    registered?.jwks,
  );
  const parsed = ClientSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = FORM_FIELD[String(issue.path[0])] ?? String(issue.path[0] ?? 'client_name');
      problems[field] ??= issue.message;
    }
  }
  if (!parsed.success || Object.keys(problems).length > 0) return { problems };
  return { client: parsed.data };
}

export async function registerApplication(
  deps: ApplicationDeps,
  account: DeveloperAccount,
  body: Record<string, unknown>,
): Promise<RegistrationResult> {
  const registration = validRegistration(deps, account, body);
  if ('problems' in registration) return registration;
  const { client } = registration;
  await deps.clients.put(client);
  const at = new Date(deps.now() * 1000).toISOString();
  const review: Review = {
    reviewId: newIdentifier(),
    type: 'application',
    developer: account.username,
    organisation: account.organisation,
    state: 'reviewing',
    submittedAt: at,
    submitted: applicationSummary(client),
    clientId: client.clientId,
    history: [{ at, event: 'submitted' }],
    version: 1,
  };
  await deps.developers.submit(review);
  return { client, review };
}

/** What the reviewer and the fintech see of a registration (public parts only). */
export const applicationSummary = (client: Client) => ({
  client_id: client.clientId,
  client_name: client.clientName,
  profile: client.profile,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  redirect_uris: client.redirectUris,
  ...(client.tlsClientAuthSubjectDn ? { tls_client_auth_subject_dn: client.tlsClientAuthSubjectDn } : {}),
  ...(client.tlsClientAuthIssuerDn ? { tls_client_auth_issuer_dn: client.tlsClientAuthIssuerDn } : {}),
  ...(client.jwks ? { jwks_kids: client.jwks.keys.map((key) => key.kid) } : {}),
  ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
});

/** The developer's applications, each with its status and the APIs approved for it. */
export async function applicationsOf(deps: ApplicationDeps, account: DeveloperAccount) {
  const reviews = await deps.developers.reviewsOf(account.username, DEVELOPER_REVIEWS);
  const ids = reviews.filter((r) => r.type === 'application' && r.clientId).map((r) => r.clientId!);
  const clients = await Promise.all(ids.map((id) => deps.clients.get(id)));
  return clients
    .filter((client): client is Client => client?.developer === account.username)
    .map((client) => ({
      ...applicationSummary(client),
      status: client.status === 'pending' ? 'pending' : 'active',
      approved_apis: client.approvedApis ?? [],
    }));
}

/** What an API application form asks for (its application, catalog APIs, a purpose), checked; problems by field. */
async function validApiApplication(
  deps: ApplicationDeps,
  account: DeveloperAccount,
  body: Record<string, unknown>,
): Promise<
  | { readonly problems: Record<string, string> }
  | { readonly clientId: string; readonly apiIds: readonly string[]; readonly submitted: Review['submitted'] }
> {
  const problems: Record<string, string> = {};
  const clientId = text(body, 'client_id');
  const client = clientId ? await deps.clients.get(clientId) : undefined;
  if (!client || client.developer !== account.username) problems.client_id = 'Choose one of your applications.';
  const apiIds = Array.isArray(body.api_ids) ? body.api_ids.filter((id): id is string => typeof id === 'string') : [];
  const unique = [...new Set(apiIds)].slice(0, 50);
  const apis = await Promise.all(unique.map((id) => (id.length <= 300 ? deps.catalog.get(id) : undefined)));
  if (unique.length === 0) problems.api_ids = 'Select at least one API.';
  else if (apis.some((api) => !api)) problems.api_ids = 'Select APIs from the list.';
  const purpose = text(body, 'purpose');
  if (!purpose) problems.purpose = 'Say what your application will use these APIs for.';
  else if (purpose.length > 2000) problems.purpose = 'Use at most 2000 characters.';
  if (!client || Object.keys(problems).length > 0) return { problems };
  return {
    clientId: client.clientId,
    apiIds: unique,
    submitted: {
      client_id: client.clientId,
      client_name: client.clientName,
      purpose,
      apis: apis.map((api) => ({ api_id: api!.apiId, name: api!.name, method: api!.method, path: api!.path })),
    },
  };
}

export async function applyForApis(
  deps: ApplicationDeps,
  account: DeveloperAccount,
  body: Record<string, unknown>,
): Promise<{ readonly review: Review } | { readonly problems: Record<string, string> }> {
  const application = await validApiApplication(deps, account, body);
  if ('problems' in application) return application;
  const at = new Date(deps.now() * 1000).toISOString();
  const review: Review = {
    reviewId: newIdentifier(),
    type: 'api-application',
    developer: account.username,
    organisation: account.organisation,
    state: 'reviewing',
    submittedAt: at,
    submitted: application.submitted,
    clientId: application.clientId,
    apiIds: application.apiIds,
    history: [{ at, event: 'submitted' }],
    version: 1,
  };
  await deps.developers.submit(review);
  return { review };
}

export type ResubmissionResult =
  | { readonly review: Review }
  | { readonly problems: Record<string, string> }
  | { readonly conflict: true };

/**
 * A returned application or API application, edited by the fintech, back in the bank's queue with what it
 * submits now; the history keeps every round. An application keeps its client id and stays pending; an API
 * application stays for its application. Anything but the developer's own returned review is a conflict.
 */
export async function resubmitReview(
  deps: ApplicationDeps,
  account: DeveloperAccount,
  reviewId: string,
  body: Record<string, unknown>,
): Promise<ResubmissionResult> {
  const review = await deps.developers.review(reviewId);
  if (!review || review.developer !== account.username || review.state !== 'returned' || !review.clientId) {
    return { conflict: true };
  }
  const at = new Date(deps.now() * 1000).toISOString();
  const again = (changes: Pick<Review, 'submitted'> & Partial<Review>): Review => ({
    ...review,
    ...changes,
    state: 'reviewing',
    submittedAt: at,
    history: [...review.history, { at, event: 'resubmitted' }],
    version: review.version + 1,
  });
  if (review.type === 'application') {
    const registered = await deps.clients.get(review.clientId);
    if (registered?.developer !== account.username || registered.status !== 'pending') return { conflict: true };
    const registration = validRegistration(deps, account, body, registered);
    if ('problems' in registration) return registration;
    const next = again({ submitted: applicationSummary(registration.client) });
    return (await deps.developers.resubmit(next, registration.client)) ? { review: next } : { conflict: true };
  }
  if (review.type !== 'api-application') return { conflict: true };
  const application = await validApiApplication(deps, account, { ...body, client_id: review.clientId });
  if ('problems' in application) return application;
  const next = again({ submitted: application.submitted, apiIds: application.apiIds });
  return (await deps.developers.resubmit(next)) ? { review: next } : { conflict: true };
}
