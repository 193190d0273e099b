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

export interface BankData {
  /** Accounts the customer holds (what the consent page offers, what /accounts may show). */
  listAccounts(subject: string): Promise<BankAccount[]>;
  /** The account if the customer holds it. */
  getAccount(subject: string, accountId: string): Promise<BankAccount | undefined>;
  getBalances(accountIds: readonly string[]): Promise<BankBalance[]>;
  /** Booked transactions of the accounts in the window, newest first (BookingDateTime descending). */
  getTransactions(accountIds: readonly string[], window?: TransactionWindow): Promise<BankTransaction[]>;

  // Seeding (the sandbox's demo bank; a core banking adapter need not support these).
  putCustomer(customer: BankCustomer): Promise<void>;
  putAccount(subject: string, account: BankAccount): Promise<void>;
  putBalance(balance: BankBalance): Promise<void>;
  putTransaction(transaction: BankTransaction): Promise<void>;
}
