/**
 * A demo tenant's data (see tenants.ts: TPI Bank, North Bank): customers with accounts, balances and ~3 months
 * of transactions, demo TPP clients, a bank administrators' client, and the gateway's API catalog. Bank data is generated deterministically (seeded PRNG) relative to an anchor:
 * the start of the UTC day the data dir was first seeded, kept in a marker item. Counts and amounts never
 * depend on the anchor, so tests can rely on them; dates stay recent for a fresh data dir.
 * Idempotent: bank data is written once per data dir (deterministic keys, marker written first so an
 * interrupted seed resumes with the same anchor); client registrations are upserted on every start.
 * On request (BANKGATE_SEED_TRANSACTIONS, `transactionsPerCurrentAccount`) every current account gets a long
 * generated history instead, to try paging: same payees and kinds, spread back over the years it takes.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createStores } from '../lambdas/adapters/dynamodb';
import { dynamoApiCatalog } from '../lambdas/adapters/dynamodb/apis';
import { dynamoBankData } from '../lambdas/adapters/dynamodb/bank-data';
import { type Client, parseClient } from '../lambdas/domain/client';
import { SAMPLE_CATALOG } from '../lambdas/domain/gateway/catalog';
import type {
  BankAccount,
  BankBalance,
  BankData,
  BankTransaction,
  CreditDebitIndicator,
} from '../lambdas/ports/bank-data';
import { tableName } from '../lambdas/tables';
import type { ClientIdentity, SandboxPki } from './pki';
import { type SandboxTenant, TPI_BANK } from './tenants';

/** TPI Bank, the sandbox's first tenant (what a single `startSandbox` runs unless told otherwise). */
export const DEMO_TENANT_NAME = TPI_BANK.name;
export const demoCustomers = TPI_BANK.customers;
export const demoTpps = TPI_BANK.tpps;

const DAY_MS = 24 * 3600 * 1000;
const HISTORY_DAYS = 90;
/** A generated long history books about this many transactions a day, so 100 000 reach back ~23 years. */
const GENERATED_PER_DAY = 12;

/** BANKGATE_SEED_TRANSACTIONS: transactions per current account on a fresh data dir (none: the ~3-month default). */
export const SEED_TRANSACTIONS_ENV = 'BANKGATE_SEED_TRANSACTIONS';
export const SEED_TRANSACTIONS_RANGE = { min: 100, max: 1_000_000 } as const;

/** The requested history length, or undefined for the default; a value outside the range is an error that says so. */
export function seedTransactionsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env[SEED_TRANSACTIONS_ENV];
  if (value === undefined || value === '') return undefined;
  const count = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(count >= SEED_TRANSACTIONS_RANGE.min && count <= SEED_TRANSACTIONS_RANGE.max)) {
    throw new Error(
      `${SEED_TRANSACTIONS_ENV} must be a whole number from ${SEED_TRANSACTIONS_RANGE.min} to ${SEED_TRANSACTIONS_RANGE.max} (transactions per current account), not "${value}"`,
    );
  }
  return count;
}

export interface DemoCustomer {
  readonly username: string;
  /** Demo credential for the sandbox IdP's sign-in page (listed in the manifest). */
  readonly password: string;
  /** `sub` at the IdP; the BankData subject. */
  readonly subject: string;
  readonly name: string;
}

/** The role value the sandbox's staff IdP gives administrators (tenant config: the admin value of the role claim). */
export const STAFF_ADMIN_ROLE = 'admin';

export interface DemoStaffMember {
  readonly username: string;
  readonly password: string;
  readonly subject: string;
  readonly name: string;
  readonly roles: readonly string[];
}

/** Bank staff at the staff IdP: an administrator, and a clerk whom the admin console must turn away. */
export const demoStaff: readonly DemoStaffMember[] = [
  {
    username: 'admin',
    password: 'admin-demo-1',
    subject: 'staff-admin',
    name: 'Alex Admin',
    roles: [STAFF_ADMIN_ROLE],
  },
  { username: 'clerk', password: 'clerk-demo-1', subject: 'staff-clerk', name: 'Chris Clerk', roles: ['clerk'] },
];

