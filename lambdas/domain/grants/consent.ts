/** The consent behind a customer grant, checked again whenever tokens are issued from it. */
import { InvalidGrant } from '../../errors';
import type { ConsentStore } from '../../ports/store';
import { isExpired } from '../consents';
import type { Consent } from '../model';

/**
 * The consent as it is now: it must exist, belong to the client, be `Authorised` and unexpired. A consent
 * revoked or expired since the code or refresh token was issued must not yield new tokens.
 */
export async function requireActiveConsent(
  consents: ConsentStore,
  consentId: string,
  clientId: string,
  now: number,
): Promise<Consent> {
  const consent = await consents.get(consentId);
  if (!consent || consent.clientId !== clientId) throw new InvalidGrant('the consent of this grant no longer exists');
  if (consent.status !== 'Authorised') throw new InvalidGrant(`the consent of this grant is ${consent.status}`);
  if (isExpired(consent, new Date(now * 1000))) throw new InvalidGrant('the consent of this grant has expired');
  return consent;
}
