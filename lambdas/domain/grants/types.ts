/** What every grant receives and returns at the token endpoint. */
import type { CertificateKeys, OnceRecord } from '../../ports/store';
import type { Client } from '../client';

export interface GrantRequest {
  /** The authenticated client. */
  readonly client: Client;
  /** The token request's form parameters. */
  readonly params: ReadonlyMap<string, string>;
  /** `x5t#S256` of the mTLS client certificate: every issued token is bound to it (RFC 8705). */
  readonly certThumbprint: string;
  /** The certificate's revocation-list keys: issuance is conditional on it not being listed. */
  readonly certificateKeys: CertificateKeys;
  /** Epoch seconds. */
  readonly now: number;
  /** The client assertion's jti, claimed by the issuance transaction (`IssuanceGuard.replayClaim`). */
  readonly replayClaim?: OnceRecord;
}

/** The issuance guard's jti claim of a grant request, if its client authenticated with an assertion. */
export const replayClaimOf = ({ replayClaim, now }: GrantRequest) =>
  replayClaim ? { record: replayClaim, now } : undefined;

/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly scope: string;
}

/** Default lifetimes (seconds) where the client's tokenSettings set none. */
export interface TokenLifetimes {
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
}
