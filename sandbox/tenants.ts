/**
 * The sandbox's bank tenants: the same handler code, each with its own name, signing algorithm, ports,
 * customers, accounts and registered TPPs. One sandbox process runs one tenant (the handler modules read
 * their configuration from the environment once per cold start); `npm start` runs TPI Bank in its own
 * process and North Bank as a child process.
 */
import { SCOPE_GROUP_IDS } from '../lambdas/domain/gateway/scope-groups';
import type { SandboxPorts } from './sandbox';
import type { DemoAccountPlan, DemoCustomer, DemoTpp } from './seed';

export interface SandboxTenant {
  /** `BANKGATE_TENANT` value and data-dir subfolder of a second tenant. */
  readonly id: string;
  /** Display name: consent page, IdP sign-in page, transactions' issuer. */
  readonly name: string;
  readonly signingAlg: 'PS256' | 'ES256';
  readonly defaultPorts: SandboxPorts;
  /** `npm start` reads this tenant's port overrides as `<prefix>BROWSER_PORT` etc. */
  readonly portEnvPrefix: string;
  readonly servicer: { readonly SchemeName: string; readonly Identification: string };
  readonly customers: readonly DemoCustomer[];
  readonly accountPlans: readonly DemoAccountPlan[];
  readonly tpps: readonly DemoTpp[];
}

/** The technical walkthrough fintech: FAPI 2.0 (PAR + signed request object), private_key_jwt. */
const TPP_SAMPLE: DemoTpp = {
  clientId: 'tpp-sample',
  clientName: 'TPP Sample App',
  subject: { country: 'GB', organization: 'TPP Sample', commonName: 'tpp-sample-app' },
  tokenEndpointAuthMethod: 'private_key_jwt',
  profile: 'fapi2',
  externalRedirectUris: [],
  scopes: ['openid', 'accounts'],
};

export const TPI_BANK: SandboxTenant = {
  id: 'tpi-bank',
  name: 'TPI Bank',
  signingAlg: 'PS256',
  defaultPorts: { browser: 8443, mtls: 8444, idp: 8445, kms: 8446, dynamo: 8447 },
  portEnvPrefix: 'BANKGATE_',
  servicer: { SchemeName: 'UK.OBIE.BICFI', Identification: 'TPIBTWTP' },
  customers: [
    { username: 'steve', password: 'steve-demo-1', subject: 'steve', name: 'Steve Morgan' },
    { username: 'anne', password: 'anne-demo-1', subject: 'anne', name: 'Anne Lin' },
  ],
  accountPlans: [
    {
      subject: 'steve',
      kind: 'current',
      currency: 'GBP',
      sortCode: '401234',
      accountNumber: '10000001',
      nickname: 'Everyday',
      openingBalance: 2450,
    },
    {
      subject: 'steve',
      kind: 'savings',
      currency: 'GBP',
      sortCode: '401234',
      accountNumber: '10000002',
      nickname: 'Rainy day',
      openingBalance: 8200,
    },
    {
      subject: 'steve',
      kind: 'time-deposit',
      currency: 'TWD',
      accountNumber: '10000003',
      nickname: 'TWD time deposit',
      openingBalance: 500000,
    },
    {
      subject: 'anne',
      kind: 'current',
      currency: 'TWD',
      accountNumber: '20000001',
      nickname: 'Daily spending',
      openingBalance: 68000,
    },
    {
      subject: 'anne',
      kind: 'savings',
      currency: 'GBP',
      sortCode: '401235',
      accountNumber: '20000002',
      nickname: 'Travel fund',
      openingBalance: 3100,
    },
    {
      subject: 'anne',
      kind: 'time-deposit',
      currency: 'TWD',
      accountNumber: '20000003',
      nickname: 'Term deposit',
      openingBalance: 1200000,
    },
  ],
  tpps: [
    {
      clientId: 'tsp2',
      clientName: 'Enjoy Life',
      subject: { country: 'TW', organization: 'Enjoy Life', commonName: 'enjoy-life-tpp' },
      tokenEndpointAuthMethod: 'private_key_jwt',
      profile: 'fapi2',
      externalRedirectUris: ['https://enjoy-life.example/callback'],
      // The gateway's scope groups (Taiwan Open Banking APIs) besides Open Banking UK accounts.
      scopes: ['openid', 'accounts', ...SCOPE_GROUP_IDS],
    },
    {
      clientId: 'tpp-fapi1',
      clientName: 'Financroo',
      subject: { country: 'GB', organization: 'Financroo', commonName: 'financroo-tpp' },
      tokenEndpointAuthMethod: 'tls_client_auth',
      profile: 'fapi1-advanced',
      externalRedirectUris: ['https://financroo.example/callback'],
      scopes: ['openid', 'accounts'],
      // An agent of the fintech: the consent page says "Financroo ... on behalf of Budget Buddy Ltd".
      agentName: 'Budget Buddy Ltd',
    },
    {
      // Not a TPP: TPI Bank's administrators, calling the admin API with a client_credentials token.
      clientId: 'bank-admin',
      clientName: 'TPI Bank administration',
      subject: { country: 'TW', organization: 'TPI Bank', commonName: 'tpi-bank-admin' },
      issuingCa: 'admin',
      tokenEndpointAuthMethod: 'tls_client_auth',
      profile: 'fapi2',
      externalRedirectUris: [],
      scopes: ['admin'],
      grantTypes: ['client_credentials'],
    },
    TPP_SAMPLE,
  ],
};

