/** How the bank names a customer's account without showing its full number. */
import type { BankAccount } from '../ports/bank-data';

/**
 * "••••0001": the last four characters of the account's first identification (else its id) behind four mask
 * characters — `•` on pages people read, `*` in machine-read API answers (ASCII).
 */
export function maskedNumber(account: BankAccount, mask: '•' | '*' = '•'): string {
  const identification = account.Account?.[0]?.Identification ?? account.AccountId;
  return `${mask.repeat(4)}${identification.slice(-4)}`;
}

/** Only an account identified by sort code and account number has a sort code to mention. */
export function hasSortCode(account: BankAccount): boolean {
  return account.Account?.some((id) => id.SchemeName === 'UK.OBIE.SortCodeAccountNumber') ?? false;
}

/** What the customer calls the account: her nickname, else the bank's product name, else its type. */
export function accountName(account: BankAccount): string {
  return account.Nickname ?? account.Description ?? account.AccountSubType;
}
