/**
 * Scope groups: OAuth scopes that each stand for a group of gateway APIs (RFC 6749 §3.3 scopes). A TPP
 * requests them in `scope`, the consent page offers them one by one, and the customer's choice ends up
 * in the token's `grantedScopes`, which the gateway checks on every call.
 */

export interface ScopeGroup {
  readonly id: string;
  readonly label: string;
  readonly description: string;
}

export const SCOPE_GROUPS: readonly ScopeGroup[] = [
  {
    id: 'demand_deposits',
    label: 'Demand deposits',
    description: 'View your demand deposit accounts and their balances',
  },
  {
    id: 'time_deposits',
    label: 'Time deposits',
    description: 'View your time deposits and their balances',
  },
  {
    id: 'credit_cards',
    label: 'Credit cards',
    description: 'Use credit card services such as roadside assistance',
  },
];

export const SCOPE_GROUP_IDS: readonly string[] = SCOPE_GROUPS.map((group) => group.id);

/** The groups among the requested scopes, in the order the consent page shows them. */
export function offeredScopeGroups(requestedScopes: readonly string[]): ScopeGroup[] {
  return SCOPE_GROUPS.filter((group) => requestedScopes.includes(group.id));
}

/**
 * The scopes a customer's answer grants: only requested scopes, and only offered groups may be left out
 * (scopes that are not groups, e.g. `openid accounts`, are not the customer's to drop). Absent = all.
 */
export function grantedScopesOf(
  requestedScopes: readonly string[],
  answer: readonly string[] | undefined,
): { readonly scopes: string[] } | { readonly error: string } {
  if (answer === undefined) return { scopes: [...requestedScopes] };
  const granted = [...new Set(answer)];
  const unrequested = granted.filter((scope) => !requestedScopes.includes(scope));
  if (unrequested.length > 0) return { error: `granted_scopes must be requested scopes: ${unrequested.join(' ')}` };
  const offered = new Set(offeredScopeGroups(requestedScopes).map((group) => group.id));
  const dropped = requestedScopes.filter((scope) => !offered.has(scope) && !granted.includes(scope));
  if (dropped.length > 0) return { error: `granted_scopes may leave out only scope groups, not: ${dropped.join(' ')}` };
  // In the order requested, so the scope string the tokens carry reads like the request it narrows.
  return { scopes: requestedScopes.filter((scope) => granted.includes(scope)) };
}
