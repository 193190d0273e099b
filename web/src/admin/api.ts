/** The admin console's calls below `/admin/api` (lambdas/handlers/admin-console.ts) and their answers. */
import type { PortalApi, PortalSession } from '../api/portal-session';
import type { Decision, Review } from './Approvals';

export type JoseMode = 'none' | 'jws' | 'jwe' | 'x-jws-signature';

export interface TokenSettings {
  readonly access_token_ttl: number | null;
  readonly access_token_max_uses: number;
  readonly refresh_token_ttl: number | null;
  readonly refresh_token_max_uses: number;
}

export interface ClientSummary {
  readonly client_id: string;
  readonly client_name: string;
  readonly organisation_name: string | null;
  readonly profile: string;
  readonly token_endpoint_auth_method: string;
  readonly tls_client_auth_subject_dn: string | null;
  readonly tls_client_auth_issuer_dn: string | null;
  readonly tls_client_auth_issuer_ca_thumbprint: string | null;
  readonly jwks: { readonly keys: readonly Record<string, unknown>[] } | null;
  /** Where the client publishes its signing keys (fetched at client authentication). */
  readonly jwks_uri: string | null;
  readonly redirect_uris: readonly string[];
  readonly scope: string;
  readonly grant_types: readonly string[];
  readonly token_settings: TokenSettings;
  readonly status: 'active' | 'pending';
}

/** One kind of a client's active (unexpired, unrevoked) tokens: how many, their uses, the one closest to its limit. */
export interface KindUsage {
  readonly active: number;
  readonly uses: number;
  readonly busiest: { readonly uses: number; readonly max_uses: number } | null;
}

export interface TokenUsage {
  readonly access_tokens: KindUsage;
  readonly refresh_tokens: KindUsage;
  /** False: the client has more active tokens than were counted (the numbers are lower bounds). */
  readonly complete: boolean;
}

export interface Versioned<T> {
  readonly version: number;
  readonly value: T;
}

export interface ApiEntry {
  readonly api_id: string;
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly scope_group: string;
  readonly backend:
    | { readonly type: 'sample-bank'; readonly operation: string }
    | { readonly type: 'upstream'; readonly url: string };
  readonly jose_policy: { readonly request: JoseMode; readonly response: JoseMode };
  readonly taiwan_headers: boolean;
  readonly version: number;
}

export interface ApiCatalog {
  readonly items: readonly ApiEntry[];
  readonly cursor?: string;
  /** The form's choices: scope groups and the sample bank's operations. */
  readonly scope_groups: readonly { readonly id: string; readonly label: string }[];
  readonly sample_bank_operations: readonly string[];
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor?: string;
}

export interface AuditChange {
  readonly entity: string;
  readonly at: string;
  readonly actor: { readonly kind: 'client' | 'staff'; readonly id: string; readonly name?: string };
  readonly action: string;
  readonly before: unknown;
  readonly after: unknown;
}

export type ConsentStatus = 'AwaitingAuthorisation' | 'Authorised' | 'Rejected' | 'Revoked' | 'Consumed' | 'Expired';

export interface ConsentEntry {
  readonly consent_id: string;
  readonly client_id: string;
  readonly client_name: string;
  readonly subject: string | null;
  readonly status: ConsentStatus;
  readonly granted_at: string | null;
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
}

export interface RevokedCertificateEntry {
  readonly entry_id: string;
  readonly thumbprint?: string;
  readonly issuer_dn?: string;
  readonly serial_number?: string;
  readonly reason: string;
  readonly revoked_by: AuditChange['actor'];
  readonly revoked_at: string;
}

export type CertificateToRevoke = (
  | { readonly thumbprint: string }
  | { readonly issuer_dn: string; readonly serial_number: string }
) & { readonly reason: string };

/** The JWT setting in the words of the API List. */
export const JOSE_LABELS: Readonly<Record<JoseMode, string>> = {
  none: 'Do not use',
  jws: 'JWS',
  jwe: 'JWE',
  'x-jws-signature': 'Detached JWS',
};

/** The console's API, bound to the signed-in session (POSTs carry its CSRF token). */
export function consoleApi(api: PortalApi, session: PortalSession) {
  const get = <T>(path: string, signal?: AbortSignal) => api.call<T>(path, { method: 'GET', signal });
  const post = <T>(path: string, body: unknown) => api.call<T>(path, { method: 'POST', body, session });
  const segment = encodeURIComponent;
  return {
    clients: (cursor?: string, signal?: AbortSignal) =>
      get<Page<ClientSummary>>(`/clients?limit=100${cursor ? `&cursor=${segment(cursor)}` : ''}`, signal),
    tokenSettings: (clientId: string, signal?: AbortSignal) =>
      get<Versioned<TokenSettings> & { usage: TokenUsage }>(`/clients/${segment(clientId)}/token-settings`, signal),
    saveTokenSettings: (clientId: string, version: number, settings: Partial<TokenSettings>) =>
      post<Versioned<TokenSettings>>(`/clients/${segment(clientId)}/token-settings`, { version, settings }),
    apis: (signal?: AbortSignal) => get<ApiCatalog>('/apis?limit=100', signal),
    saveJosePolicy: (apiId: string, version: number, policy: ApiEntry['jose_policy']) =>
      post<Versioned<ApiEntry['jose_policy']>>(`/apis/${segment(apiId)}/jose-policy`, { version, ...policy }),
    registerApi: (definition: Omit<ApiEntry, 'api_id' | 'version'>) => post<ApiEntry>('/apis', definition),
    reviews: (signal?: AbortSignal) => get<{ items: Review[] }>('/reviews', signal),
    decide: (reviewId: string, decision: Decision, comment?: string) =>
      post<Review>(`/reviews/${segment(reviewId)}/decision`, { decision, ...(comment ? { comment } : {}) }),
    audit: (entity: string | undefined, signal?: AbortSignal) =>
      get<{ changes: AuditChange[] }>(`/audit${entity ? `?entity=${segment(entity)}` : ''}`, signal),
    consents: (search: { customer: string } | { fintech: string }, signal?: AbortSignal) =>
      get<{ items: ConsentEntry[]; more: boolean }>(
        'customer' in search
          ? `/consents?customer=${segment(search.customer)}`
          : `/consents?fintech=${segment(search.fintech)}`,
        signal,
      ),
    revokeConsent: (consentId: string) =>
      post<{ consent_id: string; tokens_revoked: number }>('/consents', { revoke: consentId }),
    revokeAllOf: (clientId: string) =>
      post<{ consents_revoked: number; grants_revoked: number; tokens_revoked: number }>('/consents', {
        revoke_all_of: clientId,
      }),
    revokedCertificates: (signal?: AbortSignal) => get<{ entries: RevokedCertificateEntry[] }>('/certificates', signal),
    revokeCertificate: (certificate: CertificateToRevoke) =>
      post<RevokedCertificateEntry>('/certificates', { add: certificate }),
    removeRevocation: (entryId: string) => post<unknown>('/certificates', { remove: entryId }),
  };
}

export type ConsoleApi = ReturnType<typeof consoleApi>;
