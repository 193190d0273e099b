/**
 * Revocation nobody can outrun: the ONE mechanism behind TPP DELETE of a consent, re-authorisation, the
 * customer's "stop sharing", the admin console, RFC 7009 and certificate revocation.
 *
 * Token issuance is one transaction that ConditionChecks its authority (the consent, the consent-less
 * grant's registry item, the presented refresh token, the certificate's revocation-list items) and writes
 * an item per token into the collections below (`TokenStore.issue`). Revocation is always:
 *   1. the conditional write of the authority — after it, every issuance's ConditionCheck fails;
 *   2. a strongly consistent sweep of the collection — every issuance that committed before step 1 is seen;
 *   3. only then the acknowledgement (the caller's response).
 * So no token of a revoked consent or grant is usable once the revocation is acknowledged, however the
 * calls interleave. A repeated revocation sweeps again, which also finishes one interrupted by a crash.
 */
import type { AuthorizationStore, ConsentStore, CurrentGrant, GrantRegistry, TokenStore } from '../ports/store';
import type { Consent, TokenRecord } from './model';

export interface RevocationDeps {
  readonly consents: ConsentStore;
  readonly tokens: TokenStore;
  readonly grants: GrantRegistry;
  readonly authorizations: AuthorizationStore;
}

export interface RevocationResult {
  /** False when the consent or grant had already ended (the tokens were swept again). */
  readonly ended: boolean;
  readonly tokensRevoked: number;
}

/** A consent's end (TPP DELETE, customer "stop sharing", admin): Revoked, then every token of it swept. */
export async function revokeConsent(
  deps: Pick<RevocationDeps, 'consents' | 'tokens'>,
  consentId: string,
  now: number,
): Promise<RevocationResult> {
  // Step 1, the moment of truth: issuances serialised after this write fail their ConditionCheck.
  const revoked = await deps.consents.transition(consentId, ['AwaitingAuthorisation', 'Authorised'], {
    status: 'Revoked',
    statusUpdateDateTime: new Date(now * 1000).toISOString(),
  });
  const tokensRevoked = await deps.tokens.sweep({ kind: 'consent', consentId });
  return { ended: revoked !== undefined, tokensRevoked };
}

/**
 * After a re-authorisation wrote the consent's new grant id (step 1: the earlier grant's issuances now
 * fail), every token of the earlier authorisations is swept and its unredeemed code withdrawn.
 */
export async function endReplacedConsentGrant(
  deps: Pick<RevocationDeps, 'tokens' | 'authorizations'>,
  replaced: Pick<Consent, 'consentId' | 'authorizationCodeId'>,
  currentGrantId: string,
  now: number,
): Promise<number> {
  await withdrawCode(deps, replaced.authorizationCodeId, now);
  return deps.tokens.sweep({ kind: 'consent', consentId: replaced.consentId }, { except: currentGrantId });
}

/**
 * After the grant registry named a new consent-less grant (step 1), the replaced grant's code is withdrawn
 * and its tokens swept.
 */
export async function endReplacedGrant(
  deps: Pick<RevocationDeps, 'tokens' | 'authorizations'>,
  replaced: CurrentGrant,
  now: number,
): Promise<number> {
  await withdrawCode(deps, replaced.codeId, now);
  return deps.tokens.sweep({ kind: 'grant', grantId: replaced.grantId });
}

/** A consent-less grant's end (customer "stop sharing", admin): the registry item first, then the sweep. */
export async function revokeGrant(
  deps: Pick<RevocationDeps, 'grants' | 'tokens' | 'authorizations'>,
  clientId: string,
  subject: string,
  now: number,
): Promise<RevocationResult> {
  const ended = await deps.grants.revoke(clientId, subject);
  if (!ended) return { ended: false, tokensRevoked: 0 };
  return { ended: true, tokensRevoked: await endReplacedGrant(deps, ended, now) };
}

/**
 * RFC 7009 revocation of a refresh token, or a replayed code: every token of that one grant. The presented
 * token was marked revoked first by the caller; refresh issuance ConditionChecks its refresh token, so a
 * second sweep after the first one (which marked every refresh token of the grant) sees every token a
 * concurrent refresh could still have written.
 */
export async function revokeGrantTokens(
  deps: Pick<RevocationDeps, 'tokens'>,
  token: Pick<TokenRecord, 'grantId' | 'consentId'>,
): Promise<number> {
  if (token.grantId === undefined) return 0;
  const collection =
    token.consentId !== undefined
      ? ({ kind: 'consent', consentId: token.consentId } as const)
      : ({ kind: 'grant', grantId: token.grantId } as const);
  const first = await deps.tokens.sweep(collection, { only: token.grantId });
  const second = await deps.tokens.sweep(collection, { only: token.grantId });
  return Math.max(first, second);
}

/**
 * A certificate listed as revoked (step 1 is the list entry's lookup item, which issuance ConditionChecks):
 * every token bound to it is swept.
 */
export function revokeCertificateTokens(deps: Pick<RevocationDeps, 'tokens'>, revocationKey: string): Promise<number> {
  return deps.tokens.sweep({ kind: 'certificate', key: revocationKey });
}

/** An earlier authorisation's unredeemed code: using it up makes a late redemption a replay (invalid_grant). */
async function withdrawCode(
  deps: Pick<RevocationDeps, 'authorizations'>,
  codeId: string | undefined,
  now: number,
): Promise<void> {
  if (codeId) await deps.authorizations.consume('code', codeId, now);
}
