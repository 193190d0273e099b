import {
  type AccountAccess,
  accountAccess,
  accountsView,
  consentedAccountId,
  consentedAccounts,
  maskPan,
  parseBookingDateTime,
  readResponse,
  requireBalances,
  selectBalances,
  selectTransactions,
  shapeAccount,
  type TransactionsView,
  transactionsView,
  transactionWindow,
} from '../../lambdas/domain/account-information';
import type { TokenRecord } from '../../lambdas/domain/model';
import { InvalidToken, ObError } from '../../lambdas/errors';
import type { BankAccount, BankBalance, BankTransaction } from '../../lambdas/ports/bank-data';

const NOW = 1_795_000_000;

const customerToken = (grant: Partial<TokenRecord> = {}): TokenRecord => ({
  tokenHash: 'hash',
  kind: 'access',
  clientId: 'tpp',
  scope: 'openid accounts',
  certThumbprint: 'thumb',
  issuedAt: NOW - 10,
  expiresAt: NOW + 290,
  uses: 1,
  maxUses: 0,
  revoked: false,
  consentId: 'consent-1',
  subject: 'cust-0001',
  accountIds: ['acc-1', 'acc-2'],
  permissions: ['ReadAccountsBasic'],
  ...grant,
});

const access = (permissions: string[], grant: Partial<TokenRecord> = {}): AccountAccess =>
  accountAccess(customerToken({ permissions, ...grant }), NOW);

function errorOf(fn: () => unknown): ObError | InvalidToken {
  try {
    fn();
  } catch (error) {
    if (error instanceof ObError || error instanceof InvalidToken) return error;
    throw error;
  }
  throw new Error('expected a protocol error');
}

const account = (AccountId: string, extra: Partial<BankAccount> = {}): BankAccount => ({
  AccountId,
  Status: 'Enabled',
  Currency: 'GBP',
  AccountType: 'Personal',
  AccountSubType: 'CurrentAccount',
  Nickname: `Nick ${AccountId}`,
  Account: [{ SchemeName: 'UK.OBIE.SortCodeAccountNumber', Identification: '80200110203345', Name: 'Alice' }],
  Servicer: { SchemeName: 'UK.OBIE.BICFI', Identification: 'TPIBGB2L' },
  ...extra,
});

const transaction = (
  TransactionId: string,
  CreditDebitIndicator: 'Credit' | 'Debit',
  BookingDateTime: string,
  AccountId = 'acc-1',
): BankTransaction => ({
  AccountId,
  TransactionId,
  Amount: { Amount: '10.00', Currency: 'GBP' },
  CreditDebitIndicator,
  Status: 'Booked',
  BookingDateTime,
  TransactionInformation: 'COFFEE SHOP',
  Balance: { Amount: { Amount: '90.00', Currency: 'GBP' }, CreditDebitIndicator: 'Credit', Type: 'InterimBooked' },
  MerchantDetails: { MerchantName: 'Coffee Shop', MerchantCategoryCode: '5814' },
  CreditorAccount: { SchemeName: 'UK.OBIE.PAN', Identification: '4929123412341234' },
  DebtorAccount: { SchemeName: 'UK.OBIE.SortCodeAccountNumber', Identification: '80200110203345' },
});

describe('the token behind an account information call', () => {
  it('takes the consent facts from a customer token', () => {
    // Act
    const granted = accountAccess(
      customerToken({
        permissions: ['ReadAccountsDetail', 'ReadBalances'],
        transactionFromDateTime: '2026-01-01T00:00:00Z',
        consentExpiresAt: NOW + 1,
      }),
      NOW,
    );

    // Assess
    expect(granted).toEqual({
      consentId: 'consent-1',
      subject: 'cust-0001',
      accountIds: ['acc-1', 'acc-2'],
      permissions: new Set(['ReadAccountsDetail', 'ReadBalances']),
      transactionWindow: { from: '2026-01-01T00:00:00Z', to: undefined },
    });
  });

  it.each([
    ['no consent', { consentId: undefined }],
    ['no customer', { subject: undefined }],
  ])('refuses a client_credentials token (%s) with 403', (_, grant) => {
    // Act
    const error = errorOf(() => accountAccess(customerToken(grant), NOW));

    // Assess
    expect(error).toBeInstanceOf(ObError);
    expect(error).toMatchObject({ status: 403, errors: [{ ErrorCode: 'UK.OBIE.Unauthorised' }] });
    expect(error.message).toMatch(/client_credentials/);
  });

  it('refuses a token whose consent has expired as an invalid token (401)', () => {
    // Act
    const error = errorOf(() => accountAccess(customerToken({ consentExpiresAt: NOW }), NOW));

    // Assess
    expect(error).toBeInstanceOf(InvalidToken);
    expect(error.status).toBe(401);
  });
});

