/**
 * The transactions bench's side in Bankgate's target process: long account histories written once per bench
 * run straight into the sample bank's table (the sandbox seed's generator, BatchWriteItem, several batches
 * in flight).
 */
import { wiring } from '../lambdas/wiring';
import { demoBank } from '../sandbox/seed';
import { TPI_BANK } from '../sandbox/tenants';

export interface SeededHistory {
  readonly transactions: number;
  readonly subject: string;
  readonly accountId: string;
  /** Booking date-times of the oldest and newest transaction. */
  readonly oldest: string;
  readonly newest: string;
}

export interface SeedHistoriesResult {
  readonly histories: readonly SeededHistory[];
  readonly items: number;
  readonly seconds: number;
}

const ANCHOR = new Date(Date.UTC(2026, 10, 1));

/** One bench customer per history length, each with one current account of exactly that many transactions. */
async function seedHistories({ sizes }: { sizes: readonly number[] }): Promise<SeedHistoriesResult> {
  const started = performance.now();
  const histories: SeededHistory[] = [];
  let items = 0;
  for (const size of sizes) {
    const subject = `bench-history-${size}`;
    const tenant = {
      ...TPI_BANK,
      customers: [{ username: subject, password: 'not-used', subject, name: `Bench ${size}` }],
      accountPlans: [
        {
          subject,
          kind: 'current' as const,
          currency: 'GBP' as const,
          sortCode: '800000',
          accountNumber: String(10_000_000 + size).slice(-8),
          nickname: `Bench ${size}`,
          openingBalance: 2500,
        },
      ],
    };
    const bank = demoBank(ANCHOR, tenant, { transactionsPerCurrentAccount: size });
    const [{ account }] = bank.accounts as [(typeof bank.accounts)[number]];
    await wiring.bankData.putAccount(subject, account);
    await wiring.bankData.putTransactions(bank.transactions);
    items += bank.transactions.length + 1;
    const times = bank.transactions.map((t) => t.BookingDateTime).sort();
    histories.push({
      transactions: bank.transactions.length,
      subject,
      accountId: account.AccountId,
      oldest: times[0]!,
      newest: times.at(-1)!,
    });
  }
  return { histories, items, seconds: (performance.now() - started) / 1000 };
}

/** IPC handlers for bench/transactions.ts. */
export const transactionsTargetHandlers = { seedHistories };
