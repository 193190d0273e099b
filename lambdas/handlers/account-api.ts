/**
 * The customer self-service API (`/account/api/*`, browser origin): the bank's customers sign in through
 * the same federation as the authorization journey and see and stop what they share.
 */
import { type PortalDefinition, portalHandler } from '../http/portal';
import { wiring } from '../wiring';

export const customerPortal: PortalDefinition = {
  id: 'account',
  identityProvider: () => wiring.identityProvider,
  // Every customer the bank's IdP authenticates may see her own connected apps.
  admit: (person) => ({ subject: person.subject, name: person.name, roles: [] }),
  idleSeconds: 15 * 60,
  absoluteSeconds: 8 * 3600,
};

export const handler = portalHandler(customerPortal, []);
