/**
 * `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636, FAPI): the code is redeemed by ONE conditional
 * write, then bound to the client, redirect URI and PKCE verifier; the tokens are written in one
 * transaction conditional on the consent (or consent-less grant) still being this authorisation's.
 */
import { InvalidGrant, InvalidRequest } from '../../errors';
import type { AuthorizationStore, ConsentStore } from '../../ports/store';
import { type AuthorizationCodeRecord, codeRecordId } from '../authorization';
import type { Client } from '../client';
import { grantOf } from '../grant';
import { revokeGrantTokens } from '../revocation';
import { requireActiveConsent } from './consent';
import { type IssueDeps, issueCustomerTokens } from './issue';
import { isWellFormedCodeVerifier, pkceMatches } from './pkce';
import type { GrantRequest, TokenResponse } from './types';

export interface AuthorizationCodeDeps extends IssueDeps {
  readonly authorizations: AuthorizationStore;
  readonly consents: ConsentStore;
}

interface CodeRequest {
  readonly code: string;
  readonly redirectUri: string;
  readonly codeVerifier?: string;
}

/** Same answer for an unknown code and another client's code: the caller learns nothing about the latter. */
const NOT_FOUND = 'authorization code is invalid';

export async function authorizationCodeGrant(
  request: GrantRequest,
  deps: AuthorizationCodeDeps,
): Promise<TokenResponse> {
  const presented = readCodeRequest(request.params);
  const code = await redeemCode(presented.code, request.now, deps);
  checkCodeBinding(code, request.client, presented);
  if (code.consentExpiresAt !== undefined && code.consentExpiresAt <= request.now) {
    throw new InvalidGrant('the consent of this grant has expired');
  }
  const { consentId } = code;
  // The consent is not read first: the issuance's ConditionCheck is the check; it is read only to explain a refusal.
  const explainRevokedGrant = async () => {
    if (consentId !== undefined) {
      await requireActiveConsent(deps.consents, consentId, request.client.clientId, request.now);
    }
  };
  return issueCustomerTokens(
    request,
    {
      scope: code.scope,
      grant: grantOf(code),
      withRefreshToken: request.client.grantTypes.includes('refresh_token'),
      nonce: code.nonce,
    },
    deps,
    explainRevokedGrant,
  );
}

/** Presence and syntax of the parameters, before the code is touched (RFC 6749 §4.1.3). */
function readCodeRequest(params: ReadonlyMap<string, string>): CodeRequest {
  const code = params.get('code');
  if (!code) throw new InvalidRequest('code is required');
  // RFC 6749 requires redirect_uri when the authorization request had one, and FAPI requires it there.
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) throw new InvalidRequest('redirect_uri is required');
  const codeVerifier = params.get('code_verifier');
  if (codeVerifier !== undefined && !isWellFormedCodeVerifier(codeVerifier)) {
    throw new InvalidRequest('code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~');
  }
  return { code, redirectUri, codeVerifier };
}

/**
 * Marks the code used — the moment of truth: of N concurrent redemptions exactly one wins. The code is
 * spent even if a later check fails, so a stolen code cannot be retried. A replay revokes every token
 * issued from the first redemption (RFC 6749 §4.1.2, §10.5).
 */
async function redeemCode(code: string, now: number, deps: AuthorizationCodeDeps): Promise<AuthorizationCodeRecord> {
  const redeemed = await deps.authorizations.consume('code', codeRecordId(code), now);
  if (redeemed.ok) return redeemed.record;
  switch (redeemed.reason) {
    case 'used':
      if (redeemed.record) await revokeGrantTokens(deps, redeemed.record);
      throw new InvalidGrant('authorization code has already been used; the tokens issued from it are revoked');
    case 'expired':
      throw new InvalidGrant('authorization code has expired');
    default:
      throw new InvalidGrant(NOT_FOUND);
  }
}

function checkCodeBinding(code: AuthorizationCodeRecord, client: Client, presented: CodeRequest): void {
  if (code.clientId !== client.clientId) throw new InvalidGrant(NOT_FOUND);
  if (presented.redirectUri !== code.redirectUri) {
    throw new InvalidGrant('redirect_uri does not match the one of the authorization request');
  }
  if (presented.codeVerifier === undefined) throw new InvalidGrant('code_verifier is required (PKCE)');
  if (!pkceMatches(presented.codeVerifier, code.codeChallenge)) {
    throw new InvalidGrant('code_verifier does not match the code_challenge');
  }
}