describe('permissions -> endpoints', () => {
  it.each([
    [['ReadAccountsBasic'], { detail: false, unmaskedPan: false }],
    [['ReadAccountsDetail'], { detail: true, unmaskedPan: false }],
    [['ReadAccountsDetail', 'ReadPAN'], { detail: true, unmaskedPan: true }],
  ])('accounts with %j', (permissions, view) => {
    expect(accountsView(access(permissions))).toEqual(view);
  });

  it.each([
    ['accounts', () => accountsView(access(['ReadBalances'])), 'ReadAccountsBasic or ReadAccountsDetail'],
    ['balances', () => requireBalances(access(['ReadAccountsBasic'])), 'ReadBalances'],
    [
      'transactions without Basic/Detail',
      () => transactionsView(access(['ReadAccountsBasic', 'ReadTransactionsCredits'])),
      'ReadTransactionsBasic or ReadTransactionsDetail',
    ],
    [
      'transactions without a direction',
      () => transactionsView(access(['ReadAccountsBasic', 'ReadTransactionsDetail'])),
      'ReadTransactionsCredits or ReadTransactionsDebits',
    ],
  ])('refuses %s without the permission, naming it (403)', (_, call, named) => {
    // Act
    const error = errorOf(call);

    // Assess
    expect(error).toMatchObject({ status: 403, errors: [{ ErrorCode: 'UK.OBIE.Resource.ConsentMismatch' }] });
    expect(error.message).toContain(named);
  });

  it('lets balances through with ReadBalances', () => {
    expect(() => requireBalances(access(['ReadAccountsBasic', 'ReadBalances']))).not.toThrow();
  });

  it('derives the transaction directions from Credits / Debits', () => {
    // Act
    const credits = transactionsView(access(['ReadTransactionsBasic', 'ReadTransactionsCredits']));
    const both = transactionsView(
      access(['ReadTransactionsDetail', 'ReadTransactionsCredits', 'ReadTransactionsDebits']),
    );

    // Assess
    expect(credits).toEqual({ detail: false, unmaskedPan: false, directions: new Set(['Credit']) });
    expect(both).toEqual({ detail: true, unmaskedPan: false, directions: new Set(['Credit', 'Debit']) });
  });
});

describe('accounts in the consent', () => {
  it('accepts an AccountId the consent covers', () => {
    expect(consentedAccountId(access(['ReadAccountsBasic']), 'acc-2')).toBe('acc-2');
  });

  it.each([['acc-3'], [undefined]])('refuses AccountId %s outside the consent (403)', (accountId) => {
    // Act
    const error = errorOf(() => consentedAccountId(access(['ReadAccountsBasic']), accountId));

    // Assess
    expect(error).toMatchObject({ status: 403, errors: [{ ErrorCode: 'UK.OBIE.Resource.ConsentMismatch' }] });
  });

  it('keeps the consented accounts the customer still holds, in bank order', () => {
    // Prepare: acc-1 is consented but no longer held; acc-3 is held but not consented.
    const held = [account('acc-3'), account('acc-2')];

    // Act
    const shown = consentedAccounts(access(['ReadAccountsBasic']), held);

    // Assess
    expect(shown.map((a) => a.AccountId)).toEqual(['acc-2']);
  });

  it('keeps only the balances of the given accounts', () => {
    // Prepare
    const balance = (AccountId: string): BankBalance => ({
      AccountId,
      Amount: { Amount: '1.00', Currency: 'GBP' },
      CreditDebitIndicator: 'Credit',
      Type: 'InterimBooked',
      DateTime: '2026-11-21T00:00:00Z',
    });

    // Act
    const shown = selectBalances([balance('acc-1'), balance('acc-3'), balance('acc-2')], ['acc-1', 'acc-2']);

    // Assess
    expect(shown.map((b) => b.AccountId)).toEqual(['acc-1', 'acc-2']);
  });
});

