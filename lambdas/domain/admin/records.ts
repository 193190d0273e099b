/**
 * The administrative records as both admin surfaces exchange them and the audit log keeps them (`before`,
 * `after`): snake_case JSON, validated with zod/mini. The mTLS admin API (automation) and the admin console
 * API (bank staff in a browser) read and write exactly these shapes.
 */
import { InvalidRequest } from '../../errors';
import * as z from '../../validation';
import type { Client, TokenSettings } from '../client';
import type { ApiDefinition } from '../gateway/catalog';

/** Wire form of TokenSettings; absent or 0 quota = unlimited. */
export const TokenSettingsBody = z.strictObject({
  access_token_ttl: z.optional(z.int().check(z.positive())),
  access_token_max_uses: z.optional(z.int().check(z.nonnegative())),
  refresh_token_ttl: z.optional(z.int().check(z.positive())),
  refresh_token_max_uses: z.optional(z.int().check(z.nonnegative())),
});
export type TokenSettingsBody = z.output<typeof TokenSettingsBody>;

export const tokenSettingsRecord = (settings: TokenSettings) => ({
  access_token_ttl: settings.accessTokenTtl ?? null,
  access_token_max_uses: settings.accessTokenMaxUses ?? 0,
  refresh_token_ttl: settings.refreshTokenTtl ?? null,
  refresh_token_max_uses: settings.refreshTokenMaxUses ?? 0,
});
export type TokenSettingsRecord = ReturnType<typeof tokenSettingsRecord>;

export const tokenSettingsOf = (body: TokenSettingsBody): TokenSettings => ({
  accessTokenTtl: body.access_token_ttl,
  accessTokenMaxUses: body.access_token_max_uses,
  refreshTokenTtl: body.refresh_token_ttl,
  refreshTokenMaxUses: body.refresh_token_max_uses,
});

/** Wire name -> ApiDefinition field. `api_id` is not among them: it is the path parameter. */
export const API_FIELDS = {
  name: 'name',
  method: 'method',
  path: 'path',
  scope_group: 'scopeGroup',
  backend: 'backend',
  jose_policy: 'josePolicy',
  taiwan_headers: 'taiwanHeaders',
} as const satisfies Record<string, keyof ApiDefinition>;
const WIRE_NAME: Record<string, string> = Object.fromEntries(Object.entries(API_FIELDS).map(([w, f]) => [f, w]));

/** Wire body -> definition fields (validated by the catalog schema when the definition is built). */
export const ApiDefinitionBody = z.pipe(
  z.partialRecord(z.enum(Object.keys(API_FIELDS) as [keyof typeof API_FIELDS]), z.unknown()),
  z.transform((body) =>
    Object.fromEntries(
      Object.entries(body).map(([name, value]) => [API_FIELDS[name as keyof typeof API_FIELDS], value]),
    ),
  ),
);

export const apiRecord = (api: ApiDefinition) => ({
  api_id: api.apiId,
  name: api.name,
  method: api.method,
  path: api.path,
  scope_group: api.scopeGroup,
  backend: api.backend,
  jose_policy: api.josePolicy,
  taiwan_headers: api.taiwanHeaders,
});
export type ApiRecord = ReturnType<typeof apiRecord>;

/** A registration as administrators see it: its public parts (the JWKS holds public keys only). */
export const clientRecord = (client: Client) => ({
  client_id: client.clientId,
  client_name: client.clientName,
  organisation_name: client.organisationName ?? null,
  profile: client.profile,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  tls_client_auth_subject_dn: client.tlsClientAuthSubjectDn ?? null,
  /** The issuer pin: the issuer DN the certificate must have, and the CA's thumbprint when pinned by certificate. */
  tls_client_auth_issuer_dn: client.tlsClientAuthIssuerDn ?? null,
  tls_client_auth_issuer_ca_thumbprint: client.tlsClientAuthIssuer?.caThumbprint ?? null,
  jwks: client.jwks ?? null,
  jwks_uri: client.jwksUri ?? null,
  redirect_uris: client.redirectUris,
  scope: client.scopes.join(' '),
  grant_types: client.grantTypes,
  token_settings: tokenSettingsRecord(client.tokenSettings),
  /** `pending`: registered in the developer portal, not yet approved by the bank (cannot obtain tokens). */
  status: client.status ?? 'active',
});
export type ClientRecord = ReturnType<typeof clientRecord>;

/** The body checked against `schema`: every problem, each named by its wire path (`jose_policy.request must be ...`). */
export function parseBody<T>(body: unknown, schema: z.ZodMiniType<T>): T {
  const parsed = z.validate(schema, body, {
    subject: 'The request body',
    rename: (field) => WIRE_NAME[field] ?? field,
  });
  if (!parsed.ok) throw new InvalidRequest(z.describeProblems(parsed.problems));
  return parsed.data;
}
