/** The demo tenant: deterministic bank data tests can count on, and client registrations the product accepts. */

import { certificateThumbprint } from '../../lambdas/http/request';
import type { SandboxPki } from '../../sandbox/pki';
import {
  demoBank,
  demoClientRegistrations,
  demoCustomers,
  demoTpps,
  seedTransactionsFromEnv,
} from '../../sandbox/seed';
import { createTestCa } from '../support/throwaway-pki';

const ANCHOR = new Date('2026-11-21T00:00:00.000Z');
const DAY_MS = 24 * 3600 * 1000;

describe('demoBank', () => {
  it('is deterministic: the same anchor gives the same data, another anchor the same counts and amounts', () => {
    // Act
    const first = demoBank(ANCHOR);
    const again = demoBank(ANCHOR);
    const later = demoBank(new Date(ANCHOR.getTime() + 30 * DAY_MS));
    // Assess
    expect(again).toEqual(first);
    expect(later.transactions.map((t) => [t.TransactionId, t.Amount])).toEqual(
      first.transactions.map((t) => [t.TransactionId, t.Amount]),
    );
  });

  it('gives every customer 3 accounts with both balance types, and ~3 months of transactions before the anchor', () => {
    // Act
    const bank = demoBank(ANCHOR);
    // Assess
    for (const customer of demoCustomers) {
      const accounts = bank.accounts.filter((a) => a.subject === customer.subject);
      expect(accounts).toHaveLength(3);
      for (const { account } of accounts) {
        expect(
          bank.balances
            .filter((b) => b.AccountId === account.AccountId)
            .map((b) => b.Type)
            .sort(),
        ).toEqual(['InterimAvailable', 'InterimBooked']);
        expect(bank.transactions.some((t) => t.AccountId === account.AccountId)).toBe(true);
      }
    }
    const times = bank.transactions.map((t) => Date.parse(t.BookingDateTime));
    expect(Math.max(...times)).toBeLessThan(ANCHOR.getTime());
    expect(Math.min(...times)).toBeGreaterThanOrEqual(ANCHOR.getTime() - 90 * DAY_MS);
    expect(new Set(bank.transactions.map((t) => t.TransactionId)).size).toBe(bank.transactions.length);
    expect(bank.transactions.some((t) => t.CreditDebitIndicator === 'Credit' && t.MerchantDetails === undefined)).toBe(
      true,
    );
    expect(bank.transactions.some((t) => t.CreditDebitIndicator === 'Debit' && t.MerchantDetails?.MerchantName)).toBe(
      true,
    );
  });

  it('keeps running balances consistent with the closing balance of each account', () => {
    const bank = demoBank(ANCHOR);
    for (const { account } of bank.accounts) {
      const transactions = bank.transactions
        .filter((t) => t.AccountId === account.AccountId)
        .sort((a, b) => Date.parse(a.BookingDateTime) - Date.parse(b.BookingDateTime));
      const last = transactions.at(-1)!;
      const booked = bank.balances.find((b) => b.AccountId === account.AccountId && b.Type === 'InterimBooked')!;
      expect(booked.Amount).toEqual(last.Balance!.Amount);
      expect(booked.CreditDebitIndicator).toBe('Credit');
      expect(Number(booked.Amount.Amount)).toBeGreaterThan(0);
    }
  });
});

