/** Scope-to-API authorization: a gateway API is callable only within the scope groups the customer granted. */
import { AccessDenied } from '../../errors';
import type { TokenRecord } from '../model';
import type { ApiDefinition } from './catalog';

export const NOT_AUTHORIZED = 'the user has not authorized this function';

/**
 * The token must be a customer's (client_credentials tokens carry no grant) and its grant must include the
 * API's group. Re-authorisation with fewer groups revokes the earlier tokens, so a removed group fails here
 * or, with a revoked token, one step earlier.
 */
export function requireGrantedGroup(token: TokenRecord, api: Pick<ApiDefinition, 'scopeGroup'>): { subject: string } {
  if (token.subject === undefined || !token.grantedScopes?.includes(api.scopeGroup)) {
    throw new AccessDenied(NOT_AUTHORIZED);
  }
  return { subject: token.subject };
}

export const NOT_APPROVED = 'this API is not approved for the client; apply for it in the developer portal';

/**
 * A client the bank restricted to approved APIs (developer-portal clients) may call only those. The set is
 * copied onto each token at issue, so an approval applies from the next token on, with no extra read here.
 */
export function requireApprovedApi(token: TokenRecord, api: Pick<ApiDefinition, 'apiId'>): void {
  if (token.approvedApis !== undefined && !token.approvedApis.includes(api.apiId)) throw new AccessDenied(NOT_APPROVED);
}
