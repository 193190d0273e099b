/**
 * OAuth client registration: the shape stored in the clients table, validated on every write.
 * FAPI confidential clients only: `tls_client_auth` or `private_key_jwt`, https redirect URIs.
 */
import * as z from '../validation';
import { certificateIdentity } from './certificate';
import { type DistinguishedName, dnEquals, InvalidDn, parseDn } from './dn';
import { upstreamUrlProblem } from './gateway/upstream-address';

export const SIGNING_ALGS = ['PS256', 'ES256'] as const;

/** The scope of the bank administrators' client (admin API); its certificate must come from the admin CA. */
export const ADMIN_SCOPE = 'admin';

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

/** A JWK Set of public keys: registered (`jwks`) or fetched from the client's `jwks_uri`. */
export const ClientJwks = z.object({ keys: z.array(PublicJwk).check(z.minLength(1)) });

/** Per-client token lifetimes and usage quotas (0 or absent = unlimited uses). */
export const TokenSettingsSchema = z.object({
  accessTokenTtl: z.optional(z.int().check(z.positive())),
  accessTokenMaxUses: z.optional(z.int().check(z.nonnegative())),
  refreshTokenTtl: z.optional(z.int().check(z.positive())),
  refreshTokenMaxUses: z.optional(z.int().check(z.nonnegative())),
});

const ClientFields = z
  .object({
    clientId: z.string().check(z.regex(CLIENT_ID_PATTERN, 'must be 1-128 of [A-Za-z0-9_.:-]')),
    clientName: z.string().check(z.minLength(1), z.maxLength(200)),
    /** `fapi2`: FAPI 2.0 Security Profile (PAR, code flow). `fapi1-advanced`: OBUK hybrid flow. */
    profile: z._default(z.enum(['fapi2', 'fapi1-advanced']), 'fapi2'),
    tokenEndpointAuthMethod: z.enum(['tls_client_auth', 'private_key_jwt']),
    /** RFC 8705 `tls_client_auth_subject_dn`: required for tls_client_auth. */
    tlsClientAuthSubjectDn: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    /** Issuer pin by DN (RFC 4514): the certificate's issuer must be exactly this name. */
    tlsClientAuthIssuerDn: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    /**
     * Issuer pin by CA certificate (PEM; identified by its `x5t#S256`): the client certificate must be
     * signed by this CA's key. The Lambda sees only the leaf certificate, so the pin carries the CA itself.
     */
    tlsClientAuthIssuerCertificate: z.optional(z.string().check(z.minLength(1), z.maxLength(8192))),
    jwks: z.optional(ClientJwks),
    /**
     * RFC 7591 `jwks_uri`: where the client publishes its signing keys (https, a DNS name; fetched through the
     * SSRF guard, `client-keys.ts`). With it, `jwks` may hold only `use: enc` keys: the gateway encrypts
     * responses to a registered key without a fetch on the call's path.
     */
    jwksUri: z.optional(
      z.url().check(
        z.maxLength(2048),
        z.superRefine((url, ctx) => {
          const problem = upstreamUrlProblem(url);
          if (problem) ctx.addIssue({ code: 'custom', message: problem.replace('upstream', 'jwks_uri'), input: url });
        }),
      ),
    ),
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
    /**
     * The agent the fintech provides its service through or for (OBIE CEG: "{TPP} on behalf of {agent}"),
     * shown on the consent page and the customer's dashboard.
     */
    agentName: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    logoUri: z.optional(z.url()),
    /**
     * `pending`: registered in the developer portal and not yet approved by the bank; it cannot authenticate
     * (`invalid_client`). Absent: active (clients the bank registers itself).
     */
    status: z.optional(z.enum(['pending', 'active'])),
    /**
     * The gateway APIs (catalog ids) the bank approved for this client; the gateway refuses any other with
     * 403. Absent: not restricted by API, only by scope group (clients the bank registers itself).
     */
    approvedApis: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(300)))),
    /** The developer-portal account that registered the client. */
    developer: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  })
  .check(
    z.superRefine((c, ctx) => {
      if (c.tokenEndpointAuthMethod === 'tls_client_auth' && !c.tlsClientAuthSubjectDn) {
        ctx.addIssue({ code: 'custom', path: ['tlsClientAuthSubjectDn'], message: 'is required for tls_client_auth' });
      }
      if (c.tokenEndpointAuthMethod === 'private_key_jwt' && !c.jwks && !c.jwksUri) {
        ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'is required for private_key_jwt (or jwks_uri)' });
      }
      if (c.jwksUri && c.jwks?.keys.some((key) => key.use !== 'enc')) {
        ctx.addIssue({
          code: 'custom',
          path: ['jwks'],
          message: 'may hold only encryption keys (use "enc") with jwks_uri; publish signing keys at jwks_uri',
        });
      }
      if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['redirectUris'], message: 'is required for authorization_code' });
      }
      if (
        c.scopes.includes(ADMIN_SCOPE) &&
        (c.tokenEndpointAuthMethod !== 'tls_client_auth' || !c.tlsClientAuthIssuerCertificate)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['tlsClientAuthIssuerCertificate'],
          message: 'an admin client must use tls_client_auth pinned to the bank admin CA certificate',
        });
      }
    }),
  );