describe('a long generated history (BANKGATE_SEED_TRANSACTIONS)', () => {
  /** ~12 a day: 250 days back. */
  const COUNT = 3000;
  const long = demoBank(ANCHOR, undefined, { transactionsPerCurrentAccount: COUNT });
  const currentAccounts = long.accounts.filter(({ account }) => account.AccountSubType === 'CurrentAccount');

  it('gives every current account exactly that many transactions, the other accounts their default history', () => {
    // Prepare
    const usual = demoBank(ANCHOR);
    // Assess
    expect(currentAccounts.length).toBeGreaterThan(0);
    for (const { account } of long.accounts) {
      const count = long.transactions.filter((t) => t.AccountId === account.AccountId).length;
      const usualCount = usual.transactions.filter((t) => t.AccountId === account.AccountId).length;
      expect(count).toBe(account.AccountSubType === 'CurrentAccount' ? COUNT : usualCount);
    }
    expect(new Set(long.transactions.map((t) => t.TransactionId)).size).toBe(long.transactions.length);
    expect(JSON.stringify(demoBank(ANCHOR, undefined, { transactionsPerCurrentAccount: COUNT }))).toBe(
      JSON.stringify(long),
    );
  });

  it('looks like a real account: payees, categories, credits and debits, spread back over months', () => {
    for (const { account } of currentAccounts) {
      // Prepare
      const mine = long.transactions.filter((t) => t.AccountId === account.AccountId);
      const times = mine.map((t) => Date.parse(t.BookingDateTime));
      // Assess
      expect(Math.max(...times)).toBeLessThan(ANCHOR.getTime());
      expect(ANCHOR.getTime() - Math.min(...times)).toBeGreaterThan(240 * DAY_MS);
      expect(new Set(mine.map((t) => t.MerchantDetails?.MerchantName).filter(Boolean)).size).toBeGreaterThanOrEqual(5);
      expect(new Set(mine.map((t) => t.ProprietaryBankTransactionCode?.Code))).toEqual(
        new Set(['Salary', 'DirectDebit', 'Transfer', 'CardPayment', 'Refund']),
      );
      const credits = mine.filter((t) => t.CreditDebitIndicator === 'Credit').length;
      expect(credits).toBeGreaterThan(0);
      expect(credits).toBeLessThan(mine.length / 5);
      // No more than a busy day's worth on any one day.
      const perDay = new Map<string, number>();
      for (const t of mine)
        perDay.set(t.BookingDateTime.slice(0, 10), (perDay.get(t.BookingDateTime.slice(0, 10)) ?? 0) + 1);
      expect(Math.max(...perDay.values())).toBeLessThanOrEqual(20);
      const booked = long.balances.find((b) => b.AccountId === account.AccountId && b.Type === 'InterimBooked')!;
      expect(booked.CreditDebitIndicator).toBe('Credit');
    }
  });

  it('is asked for with a whole number in range, and says what is wrong otherwise', () => {
    expect(seedTransactionsFromEnv({})).toBeUndefined();
    expect(seedTransactionsFromEnv({ BANKGATE_SEED_TRANSACTIONS: '100000' })).toBe(100_000);
    for (const value of ['10', '2000000', '1e5', 'lots', '-100']) {
      expect(() => seedTransactionsFromEnv({ BANKGATE_SEED_TRANSACTIONS: value })).toThrow(
        /BANKGATE_SEED_TRANSACTIONS must be a whole number from 100 to 1000000/,
      );
    }
  });
});

describe('demoClientRegistrations', () => {
  it('registers each demo TPP with its PKI keys, its certificate DN for tls_client_auth and the local callback', async () => {
    // Prepare
    const adminCa = (await createTestCa([{ CN: ['Admin CA'] }])).certPem;
    const jwks = { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB', use: 'sig', alg: 'PS256' }] };
    const pki = {
      ca: { certPath: '/ca.pem', certPem: '' },
      adminCa: { certPath: '/admin-ca.pem', certPem: adminCa },
      server: { certPath: '', keyPath: '', certPem: '', keyPem: '' },
      clients: Object.fromEntries(
        demoTpps.map((tpp) => [
          tpp.clientId,
          { clientId: tpp.clientId, subjectDn: `CN=${tpp.subject.commonName}`, jwks },
        ]),
      ),
    } as unknown as SandboxPki;
    // Act
    const clients = demoClientRegistrations(pki, 'https://localhost:8443');
    // Assess
    const enjoyLife = clients.find((c) => c.clientId === 'tsp2')!;
    expect(enjoyLife).toMatchObject({
      tokenEndpointAuthMethod: 'private_key_jwt',
      profile: 'fapi2',
      jwks,
      scopes: ['openid', 'accounts', 'demand_deposits', 'time_deposits', 'credit_cards'],
      redirectUris: ['https://localhost:8443/tpp/callback', 'https://enjoy-life.example/callback'],
    });
    expect(enjoyLife.tlsClientAuthSubjectDn).toBeUndefined();
    expect(clients.find((c) => c.clientId === 'tpp-fapi1')).toMatchObject({
      tokenEndpointAuthMethod: 'tls_client_auth',
      tlsClientAuthSubjectDn: 'CN=financroo-tpp',
      profile: 'fapi1-advanced',
    });
    // The bank's administrators are pinned to the admin CA.
    expect(clients.find((c) => c.clientId === 'bank-admin')).toMatchObject({
      tlsClientAuthIssuerCertificate: adminCa,
      tlsClientAuthIssuer: { caThumbprint: certificateThumbprint(adminCa) },
    });
  });
});