describe('account shaping', () => {
  it('omits Account and Servicer for ReadAccountsBasic', () => {
    // Act
    const shaped = shapeAccount(account('acc-1'), { detail: false, unmaskedPan: false });

    // Assess
    expect(shaped).not.toHaveProperty('Account');
    expect(shaped).not.toHaveProperty('Servicer');
    expect(shaped).toMatchObject({ AccountId: 'acc-1', Nickname: 'Nick acc-1', AccountSubType: 'CurrentAccount' });
  });

  it('shows Account and Servicer for ReadAccountsDetail, masking card numbers without ReadPAN', () => {
    // Prepare
    const card = account('card-1', {
      AccountSubType: 'CreditCard',
      Account: [{ SchemeName: 'UK.OBIE.PAN', Identification: '5555444433331111', Name: 'Alice' }],
    });

    // Act
    const masked = shapeAccount(card, { detail: true, unmaskedPan: false });
    const unmasked = shapeAccount(card, { detail: true, unmaskedPan: true });

    // Assess
    expect(masked.Account).toEqual([{ SchemeName: 'UK.OBIE.PAN', Identification: '************1111', Name: 'Alice' }]);
    expect(masked.Servicer).toEqual({ SchemeName: 'UK.OBIE.BICFI', Identification: 'TPIBGB2L' });
    expect(unmasked.Account).toEqual(card.Account);
    expect(card.Account![0]!.Identification).toBe('5555444433331111');
  });

  it('leaves non-PAN identifications as they are', () => {
    expect(shapeAccount(account('acc-1'), { detail: true, unmaskedPan: false }).Account).toEqual(
      account('acc-1').Account,
    );
  });

  it.each([
    ['4929123412341234', '************1234'],
    ['1234', '****'],
    ['', ''],
  ])('masks PAN %j as %j', (pan, masked) => {
    expect(maskPan(pan)).toBe(masked);
  });
});

describe('transaction selection and shaping', () => {
  const all = [
    transaction('t4', 'Debit', '2026-03-01T09:00:00Z'),
    transaction('t3', 'Credit', '2026-02-15T09:00:00Z'),
    transaction('t2', 'Debit', '2026-02-01T09:00:00Z', 'acc-3'),
    transaction('t1', 'Credit', '2026-01-01T09:00:00Z'),
  ];
  const view = (permissions: string[]): TransactionsView => transactionsView(access(permissions));
  const everything = { accountIds: ['acc-1', 'acc-3'], window: {} };

  it('omits the detail-only fields for ReadTransactionsBasic', () => {
    // Act
    const [shown] = selectTransactions(all, {
      ...everything,
      view: view(['ReadTransactionsBasic', 'ReadTransactionsDebits']),
    });

    // Assess
    expect(Object.keys(shown!).sort()).toEqual(
      ['AccountId', 'Amount', 'BookingDateTime', 'CreditDebitIndicator', 'Status', 'TransactionId'].sort(),
    );
  });

  it('shows the detail fields for ReadTransactionsDetail, masking a PAN counterparty without ReadPAN', () => {
    // Act
    const [masked] = selectTransactions(all, {
      ...everything,
      view: view(['ReadTransactionsDetail', 'ReadTransactionsDebits']),
    });
    const [unmasked] = selectTransactions(all, {
      ...everything,
      view: view(['ReadTransactionsDetail', 'ReadTransactionsDebits', 'ReadPAN']),
    });

    // Assess
    expect(masked).toMatchObject({
      TransactionInformation: 'COFFEE SHOP',
      Balance: { Type: 'InterimBooked' },
      MerchantDetails: { MerchantName: 'Coffee Shop' },
      CreditorAccount: { SchemeName: 'UK.OBIE.PAN', Identification: '************1234' },
      DebtorAccount: { SchemeName: 'UK.OBIE.SortCodeAccountNumber', Identification: '80200110203345' },
    });
    expect(unmasked!.CreditorAccount!.Identification).toBe('4929123412341234');
  });

  it.each([
    [['ReadTransactionsCredits'], ['t3', 't1']],
    [['ReadTransactionsDebits'], ['t4', 't2']],
    [
      ['ReadTransactionsCredits', 'ReadTransactionsDebits'],
      ['t4', 't3', 't2', 't1'],
    ],
  ])('with %j shows %j (order kept)', (directions, ids) => {
    // Act
    const shown = selectTransactions(all, { ...everything, view: view(['ReadTransactionsBasic', ...directions]) });

    // Assess
    expect(shown.map((t) => t.TransactionId)).toEqual(ids);
  });

  it('drops transactions of other accounts and outside the window, bounds inclusive', () => {
    // Act
    const shown = selectTransactions(all, {
      accountIds: ['acc-1'],
      window: { from: '2026-01-01T09:00:00.000Z', to: '2026-02-15T09:00:00.000Z' },
      view: view(['ReadTransactionsBasic', 'ReadTransactionsCredits', 'ReadTransactionsDebits']),
    });

    // Assess
    expect(shown.map((t) => t.TransactionId)).toEqual(['t3', 't1']);
  });
});