/** A registered issuer pin: the issuer name, and the CA's thumbprint when pinned by certificate. */
export interface IssuerPin {
  readonly name: DistinguishedName;
  readonly caThumbprint?: string;
}

function parsedDn(text: string, path: string, issues: z.core.$ZodRawIssue[]): DistinguishedName | undefined {
  try {
    return parseDn(text);
  } catch (error) {
    if (!(error instanceof InvalidDn)) throw error;
    issues.push({ code: 'custom', path: [path], message: `is not an RFC 4514 DN: ${error.message}`, input: text });
    return undefined;
  }
}

/**
 * Registered DNs are parsed here, once per write, into the structure authentication compares
 * (`tlsClientAuthSubject`, `tlsClientAuthIssuer`); a DN or CA certificate that does not parse is refused.
 */
export const ClientSchema = z.pipe(
  ClientFields,
  z.transform((c, ctx) => {
    const { tlsClientAuthSubjectDn, tlsClientAuthIssuerDn, tlsClientAuthIssuerCertificate } = c;
    const tlsClientAuthSubject =
      tlsClientAuthSubjectDn === undefined
        ? undefined
        : parsedDn(tlsClientAuthSubjectDn, 'tlsClientAuthSubjectDn', ctx.issues);
    let tlsClientAuthIssuer: IssuerPin | undefined;
    if (tlsClientAuthIssuerCertificate !== undefined) {
      const ca = certificateIdentity(tlsClientAuthIssuerCertificate);
      if (!ca) {
        ctx.issues.push({
          code: 'custom',
          path: ['tlsClientAuthIssuerCertificate'],
          message: 'is not a PEM X.509 certificate',
          input: tlsClientAuthIssuerCertificate,
        });
      } else {
        tlsClientAuthIssuer = { name: ca.subject, caThumbprint: ca.thumbprint };
      }
    }
    if (tlsClientAuthIssuerDn !== undefined) {
      const name = parsedDn(tlsClientAuthIssuerDn, 'tlsClientAuthIssuerDn', ctx.issues);
      if (name && tlsClientAuthIssuer && !dnEquals(name, tlsClientAuthIssuer.name)) {
        ctx.issues.push({
          code: 'custom',
          path: ['tlsClientAuthIssuerDn'],
          message: 'differs from the subject of tlsClientAuthIssuerCertificate',
          input: tlsClientAuthIssuerDn,
        });
      }
      if (name && !tlsClientAuthIssuer) tlsClientAuthIssuer = { name };
    }
    return {
      ...c,
      ...(tlsClientAuthSubject ? { tlsClientAuthSubject } : {}),
      ...(tlsClientAuthIssuer ? { tlsClientAuthIssuer } : {}),
    };
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
  const result = z.validate(ClientSchema, input);
  if (!result.ok) throw new InvalidClientMetadata(z.describeProblems(result.problems));
  return result.data;
}

export class InvalidClientMetadata extends Error {
  override readonly name = 'InvalidClientMetadata';
}
