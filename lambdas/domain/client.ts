/**
 * OAuth client registration: the shape stored in the clients table, validated on every write.
 * FAPI confidential clients only: `tls_client_auth` or `private_key_jwt`, https redirect URIs.
 */
import { z } from 'zod';

export const SIGNING_ALGS = ['PS256', 'ES256'] as const;

/** What a client_id may look like; anything else cannot name a registered client. */
export const CLIENT_ID_PATTERN = /^[\w.:-]{1,128}$/;

const PublicJwk = z
  .object({ kty: z.enum(['RSA', 'EC', 'OKP']), kid: z.string().min(1), use: z.enum(['sig', 'enc']).optional() })
  .catchall(z.unknown())
  .refine((jwk) => !('d' in jwk) && !('p' in jwk) && !('k' in jwk), 'jwks must hold public keys only');

/** Per-client token lifetimes and usage quotas (0 or absent = unlimited uses). */
export const TokenSettingsSchema = z.object({
  accessTokenTtl: z.number().int().positive().optional(),
  accessTokenMaxUses: z.number().int().nonnegative().optional(),
  refreshTokenTtl: z.number().int().positive().optional(),
  refreshTokenMaxUses: z.number().int().nonnegative().optional(),
});

export const ClientSchema = z
  .object({
    clientId: z.string().regex(CLIENT_ID_PATTERN, 'client_id: 1-128 of [A-Za-z0-9_.:-]'),
    clientName: z.string().min(1).max(200),
    /** `fapi2`: FAPI 2.0 Security Profile (PAR, code flow). `fapi1-advanced`: OBUK hybrid flow. */
    profile: z.enum(['fapi2', 'fapi1-advanced']).default('fapi2'),
    tokenEndpointAuthMethod: z.enum(['tls_client_auth', 'private_key_jwt']),
    /** RFC 8705 `tls_client_auth_subject_dn`: required for tls_client_auth. */
    tlsClientAuthSubjectDn: z.string().min(1).optional(),
    jwks: z.object({ keys: z.array(PublicJwk).min(1) }).optional(),
    redirectUris: z.array(z.url().refine((u) => u.startsWith('https://'), 'redirect URIs must be https')).default([]),
    /** Scopes this client may request. */
    scopes: z.array(z.string().min(1)).min(1),
    grantTypes: z
      .array(z.enum(['client_credentials', 'authorization_code', 'refresh_token']))
      .default(['client_credentials', 'authorization_code', 'refresh_token']),
    idTokenSignedResponseAlg: z.enum(SIGNING_ALGS).default('PS256'),
    requestObjectSigningAlg: z.enum(SIGNING_ALGS).default('PS256'),
    tokenEndpointAuthSigningAlg: z.enum(SIGNING_ALGS).default('PS256'),
    tokenSettings: TokenSettingsSchema.default({}),
    /** Organisation shown to customers on the consent page. */
    organisationName: z.string().max(200).optional(),
    logoUri: z.url().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.tokenEndpointAuthMethod === 'tls_client_auth' && !c.tlsClientAuthSubjectDn) {
      ctx.addIssue({ code: 'custom', path: ['tlsClientAuthSubjectDn'], message: 'required for tls_client_auth' });
    }
    if (c.tokenEndpointAuthMethod === 'private_key_jwt' && !c.jwks) {
      ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'required for private_key_jwt' });
    }
    if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['redirectUris'], message: 'required for authorization_code' });
    }
  });

export type Client = z.output<typeof ClientSchema>;
export type ClientInput = z.input<typeof ClientSchema>;
export type TokenSettings = z.output<typeof TokenSettingsSchema>;

/** Validates a registration; throws a readable error naming each bad field. */
export function parseClient(input: unknown): Client {
  const result = ClientSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidClientMetadata(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return result.data;
}

export class InvalidClientMetadata extends Error {
  override readonly name = 'InvalidClientMetadata';
}
