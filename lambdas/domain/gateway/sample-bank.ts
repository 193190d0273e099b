/**
 * The built-in sample bank behind the demo tenant's Taiwan Open Banking APIs, answered from the BankData
 * port: demand deposits are the customer's current and savings accounts, time deposits the accounts with
 * a maturity date; roadside assistance validates the card number (Luhn) and the plate and opens a case.
 * Only accounts the customer shared with this client (the token's `accountIds`) are shown.
 */
import { InvalidRequest } from '../../errors';
import type { BankAccount, BankBalance, BankData } from '../../ports/bank-data';
import * as z from '../../validation';
import { maskedNumber } from '../account-labels';
import { newIdentifier } from '../tokens';
import type { SampleBankOperation } from './catalog';

export interface SampleBankCall {
  readonly subject: string;
  readonly accountIds: readonly string[];
  /** The request body (after the request JOSE policy), JSON-parsed; undefined for GET. */
  readonly body: unknown;
  readonly now: number;
}

const isTimeDeposit = (account: BankAccount) => account.MaturityDate !== undefined;

function available(balances: readonly BankBalance[], accountId: string) {
  const balance =
    balances.find((b) => b.AccountId === accountId && b.Type === 'InterimAvailable') ??
    balances.find((b) => b.AccountId === accountId);
  if (!balance) return null;
  const sign = balance.CreditDebitIndicator === 'Debit' ? '-' : '';
  return { amount: `${sign}${balance.Amount.Amount}`, currency: balance.Amount.Currency };
}

async function sharedAccounts(bank: BankData, call: SampleBankCall, timeDeposits: boolean) {
  const shared = new Set(call.accountIds);
  const accounts = (await bank.listAccounts(call.subject)).filter(
    (account) => shared.has(account.AccountId) && isTimeDeposit(account) === timeDeposits,
  );
  const balances = accounts.length > 0 ? await bank.getBalances(accounts.map((a) => a.AccountId)) : [];
  return { accounts, balances };
}

/** Luhn check digit, as card numbers carry it. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const RoadsideRequest = z.object({
  cardNumber: z
    .string()
    .check(z.regex(/^\d{16}$/, 'must be 16 digits'), z.refine(luhnValid, 'is not a valid card number')),
  /** Taiwan plates: two groups of 2-4 letters or digits, e.g. ABC-1234. */
  plateNumber: z.string().check(z.regex(/^[A-Z0-9]{2,4}-[A-Z0-9]{2,4}$/, 'must look like ABC-1234')),
  location: z.optional(z.string().check(z.maxLength(200))),
});

const operations: Record<SampleBankOperation, (bank: BankData, call: SampleBankCall) => Promise<unknown>> = {
  async 'demand-deposit-accounts'(bank, call) {
    const { accounts, balances } = await sharedAccounts(bank, call, false);
    return {
      accounts: accounts.map((account) => ({
        accountId: account.AccountId,
        accountNumber: maskedNumber(account, '*'),
        nickname: account.Nickname ?? null,
        currency: account.Currency,
        type: account.AccountSubType,
        availableBalance: available(balances, account.AccountId),
      })),
    };
  },

  async 'time-deposit-balances'(bank, call) {
    const { accounts, balances } = await sharedAccounts(bank, call, true);
    return {
      timeDeposits: accounts.map((account) => ({
        accountId: account.AccountId,
        accountNumber: maskedNumber(account, '*'),
        currency: account.Currency,
        maturityDate: account.MaturityDate,
        balance: available(balances, account.AccountId),
      })),
    };
  },

  async 'roadside-assistance'(_bank, call) {
    const parsed = z.validate(RoadsideRequest, call.body, { subject: 'The request body' });
    if (!parsed.ok) throw new InvalidRequest(z.describeProblems(parsed.problems));
    return {
      caseId: newIdentifier(),
      status: 'Accepted',
      cardNumber: `************${parsed.data.cardNumber.slice(-4)}`,
      plateNumber: parsed.data.plateNumber,
      requestedAt: new Date(call.now * 1000).toISOString(),
    };
  },
};

export function callSampleBank(bank: BankData, operation: SampleBankOperation, call: SampleBankCall): Promise<unknown> {
  return operations[operation](bank, call);
}