type AccountKind = 'current' | 'savings' | 'time-deposit';

export interface DemoAccountPlan {
  readonly subject: string;
  readonly kind: AccountKind;
  readonly currency: 'GBP' | 'TWD';
  /** UK accounts only: the others are identified by their account number alone. */
  readonly sortCode?: string;
  readonly accountNumber: string;
  readonly nickname: string;
  /** Balance 90 days before the anchor. */
  readonly openingBalance: number;
}

const accountIdOf = (plan: DemoAccountPlan) => `${plan.subject}-${plan.kind}-${plan.currency.toLowerCase()}`;

/** mulberry32: small, fast, deterministic. */
function prng(seed: string): () => number {
  let state = 0;
  for (const c of seed) state = (Math.imul(state ^ c.charCodeAt(0), 2654435761) + 1) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Merchant {
  readonly name: string;
  /** ISO 18245 merchant category code. */
  readonly mcc: string;
  /** Typical spend range in GBP. */
  readonly range: readonly [number, number];
}

const MERCHANTS: Record<'GBP' | 'TWD', readonly Merchant[]> = {
  GBP: [
    { name: 'Tesco Stores', mcc: '5411', range: [8, 85] },
    { name: 'Pret A Manger', mcc: '5814', range: [4, 12] },
    { name: 'Transport for London', mcc: '4111', range: [2.8, 9] },
    { name: 'Amazon UK', mcc: '5942', range: [9, 60] },
    { name: 'Boots', mcc: '5912', range: [5, 30] },
    { name: 'Shell', mcc: '5541', range: [40, 75] },
    { name: 'Netflix', mcc: '4899', range: [10.99, 10.99] },
  ],
  TWD: [
    { name: '7-Eleven', mcc: '5499', range: [1.5, 6] },
    { name: 'FamilyMart', mcc: '5499', range: [1.5, 5] },
    { name: 'Taipei Metro', mcc: '4111', range: [0.6, 2] },
    { name: 'PX Mart', mcc: '5411', range: [10, 50] },
    { name: 'Eslite Bookstore', mcc: '5942', range: [8, 30] },
    { name: 'Din Tai Fung', mcc: '5812', range: [20, 60] },
  ],
};

/** TWD per GBP, so both currencies get plausible amounts from the same ranges. */
const UNIT: Record<'GBP' | 'TWD', number> = { GBP: 1, TWD: 40 };

interface Movement {
  readonly at: Date;
  readonly amount: number;
  readonly indicator: CreditDebitIndicator;
  readonly code: string;
  readonly information: string;
  readonly merchant?: Merchant;
}

function movementsFor(plan: DemoAccountPlan, anchor: Date): Movement[] {
  const random = prng(accountIdOf(plan));
  const unit = UNIT[plan.currency];
  const dayStart = (daysBefore: number) => new Date(anchor.getTime() - daysBefore * DAY_MS);
  const at = (daysBefore: number, hour: number) =>
    new Date(dayStart(daysBefore).getTime() + hour * 3600_000 + Math.floor(random() * 3600) * 1000);
  const money = (value: number) => Math.round(value * 100) / 100;
  const movements: Movement[] = [];

  // Monthly items on days 85, 55, 25 before the anchor: three of each within the 90-day history.
  const monthly = [85, 55, 25];
  if (plan.kind === 'current') {
    for (const day of monthly) {
      movements.push({
        at: at(day, 9),
        amount: money(2800 * unit),
        indicator: 'Credit',
        code: 'Salary',
        information: 'SALARY TPI TECHNOLOGY LTD',
      });
      movements.push({
        at: at(day - 1, 8),
        amount: money(1150 * unit),
        indicator: 'Debit',
        code: 'DirectDebit',
        information: 'RENT HOMELY LETTINGS',
      });
      movements.push({
        at: at(day - 2, 10),
        amount: money(300 * unit),
        indicator: 'Debit',
        code: 'Transfer',
        information: 'TRANSFER TO SAVINGS',
      });
    }
    const merchants = MERCHANTS[plan.currency];
    const cardPayments = 36 + Math.floor(random() * 10);
    for (let i = 0; i < cardPayments; i++) {
      const merchant = merchants[Math.floor(random() * merchants.length)]!;
      const [low, high] = merchant.range;
      const amount = money((low + random() * (high - low)) * unit);
      const day = 1 + Math.floor(random() * (HISTORY_DAYS - 1));
      movements.push({
        at: at(day, 7 + Math.floor(random() * 14)),
        amount,
        indicator: 'Debit',
        code: 'CardPayment',
        information: `CARD PAYMENT ${merchant.name.toUpperCase()}`,
        merchant,
      });
    }
  } else if (plan.kind === 'savings') {
    for (const day of monthly) {
      movements.push({
        at: at(day - 2, 10),
        amount: money(300 * unit),
        indicator: 'Credit',
        code: 'Transfer',
        information: 'TRANSFER FROM CURRENT ACCOUNT',
      });
      movements.push({
        at: at(day - 5, 0),
        amount: money(plan.openingBalance * (0.03 / 12) * (0.9 + random() * 0.2)),
        indicator: 'Credit',
        code: 'Interest',
        information: 'INTEREST PAID',
      });
    }
    movements.push({
      at: at(40, 14),
      amount: money((150 + random() * 250) * unit),
      indicator: 'Debit',
      code: 'Transfer',
      information: 'WITHDRAWAL TO CURRENT ACCOUNT',
    });
  } else {
    for (const day of monthly) {
      movements.push({
        at: at(day - 5, 0),
        amount: money(plan.openingBalance * (0.016 / 12)),
        indicator: 'Credit',
        code: 'Interest',
        information: 'TIME DEPOSIT INTEREST',
      });
    }
  }
  return movements.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * A current account's long history of exactly `count` movements, newest on the anchor's eve: monthly salary,
 * rent and savings transfer, card payments at the tenant's merchants (a few refunded: credits), spread evenly
 * back over count / GENERATED_PER_DAY days. The salary covers the spending, so the balance stays plausible.
 */
function generatedMovements(plan: DemoAccountPlan, anchor: Date, count: number): Movement[] {
  const random = prng(`${accountIdOf(plan)}/${count}`);
  const unit = UNIT[plan.currency];
  const days = Math.max(HISTORY_DAYS, Math.ceil(count / GENERATED_PER_DAY));
  const money = (value: number) => Math.round(value * 100) / 100;
  const at = (daysBefore: number, hour: number) =>
    new Date(anchor.getTime() - daysBefore * DAY_MS + hour * 3600_000 + Math.floor(random() * 3600) * 1000);
  const months = Math.floor(days / 30);
  const cardPayments = count - 3 * months;
  const merchants = MERCHANTS[plan.currency];
  const meanSpend = merchants.reduce((sum, m) => sum + (m.range[0] + m.range[1]) / 2, 0) / merchants.length;
  const salary = money((2800 + (cardPayments / months) * meanSpend + 1450) * unit);
  const movements: Movement[] = [];
  for (let month = 0; month < months; month++) {
    const day = 25 + 30 * month;
    movements.push(
      { at: at(day, 9), amount: salary, indicator: 'Credit', code: 'Salary', information: 'SALARY TPI TECHNOLOGY LTD' },
      {
        at: at(day - 1, 8),
        amount: money(1150 * unit),
        indicator: 'Debit',
        code: 'DirectDebit',
        information: 'RENT HOMELY LETTINGS',
      },
      {
        at: at(day - 2, 10),
        amount: money(300 * unit),
        indicator: 'Debit',
        code: 'Transfer',
        information: 'TRANSFER TO SAVINGS',
      },
    );
  }
  for (let i = 0; i < cardPayments; i++) {
    const merchant = merchants[Math.floor(random() * merchants.length)]!;
    const [low, high] = merchant.range;
    const amount = money((low + random() * (high - low)) * unit);
    // Even spread over the days, newest first: day 1 is the anchor's eve.
    const day = 1 + Math.floor((i * days) / cardPayments);
    const refund = random() < 0.03;
    movements.push({
      at: at(day, 7 + Math.floor(random() * 14)),
      amount,
      indicator: refund ? 'Credit' : 'Debit',
      code: refund ? 'Refund' : 'CardPayment',
      information: `${refund ? 'REFUND' : 'CARD PAYMENT'} ${merchant.name.toUpperCase()}`,
      merchant,
    });
  }
  return movements.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export interface DemoBank {
  readonly accounts: readonly { readonly subject: string; readonly account: BankAccount }[];
  readonly balances: readonly BankBalance[];
  readonly transactions: readonly BankTransaction[];
}

export interface DemoBankOptions {
  /** Each current account's history length (exactly this many transactions); default ~3 months. */
  readonly transactionsPerCurrentAccount?: number;
}

/** The demo bank's data for an anchor (deterministic: same anchor and options, same data). */
export function demoBank(anchor: Date, tenant: SandboxTenant = TPI_BANK, options: DemoBankOptions = {}): DemoBank {
  const accounts: { subject: string; account: BankAccount }[] = [];
  const balances: BankBalance[] = [];
  const transactions: BankTransaction[] = [];
  const generated = options.transactionsPerCurrentAccount;
  const historyDays = generated ? Math.max(HISTORY_DAYS, Math.ceil(generated / GENERATED_PER_DAY)) : HISTORY_DAYS;
  const openedOn = new Date(anchor.getTime() - (historyDays + 310) * DAY_MS).toISOString();

  for (const plan of tenant.accountPlans) {
    const AccountId = accountIdOf(plan);
    const customer = tenant.customers.find((c) => c.subject === plan.subject)!;
    const isTimeDeposit = plan.kind === 'time-deposit';
    accounts.push({
      subject: plan.subject,
      account: {
        AccountId,
        Status: 'Enabled',
        Currency: plan.currency,
        AccountType: 'Personal',
        AccountSubType: plan.kind === 'current' ? 'CurrentAccount' : 'Savings',
        Description: {
          current: 'Current account',
          savings: 'Instant access savings',
          'time-deposit': '12-month time deposit',
        }[plan.kind],
        Nickname: plan.nickname,
        OpeningDate: openedOn,
        ...(isTimeDeposit ? { MaturityDate: new Date(anchor.getTime() + 180 * DAY_MS).toISOString() } : {}),
        Account: [
          {
            ...(plan.sortCode
              ? { SchemeName: 'UK.OBIE.SortCodeAccountNumber', Identification: `${plan.sortCode}${plan.accountNumber}` }
              : { SchemeName: 'UK.OBIE.BBAN', Identification: plan.accountNumber }),
            Name: customer.name,
          },
        ],
        Servicer: tenant.servicer,
      },
    });

    let balance = plan.openingBalance;
    const movements =
      generated && plan.kind === 'current' ? generatedMovements(plan, anchor, generated) : movementsFor(plan, anchor);
    const idDigits = Math.max(4, String(movements.length).length);
    movements.forEach((movement, i) => {
      balance =
        Math.round((balance + (movement.indicator === 'Credit' ? movement.amount : -movement.amount)) * 100) / 100;
      const bookedAt = movement.at.toISOString();
      transactions.push({
        AccountId,
        TransactionId: `${AccountId}-${String(i + 1).padStart(idDigits, '0')}`,
        TransactionReference: movement.code.toUpperCase(),
        Amount: { Amount: movement.amount.toFixed(2), Currency: plan.currency },
        CreditDebitIndicator: movement.indicator,
        Status: 'Booked',
        BookingDateTime: bookedAt,
        ValueDateTime: bookedAt,
        TransactionInformation: movement.information,
        ProprietaryBankTransactionCode: { Code: movement.code, Issuer: tenant.name },
        Balance: {
          Amount: { Amount: Math.abs(balance).toFixed(2), Currency: plan.currency },
          CreditDebitIndicator: balance >= 0 ? 'Credit' : 'Debit',
          Type: 'InterimBooked',
        },
        ...(movement.merchant
          ? { MerchantDetails: { MerchantName: movement.merchant.name, MerchantCategoryCode: movement.merchant.mcc } }
          : {}),
      });
    });

    for (const Type of ['InterimAvailable', 'InterimBooked'] as const) {
      balances.push({
        AccountId,
        Amount: { Amount: Math.abs(balance).toFixed(2), Currency: plan.currency },
        CreditDebitIndicator: balance >= 0 ? 'Credit' : 'Debit',
        Type,
        DateTime: anchor.toISOString(),
      });
    }
  }
  return { accounts, balances, transactions };
}

// ---- Demo TPP clients -----------------------------------------------------------------------------

export interface DemoTpp extends ClientIdentity {
  readonly clientName: string;
  readonly tokenEndpointAuthMethod: Client['tokenEndpointAuthMethod'];
  readonly profile: Client['profile'];
  /** Redirect URIs besides the sandbox's own TPP callback on the browser origin. */
  readonly externalRedirectUris: readonly string[];
  readonly scopes: readonly string[];
  /** @default the schema's default (client_credentials, authorization_code, refresh_token) */
  readonly grantTypes?: Client['grantTypes'];
  /** The agent the fintech acts for ("on behalf of" on the consent page). */
  readonly agentName?: string;
}

/** The sandbox's own TPP callback, on the browser origin: a page telling the customer what came back (server.ts). */
export const TPP_CALLBACK_PATH = '/tpp/callback';
export const tppCallbackUrl = (browserUrl: string) => `${browserUrl}${TPP_CALLBACK_PATH}`;

/** Redirect URIs of fintechs served beside the sandbox (the demo apps), per client id. */
export type AppRedirectUris = Readonly<Record<string, readonly string[]>>;

/** Registrations for the demo TPPs, validated by the product's own client schema. */
export function demoClientRegistrations(
  pki: SandboxPki,
  browserUrl: string,
  tenant: SandboxTenant = TPI_BANK,
  appRedirectUris: AppRedirectUris = {},
): Client[] {
  return tenant.tpps.map((tpp) => {
    const credentials = pki.clients[tpp.clientId];
    if (!credentials) throw new Error(`No PKI credentials for demo client ${tpp.clientId}`);
    return parseClient({
      clientId: tpp.clientId,
      clientName: tpp.clientName,
      organisationName: tpp.subject.organization,
      ...(tpp.agentName ? { agentName: tpp.agentName } : {}),
      profile: tpp.profile,
      // ID tokens are signed with the tenant's one key: the registration says so.
      idTokenSignedResponseAlg: tenant.signingAlg,
      tokenEndpointAuthMethod: tpp.tokenEndpointAuthMethod,
      ...(tpp.tokenEndpointAuthMethod === 'tls_client_auth' ? { tlsClientAuthSubjectDn: credentials.subjectDn } : {}),
      // Pinned to the admin CA: a certificate with the same subject from the TPP CA is refused.
      ...(tpp.issuingCa === 'admin' ? { tlsClientAuthIssuerCertificate: pki.adminCa.certPem } : {}),
      jwks: credentials.jwks,
      redirectUris:
        tpp.grantTypes && !tpp.grantTypes.includes('authorization_code')
          ? []
          : [tppCallbackUrl(browserUrl), ...tpp.externalRedirectUris, ...(appRedirectUris[tpp.clientId] ?? [])],
      scopes: [...tpp.scopes],
      ...(tpp.grantTypes ? { grantTypes: [...tpp.grantTypes] } : {}),
    });
  });
}

// ---- Seeding ---------------------------------------------------------------------------------------

const SEED_MARKER = { pk: 'SANDBOX', sk: 'SEED#demo-bank-v1' };

async function inBatches<T>(items: readonly T[], size: number, write: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(write));
  }
}

async function seedBankData(
  doc: DynamoDBDocumentClient,
  bank: BankData,
  tenant: SandboxTenant,
  now: Date,
  options: DemoBankOptions,
): Promise<{ anchor: Date; seeded: boolean }> {
  const TableName = tableName('bankData');
  const { Item: marker } = await doc.send(new GetCommand({ TableName, Key: SEED_MARKER }));
  const requested = options.transactionsPerCurrentAccount;
  if (marker && requested !== undefined && marker.transactionsPerCurrentAccount !== requested) {
    throw new Error(
      `The data dir's ${tenant.name} was seeded with ${marker.transactionsPerCurrentAccount ?? 'the default'} transactions per current account, not ${requested}: run npm run reset first, or unset ${SEED_TRANSACTIONS_ENV}.`,
    );
  }
  if (marker?.complete) return { anchor: new Date(marker.anchor as string), seeded: false };

  const anchor = marker
    ? new Date(marker.anchor as string)
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (!marker) {
    await doc.send(
      new PutCommand({
        TableName,
        Item: {
          ...SEED_MARKER,
          anchor: anchor.toISOString(),
          complete: false,
          ...(requested !== undefined ? { transactionsPerCurrentAccount: requested } : {}),
        },
      }),
    );
  }
  const data = demoBank(anchor, tenant, options);
  for (const customer of tenant.customers) await bank.putCustomer({ subject: customer.subject, name: customer.name });
  await inBatches(data.accounts, 8, ({ subject, account }) => bank.putAccount(subject, account));
  await inBatches(data.balances, 8, (balance) => bank.putBalance(balance));
  await bank.putTransactions(data.transactions);
  await doc.send(
    new UpdateCommand({
      TableName,
      Key: SEED_MARKER,
      UpdateExpression: 'SET complete = :true',
      ExpressionAttributeValues: { ':true': true },
    }),
  );
  return { anchor, seeded: true };
}

export interface SeedResult {
  /** Start of the UTC day the demo bank's dates are relative to. */
  readonly anchor: Date;
  /** False when the data dir already held the demo bank. */
  readonly seededBankData: boolean;
  readonly clients: readonly Client[];
}

/** Seeds the demo tenant (needs the table environment variables set). */
export async function seedDemoTenant(
  doc: DynamoDBDocumentClient,
  pki: SandboxPki,
  browserUrl: string,
  options: { tenant?: SandboxTenant; appRedirectUris?: AppRedirectUris; now?: Date } & DemoBankOptions = {},
): Promise<SeedResult> {
  const tenant = options.tenant ?? TPI_BANK;
  const { anchor, seeded } = await seedBankData(doc, dynamoBankData(doc), tenant, options.now ?? new Date(), options);
  const clients = demoClientRegistrations(pki, browserUrl, tenant, options.appRedirectUris);
  const { clients: clientStore } = createStores(doc, { idTokenSigningAlg: tenant.signingAlg });
  for (const client of clients) {
    // Registrations follow this start's ports and PKI; administrators' token settings survive a restart.
    const existing = await clientStore.get(client.clientId);
    await clientStore.put(existing ? { ...client, tokenSettings: existing.tokenSettings } : client);
  }
  // Only missing APIs are written: administrators' policy changes survive a restart.
  const catalog = dynamoApiCatalog(doc);
  for (const api of SAMPLE_CATALOG) if (!(await catalog.get(api.apiId))) await catalog.put(api);
  return { anchor, seededBankData: seeded, clients };
}