/** The second sample tenant (ES256 ID tokens, like `north-bank` in cdk.json). */
export const NORTH_BANK: SandboxTenant = {
  id: 'north-bank',
  name: 'North Bank',
  signingAlg: 'ES256',
  defaultPorts: { browser: 8453, mtls: 8454, idp: 8455, kms: 8456, dynamo: 8457 },
  portEnvPrefix: 'BANKGATE_NORTH_BANK_',
  servicer: { SchemeName: 'UK.OBIE.BICFI', Identification: 'NORBGB2L' },
  customers: [
    { username: 'steve', password: 'steve-north-1', subject: 'steve', name: 'Steve Morgan' },
    { username: 'lena', password: 'lena-north-1', subject: 'lena', name: 'Lena Berg' },
  ],
  accountPlans: [
    {
      subject: 'steve',
      kind: 'current',
      currency: 'GBP',
      sortCode: '309911',
      accountNumber: '31000001',
      nickname: 'North current',
      openingBalance: 1320,
    },
    {
      subject: 'steve',
      kind: 'savings',
      currency: 'GBP',
      sortCode: '309911',
      accountNumber: '31000002',
      nickname: 'North saver',
      openingBalance: 4100,
    },
    {
      subject: 'lena',
      kind: 'current',
      currency: 'GBP',
      sortCode: '309912',
      accountNumber: '32000001',
      nickname: 'Main account',
      openingBalance: 2900,
    },
  ],
  tpps: [
    {
      clientId: 'tsp2',
      clientName: 'Enjoy Life',
      subject: { country: 'TW', organization: 'Enjoy Life', commonName: 'enjoy-life-tpp' },
      tokenEndpointAuthMethod: 'private_key_jwt',
      profile: 'fapi2',
      externalRedirectUris: [],
      scopes: ['openid', 'accounts', ...SCOPE_GROUP_IDS],
    },
    TPP_SAMPLE,
    {
      clientId: 'bank-admin',
      clientName: 'North Bank administration',
      subject: { country: 'GB', organization: 'North Bank', commonName: 'north-bank-admin' },
      issuingCa: 'admin',
      tokenEndpointAuthMethod: 'tls_client_auth',
      profile: 'fapi2',
      externalRedirectUris: [],
      scopes: ['admin'],
      grantTypes: ['client_credentials'],
    },
  ],
};

export const SANDBOX_TENANTS: readonly SandboxTenant[] = [TPI_BANK, NORTH_BANK];

export function tenantById(id: string): SandboxTenant {
  const tenant = SANDBOX_TENANTS.find((t) => t.id === id);
  if (!tenant)
    throw new Error(`Unknown BANKGATE_TENANT "${id}" (one of ${SANDBOX_TENANTS.map((t) => t.id).join(', ')})`);
  return tenant;
}
