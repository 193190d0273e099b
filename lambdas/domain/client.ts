/**
 * OAuth client registration: the shape stored in the clients table, validated on every write.
 * FAPI confidential clients only: `tls_client_auth` or `private_key_jwt`, https redirect URIs.
 */
import * as z from '../validation';

export const SIGNING_ALGS = ['PS256', 'ES256'] as const;

/** What a client_id may look like; anything else cannot name a registered client. */
export const CLIENT_ID_PATTERN = /^[\w.:-]{1,128}$/;

const PublicJwk = z
  .catchall(
    z.object({
      kty: z.enum(['RSA', 'EC', 'OKP']),
      kid: z.string().check(z.minLength(1)),
      use: z.optional(z.enum(['sig', 'enc'])),
    }),
    z.unknown(),
  )
  .check(z.refine((jwk) => !('d' in jwk) && !('p' in jwk) && !('k' in jwk), 'jwks must hold public keys only'));

/** Per-client token lifetimes and usage quotas (0 or absent = unlimited uses). */
export const TokenSettingsSchema = z.object({
  accessTokenTtl: z.optional(z.int().check(z.positive())),
  accessTokenMaxUses: z.optional(z.int().check(z.nonnegative())),
  refreshTokenTtl: z.optional(z.int().check(z.positive())),
  refreshTokenMaxUses: z.optional(z.int().check(z.nonnegative())),
});

export const ClientSchema = z
  .object({
    clientId: z.string().check(z.regex(CLIENT_ID_PATTERN, 'client_id: 1-128 of [A-Za-z0-9_.:-]')),
    clientName: z.string().check(z.minLength(1), z.maxLength(200)),
    /** `fapi2`: FAPI 2.0 Security Profile (PAR, code flow). `fapi1-advanced`: OBUK hybrid flow. */
    profile: z._default(z.enum(['fapi2', 'fapi1-advanced']), 'fapi2'),
    tokenEndpointAuthMethod: z.enum(['tls_client_auth', 'private_key_jwt']),
    /** RFC 8705 `tls_client_auth_subject_dn`: required for tls_client_auth. */
    tlsClientAuthSubjectDn: z.optional(z.string().check(z.minLength(1))),
    jwks: z.optional(z.object({ keys: z.array(PublicJwk).check(z.minLength(1)) })),
    redirectUris: z._default(
      z.array(z.url().check(z.refine((u) => u.startsWith('https://'), 'redirect URIs must be https'))),
      [],
    ),
    /** Scopes this client may request. */
    scopes: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    grantTypes: z._default(z.array(z.enum(['client_credentials', 'authorization_code', 'refresh_token'])), [
      'client_credentials',
      'authorization_code',
      'refresh_token',
    ]),
    /** Must be the alg of the tenant's ID token key (checked when the registration is stored). */
    idTokenSignedResponseAlg: z._default(z.enum(SIGNING_ALGS), 'PS256'),
    /** The only alg accepted on this client's request objects (`invalid_request_object` otherwise). */
    requestObjectSigningAlg: z._default(z.enum(SIGNING_ALGS), 'PS256'),
    /** The only alg accepted on this client's private_key_jwt assertions (`invalid_client` otherwise). */
    tokenEndpointAuthSigningAlg: z._default(z.enum(SIGNING_ALGS), 'PS256'),
    /**
     * RFC 9101 §10.5: the client must send its authorization requests as signed request objects, also to PAR.
     * FAPI 1.0 Advanced clients always must (see `requiresSignedRequestObject`).
     */
    requireSignedRequestObject: z._default(z.boolean(), false),
    tokenSettings: z._default(TokenSettingsSchema, {}),
    /** Organisation shown to customers on the consent page. */
    organisationName: z.optional(z.string().check(z.maxLength(200))),
    logoUri: z.optional(z.url()),
  })
  .check(
    z.superRefine((c, ctx) => {
      if (c.tokenEndpointAuthMethod === 'tls_client_auth' && !c.tlsClientAuthSubjectDn) {
        ctx.addIssue({ code: 'custom', path: ['tlsClientAuthSubjectDn'], message: 'required for tls_client_auth' });
      }
      if (c.tokenEndpointAuthMethod === 'private_key_jwt' && !c.jwks) {
        ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'required for private_key_jwt' });
      }
      if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['redirectUris'], message: 'required for authorization_code' });
      }
    }),
  );

export type Client = z.output<typeof ClientSchema>;

/** Whether only a signed request object counts for this client (FAPI 1.0 Advanced, or registered so). */
export const requiresSignedRequestObject = (client: Client): boolean =>
  client.profile === 'fapi1-advanced' || client.requireSignedRequestObject;

/** A registration whose ID token alg is not the tenant's key's is refused: no ID token could honour it. */
export function checkIdTokenAlg(client: Client, tenantSigningAlg: string): void {
  if (client.idTokenSignedResponseAlg !== tenantSigningAlg) {
    throw new InvalidClientMetadata(
      `idTokenSignedResponseAlg: this tenant signs ID tokens with ${tenantSigningAlg}, not ${client.idTokenSignedResponseAlg}`,
    );
  }
}
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
