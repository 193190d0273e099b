/**
 * BankData port: the bank's core system behind the Open Banking account APIs. Shapes follow Open Banking
 * UK v3.1 (OBAccount6, OBCashBalance1, OBTransaction6) so resource handlers return them as they are.
 * The sandbox implements it on DynamoDB (seeded demo bank); a tenant plugs in its core banking adapter.
 */

export interface ObAmount {
  /** Decimal string with up to 5 fraction digits, e.g. "1230.00". */
  readonly Amount: string;
  /** ISO 4217, e.g. "GBP". */
  readonly Currency: string;
}

export type CreditDebitIndicator = 'Credit' | 'Debit';

export interface ObAccountIdentification {
  readonly SchemeName: 'UK.OBIE.SortCodeAccountNumber' | 'UK.OBIE.IBAN' | (string & {});
  readonly Identification: string;
  readonly Name?: string;
  readonly SecondaryIdentification?: string;
}

/** OBAccount6. */
export interface BankAccount {
  readonly AccountId: string;
  readonly Status?: 'Enabled' | 'Disabled' | 'Deleted' | 'ProForma' | 'Pending';
  readonly StatusUpdateDateTime?: string;
  readonly Currency: string;
  readonly AccountType: 'Personal' | 'Business';
  readonly AccountSubType:
    | 'CurrentAccount'
    | 'Savings'
    | 'Loan'
    | 'Mortgage'
    | 'ChargeCard'
    | 'CreditCard'
    | 'EMoney'
    | 'PrePaidCard';
  readonly Description?: string;
  readonly Nickname?: string;
  readonly OpeningDate?: string;
  readonly MaturityDate?: string;
  /** Detail only (ReadAccountsDetail). */
  readonly Account?: readonly ObAccountIdentification[];
  /** Detail only (ReadAccountsDetail). */
  readonly Servicer?: { readonly SchemeName: string; readonly Identification: string };
}

export type BalanceType = 'InterimAvailable' | 'InterimBooked';

/** OBCashBalance1. */
export interface BankBalance {
  readonly AccountId: string;
  readonly Amount: ObAmount;
  readonly CreditDebitIndicator: CreditDebitIndicator;
  readonly Type: BalanceType;
  readonly DateTime: string;
  readonly CreditLine?: readonly { readonly Included: boolean; readonly Amount?: ObAmount; readonly Type?: string }[];
}

/** OBTransaction6 (the fields the demo bank fills). */
export interface BankTransaction {
  readonly AccountId: string;
  readonly TransactionId: string;
  readonly TransactionReference?: string;
  readonly Amount: ObAmount;
  readonly CreditDebitIndicator: CreditDebitIndicator;
  readonly Status: 'Booked' | 'Pending';
  readonly BookingDateTime: string;
  readonly ValueDateTime?: string;
  /** Detail only (ReadTransactionsDetail). */
  readonly TransactionInformation?: string;
  readonly BankTransactionCode?: { readonly Code: string; readonly SubCode: string };
  readonly ProprietaryBankTransactionCode?: { readonly Code: string; readonly Issuer?: string };
  /** Detail only: running balance after the transaction. */
  readonly Balance?: {
    readonly Amount: ObAmount;
    readonly CreditDebitIndicator: CreditDebitIndicator;
    readonly Type: BalanceType;
  };
  /** Detail only. */
  readonly MerchantDetails?: { readonly MerchantName?: string; readonly MerchantCategoryCode?: string };
  readonly CreditorAccount?: ObAccountIdentification;
  readonly DebtorAccount?: ObAccountIdentification;
}

export interface BankCustomer {
  /** The customer's subject at the bank's identity provider (`sub`). */
  readonly subject: string;
  readonly name: string;
}

export interface TransactionWindow {
  /** ISO 8601 date-time, inclusive. */
  readonly from?: string;
  /** ISO 8601 date-time, inclusive. */
  readonly to?: string;
}

/**
 * A place in one account's booking order (BookingDateTime, then TransactionId). The transaction id may be
 * one of the two bounds below, meaning "before / after every transaction booked at that instant".
 */
export interface TransactionKey {
  /** UTC ISO 8601 with milliseconds (what `new Date(..).toISOString()` gives). */
  readonly bookingDateTime: string;
  readonly transactionId: string;
}

/** Transaction-id bounds of a TransactionKey: lower and higher than any real id (ids are non-empty, below U+FFFF). */
export const LOWEST_TRANSACTION_ID = '';
export const HIGHEST_TRANSACTION_ID = '\uffff';

/** One bounded read of an account's transactions: at most `limit`, strictly past `after` in `order`. */
export interface TransactionRead {
  readonly window: TransactionWindow;
  readonly order: 'newest-first' | 'oldest-first';
  readonly after?: TransactionKey;
  readonly limit: number;
}

export interface BankData {
  /** Accounts the customer holds (what the consent page offers, what /accounts may show). */
  listAccounts(subject: string): Promise<BankAccount[]>;
  /** The account if the customer holds it. */
  getAccount(subject: string, accountId: string): Promise<BankAccount | undefined>;
  getBalances(accountIds: readonly string[]): Promise<BankBalance[]>;
  /**
   * Booked transactions of one account in the window, in the read's order, at most `limit` of them: a
   * bounded read (never the whole history), so paging costs the same at any history length.
   */
  getTransactions(accountId: string, read: TransactionRead): Promise<BankTransaction[]>;

  // Seeding (the sandbox's demo bank; a core banking adapter need not support these).
  putCustomer(customer: BankCustomer): Promise<void>;
  putAccount(subject: string, account: BankAccount): Promise<void>;
  putBalance(balance: BankBalance): Promise<void>;
  putTransaction(transaction: BankTransaction): Promise<void>;
  /** Many at once (a long generated history): batched, several batches in flight. */
  putTransactions(transactions: readonly BankTransaction[]): Promise<void>;
}
