/**
 * Open Banking UK permissions in plain language, grouped into the data clusters of the OBIE Customer
 * Experience Guidelines (AIS, "Permissions and Data Clusters"), with the Guidelines' cluster names, in the
 * Guidelines' order: the customer sees clusters first and can open each to the permissions in it.
 */

export interface DataCluster {
  readonly id: ClusterId;
  readonly title: string;
  readonly items: readonly string[];
}

export type ClusterId =
  | 'accountDetails'
  | 'regularPayments'
  | 'transactions'
  | 'statements'
  | 'features'
  | 'party'
  | 'other';

const clusterTitles: Record<ClusterId, string> = {
  accountDetails: 'Your Account Details',
  regularPayments: 'Your Regular Payments',
  transactions: 'Your Account Transactions',
  statements: 'Your Statements',
  features: 'Your Account Features and Benefits',
  party: 'Contact and party details',
  other: 'Other information',
};

interface PermissionText {
  readonly cluster: ClusterId;
  readonly text: string;
  /** A permission that shows everything this one does, so listing both would say the same thing twice. */
  readonly coveredBy?: string;
}

/** Insertion order is display order within a cluster. */
const permissionTexts: Record<string, PermissionText> = {
  ReadAccountsBasic: { cluster: 'accountDetails', text: 'Your account names, types and currencies' },
  ReadAccountsDetail: { cluster: 'accountDetails', text: 'Your account numbers' },
  ReadBalances: { cluster: 'accountDetails', text: 'Your account balances' },
  ReadPAN: { cluster: 'accountDetails', text: 'Your full card numbers, not just the last 4 digits' },
  ReadBeneficiariesBasic: {
    cluster: 'regularPayments',
    text: 'The people and businesses you have set up to pay',
    coveredBy: 'ReadBeneficiariesDetail',
  },
  ReadBeneficiariesDetail: {
    cluster: 'regularPayments',
    text: 'The people and businesses you have set up to pay, with their account details',
  },
  ReadDirectDebits: { cluster: 'regularPayments', text: 'Your Direct Debits' },
  ReadStandingOrdersBasic: {
    cluster: 'regularPayments',
    text: 'Your standing orders',
    coveredBy: 'ReadStandingOrdersDetail',
  },
  ReadStandingOrdersDetail: {
    cluster: 'regularPayments',
    text: 'Your standing orders, including who they pay',
  },
  ReadScheduledPaymentsBasic: {
    cluster: 'regularPayments',
    text: 'Payments you have scheduled for the future',
    coveredBy: 'ReadScheduledPaymentsDetail',
  },
  ReadScheduledPaymentsDetail: {
    cluster: 'regularPayments',
    text: 'Payments you have scheduled for the future, including who they pay',
  },
  ReadTransactionsCredits: { cluster: 'transactions', text: 'Your incoming transactions (money paid in)' },
  ReadTransactionsDebits: { cluster: 'transactions', text: 'Your outgoing transactions (money paid out)' },
  ReadTransactionsBasic: {
    cluster: 'transactions',
    text: 'The date, amount and type of each transaction',
    coveredBy: 'ReadTransactionsDetail',
  },
  ReadTransactionsDetail: {
    cluster: 'transactions',
    text: 'Your transaction details, such as descriptions, references and who paid or was paid',
  },
  ReadStatementsBasic: {
    cluster: 'statements',
    text: 'General information about your statements',
    coveredBy: 'ReadStatementsDetail',
  },
  ReadStatementsDetail: { cluster: 'statements', text: 'Your statements and everything shown on them' },
  ReadProducts: { cluster: 'features', text: 'Your account features: fees, charges, interest rates and benefits' },
  ReadOffers: { cluster: 'features', text: 'Offers available on your accounts' },
  ReadPartyPSU: { cluster: 'party', text: 'Your name, address and contact details' },
  ReadParty: { cluster: 'party', text: 'The name, address and contact details of each account holder' },
};

const clusterOrder = Object.keys(clusterTitles) as ClusterId[];
const permissionOrder = Object.keys(permissionTexts);

export interface DescribeOptions {
  /** Some shared account has a sort code: only then do the words mention sort codes. */
  readonly sortCodes?: boolean;
}

/** Data clusters in display order, each with its plain-language lines; a permission this page does not know is shown by its code rather than hidden. */
export function describePermissions(permissions: readonly string[], options: DescribeOptions = {}): DataCluster[] {
  const requested = new Set(permissions);
  const byCluster = new Map<ClusterId, string[]>();
  const add = (cluster: ClusterId, item: string) => byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), item]);

  for (const permission of permissionOrder) {
    const known = permissionTexts[permission];
    if (!requested.has(permission) || (known.coveredBy && requested.has(known.coveredBy))) continue;
    add(
      known.cluster,
      permission === 'ReadAccountsDetail' && options.sortCodes ? 'Your account numbers and sort codes' : known.text,
    );
  }
  for (const permission of requested) {
    if (!Object.hasOwn(permissionTexts, permission)) add('other', permission);
  }
  return clusterOrder.flatMap((id) => {
    const items = byCluster.get(id);
    return items ? [{ id, title: clusterTitles[id], items }] : [];
  });
}
