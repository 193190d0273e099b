/** Minting opaque, certificate-bound tokens: the raw value goes to the client once, the store keeps its hash. */
import type { Client } from './client';
import type { Grant, TokenKind, TokenRecord } from './model';
import { hashSecret, newOpaqueValue } from './tokens';

export interface MintInput {
  readonly kind: TokenKind;
  readonly client: Client;
  readonly scope: string;
  readonly certThumbprint: string;
  readonly now: number;
  readonly ttl: number;
  /** 0 = unlimited. */
  readonly maxUses: number;
  /** Grant-level facts copied onto the token so a resource call needs no second lookup. */
  readonly grant?: Partial<Grant>;
}

export interface MintedToken {
  readonly value: string;
  readonly record: TokenRecord;
}

export function mintToken(input: MintInput): MintedToken {
  const value = newOpaqueValue();
  const expiresAt =
    input.grant?.consentExpiresAt !== undefined
      ? Math.min(input.now + input.ttl, input.grant.consentExpiresAt)
      : input.now + input.ttl;
  return {
    value,
    record: {
      tokenHash: hashSecret(value),
      kind: input.kind,
      clientId: input.client.clientId,
      scope: input.scope,
      certThumbprint: input.certThumbprint,
      issuedAt: input.now,
      expiresAt,
      uses: 0,
      maxUses: input.maxUses,
      revoked: false,
      // Copied from the registration, so the gateway checks it from the token it already reads.
      ...(input.client.approvedApis ? { approvedApis: input.client.approvedApis } : {}),
      ...input.grant,
    },
  };
}

/**
 * Scopes for a client_credentials grant: the requested ones (or, if none, every registered non-OpenID
 * scope). `openid` has no meaning without a user; unregistered scopes are refused.
 */
export function clientCredentialsScope(client: Client, requested: string | undefined): string | { error: string } {
  const registered = client.scopes.filter((s) => s !== 'openid');
  const scopes = requested === undefined ? registered : [...new Set(requested.split(' ').filter(Boolean))];
  if (scopes.length === 0) return { error: 'no scope requested and none registered for client_credentials' };
  const refused = scopes.filter((s) => !registered.includes(s));
  if (refused.length > 0) return { error: `scope not allowed for this client: ${refused.join(' ')}` };
  return scopes.join(' ');
}
