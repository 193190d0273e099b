/** OpenID Provider metadata that tells the truth about what Bankgate implements (OpenID Connect Discovery 1.0 §3, RFC 8414). */
import { ACR_VALUES_SUPPORTED } from './authentication-requirements';
import { SIGNING_ALGS } from './client';
import { SCOPE_GROUP_IDS } from './gateway/scope-groups';

export interface DiscoveryInput {
  readonly issuer: string;
  readonly mtlsBaseUrl: string;
}

/** OAuth scopes, including the gateway's scope groups. */
export const SUPPORTED_SCOPES: readonly string[] = ['openid', 'accounts', ...SCOPE_GROUP_IDS];

export function providerMetadata({ issuer, mtlsBaseUrl }: DiscoveryInput) {
  const mtls = {
    token_endpoint: `${mtlsBaseUrl}/token`,
    pushed_authorization_request_endpoint: `${mtlsBaseUrl}/par`,
    introspection_endpoint: `${mtlsBaseUrl}/introspect`,
    revocation_endpoint: `${mtlsBaseUrl}/revoke`,
  };
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    jwks_uri: `${issuer}/jwks`,
    // Every client-authenticated endpoint lives only on the mutual-TLS origin.
    ...mtls,
    mtls_endpoint_aliases: mtls,
    require_pushed_authorization_requests: false,
    request_parameter_supported: true,
    request_uri_parameter_supported: false,
    // Global metadata cannot say "per profile": FAPI 2.0 clients may push plain parameters to PAR, so it is
    // false; FAPI 1.0 Advanced clients and clients registered with require_signed_request_object must sign
    // (RFC 9101 §10.5 client metadata, enforced at PAR and /authorize).
    require_signed_request_object: false,
    request_object_signing_alg_values_supported: [...SIGNING_ALGS],
    response_types_supported: ['code', 'code id_token'],
    response_modes_supported: ['query', 'fragment'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    scopes_supported: [...SUPPORTED_SCOPES],
    claims_supported: [
      'sub',
      'acr',
      'auth_time',
      'openbanking_intent_id',
      'iss',
      'aud',
      'exp',
      'iat',
      'nonce',
      's_hash',
      'c_hash',
    ],
    claims_parameter_supported: true,
    acr_values_supported: [...ACR_VALUES_SUPPORTED],
    id_token_signing_alg_values_supported: [...SIGNING_ALGS],
    token_endpoint_auth_methods_supported: ['tls_client_auth', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGS],
    introspection_endpoint_auth_methods_supported: ['tls_client_auth', 'private_key_jwt'],
    revocation_endpoint_auth_methods_supported: ['tls_client_auth', 'private_key_jwt'],
    tls_client_certificate_bound_access_tokens: true,
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
}