describe('booking date-time filters', () => {
  it.each([
    ['2026-03-04T05:06:07Z', '2026-03-04T05:06:07.000Z'],
    ['2026-03-04T05:06:07.123456', '2026-03-04T05:06:07.123Z'],
    ['2026-03-04T05:06', '2026-03-04T05:06:00.000Z'],
    ['2026-03-04', '2026-03-04T00:00:00.000Z'],
    // OBUK: a time zone in the filter is ignored.
    ['2026-03-04T05:06:07+02:00', '2026-03-04T05:06:07.000Z'],
  ])('reads %j as %j', (value, instant) => {
    expect(parseBookingDateTime('fromBookingDateTime', value)).toBe(instant);
  });

  it.each([
    ['yesterday'],
    [''],
    ['2026-02-30T00:00:00'],
    ['2026-01-01T24:00:00'],
    ['2026-13-01'],
    ['2026-01-01T10:00:00Zjunk'],
  ])('refuses %j with 400 UK.OBIE.Field.InvalidDate', (value) => {
    // Act
    const error = errorOf(() => parseBookingDateTime('toBookingDateTime', value));

    // Assess
    expect(error).toMatchObject({
      status: 400,
      errors: [{ ErrorCode: 'UK.OBIE.Field.InvalidDate', Path: 'toBookingDateTime' }],
    });
  });

  const consent = { from: '2026-01-01T00:00:00+00:00', to: '2026-06-30T23:59:59Z' };

  it('uses the consent window when no filter is given', () => {
    expect(transactionWindow(consent, {})).toEqual({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-06-30T23:59:59.000Z',
    });
  });

  it('is unbounded when neither consent nor query bound it', () => {
    expect(transactionWindow({}, {})).toEqual({});
  });

  it('intersects the filters with the consent window', () => {
    // Act
    const wider = transactionWindow(consent, { fromBookingDateTime: '2025-01-01', toBookingDateTime: '2027-01-01' });
    const narrower = transactionWindow(consent, {
      fromBookingDateTime: '2026-02-01T00:00:00',
      toBookingDateTime: '2026-03-01T00:00:00',
    });
    const halfOpen = transactionWindow({}, { fromBookingDateTime: '2026-02-01' });

    // Assess
    expect(wider).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-06-30T23:59:59.000Z' });
    expect(narrower).toEqual({ from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' });
    expect(halfOpen).toEqual({ from: '2026-02-01T00:00:00.000Z' });
  });

  it('is empty (not an error) when the filter lies outside the consent window', () => {
    expect(transactionWindow(consent, { fromBookingDateTime: '2026-07-01' })).toBeUndefined();
  });

  it('refuses a filter whose from is after its to', () => {
    // Act
    const error = errorOf(() =>
      transactionWindow({}, { fromBookingDateTime: '2026-03-01', toBookingDateTime: '2026-02-01' }),
    );

    // Assess
    expect(error).toMatchObject({ status: 400, errors: [{ ErrorCode: 'UK.OBIE.Field.InvalidDate' }] });
  });
});

describe('the OBUK read envelope', () => {
  it('wraps data with Links.Self and a one-page Meta', () => {
    expect(readResponse({ Account: [] }, 'https://mtls.bank.example/open-banking/v3.1/aisp/accounts')).toEqual({
      Data: { Account: [] },
      Links: { Self: 'https://mtls.bank.example/open-banking/v3.1/aisp/accounts' },
      Meta: { TotalPages: 1 },
    });
  });

  it('states the available booking window when given', () => {
    // Act
    const response = readResponse({ Transaction: [] }, 'https://x', {
      from: '2026-01-01T00:00:00Z',
      to: '2026-06-30T00:00:00Z',
    });

    // Assess
    expect(response.Meta).toEqual({
      TotalPages: 1,
      FirstAvailableDateTime: '2026-01-01T00:00:00Z',
      LastAvailableDateTime: '2026-06-30T00:00:00Z',
    });
  });
});
