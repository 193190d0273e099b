import type { CustomerAccount, ScopeGroup } from '../api/consent-session';

/**
 * The scopes the customer grants: every requested scope, except scope groups offered one by one
 * that the customer unticked; ticked groups are granted even when the request named them only
 * through a broader scope.
 */
export function grantedScopes(
  requestedScopes: readonly string[],
  offeredGroups: readonly ScopeGroup[],
  tickedGroupIds: ReadonlySet<string>,
): string[] {
  const offered = new Set(offeredGroups.map((group) => group.id));
  const kept = requestedScopes.filter((scope) => !offered.has(scope));
  const ticked = offeredGroups.map((group) => group.id).filter((id) => tickedGroupIds.has(id));
  return [...new Set([...kept, ...ticked])];
}

const accountSubTypes: Record<string, string> = {
  ChargeCard: 'charge card',
  CreditCard: 'credit card',
  CurrentAccount: 'current account',
  EMoney: 'e-money account',
  Loan: 'loan',
  Mortgage: 'mortgage',
  PrePaidCard: 'prepaid card',
  Savings: 'savings account',
};

/**
 * "Personal current account · GBP": the bank's own product name when it has one (a time deposit is a
 * time deposit, even if its OBUK AccountSubType is Savings), else the AccountType and AccountSubType as words.
 */
export function describeAccount(account: CustomerAccount): string {
  if (account.description) return [account.description, account.currency].filter(Boolean).join(' · ');
  const subType = Object.hasOwn(accountSubTypes, account.account_sub_type)
    ? accountSubTypes[account.account_sub_type]
    : account.account_sub_type;
  const kind = [account.account_type, subType].filter(Boolean).join(' ');
  return [kind.charAt(0).toUpperCase() + kind.slice(1), account.currency].filter(Boolean).join(' · ');
}
