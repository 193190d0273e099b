/**
 * Consents and authorization codes written straight into the store, as the customer's journey would
 * leave them: for tests about what happens after the browser part (redemption, crashes, logs).
 */
import { randomBytes } from 'node:crypto';
import type { Stores } from '../../lambdas/adapters/dynamodb';
import { codeRecordId } from '../../lambdas/domain/authorization';
import { hashSecret } from '../../lambdas/domain/tokens';

const CUSTOMER = 'steve';
const ACCOUNT_IDS = ['acc-current'];
const PERMISSIONS = ['ReadAccountsDetail'];
const CONSENT_LIFETIME = 86400;

/** An Authorised AIS consent of steve's for `clientId`, valid for a day; returns its id. */
export async function seedAuthorisedConsent(stores: Stores, clientId: string): Promise<string> {
  const now = new Date();
  const consentId = `aac-${randomBytes(16).toString('base64url')}`;
  await stores.consents.create({
    consentId,
    clientId,
    status: 'Authorised',
    permissions: PERMISSIONS,
    expirationDateTime: new Date(now.getTime() + CONSENT_LIFETIME * 1000).toISOString(),
    creationDateTime: now.toISOString(),
    statusUpdateDateTime: now.toISOString(),
    risk: {},
    subject: CUSTOMER,
    accountIds: ACCOUNT_IDS,
  } as never);
  return consentId;
}

/** An unredeemed code for that consent, with its PKCE verifier (the store keeps only hashes). */
export async function seedAuthorizationCode(
  stores: Stores,
  grant: {
    clientId: string;
    /** Absent: a consent-less grant (the registry must name `grantId`). */
    consentId?: string;
    grantId?: string;
    redirectUri: string;
    scope: string;
    lifetime: number;
    nonce?: string;
  },
): Promise<{ code: string; verifier: string }> {
  const now = Math.floor(Date.now() / 1000);
  const code = randomBytes(32).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  await stores.authorizations.put({
    id: codeRecordId(code),
    kind: 'code',
    clientId: grant.clientId,
    used: false,
    expiresAt: now + grant.lifetime,
    redirectUri: grant.redirectUri,
    codeChallenge: hashSecret(verifier),
    scope: grant.scope,
    nonce: grant.nonce,
    grantId: grant.grantId ?? randomBytes(16).toString('base64url'),
    subject: CUSTOMER,
    authTime: now,
    consentId: grant.consentId,
    accountIds: ACCOUNT_IDS,
    permissions: PERMISSIONS,
    consentExpiresAt: now + CONSENT_LIFETIME,
  } as never);
  return { code, verifier };
}
