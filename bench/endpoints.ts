/**
 * Bankgate's other benchmarked endpoints on the sandbox, each one measured run: PAR (private_key_jwt), a
 * resource call (GET /accounts with a certificate-bound customer token) and two gateway APIs of the Taiwan
 * sample (plain JSON; response JWE), with CPU per request and DynamoDB calls per request by command.
 */
import type { SandboxManifest } from '../sandbox/sandbox';
import type { ResourceTokenRequest } from './bankgate-target';
import { clientOf, createConsent, pushedAuthorizationRequest, signAssertions, tlsIdentityOf } from './fixtures';
import type { Target } from './ipc';
import type { LoadSpec } from './load';
import { measuredRun, type Pooled, pool } from './measure';
import { settings } from './settings';
import type { TokenServer } from './token';

const CLIENT = 'tsp2';
const CUSTOMER = { subject: 'steve', accountIds: ['steve-current-gbp', 'steve-savings-gbp'] };
/** The seed's Taiwan customer, with all three API groups granted. */
const GATEWAY_CUSTOMER = {
  subject: 'anne',
  accountIds: ['anne-current-twd', 'anne-savings-gbp', 'anne-time-deposit-twd'],
  grantedScopes: ['demand_deposits', 'time_deposits', 'credit_cards'],
};

/** The Taiwan Open Banking request headers; X-TxnInitDateTime is yyyyMMddHHmmss. */
function taiwanHeaders(clientId: string): Record<string, string> {
  return {
    'x-stan': '0000001',
    'x-destinationid': '0080000',
    'x-clientid': clientId,
    'x-txninitdatetime': new Date().toISOString().replace(/[-T:]/g, '').slice(0, 14),
  };
}

export type EndpointId = 'par' | 'accounts' | 'gateway-plain' | 'gateway-jwe';

export interface EndpointRun {
  readonly id: EndpointId;
  readonly label: string;
  readonly figures: Pooled;
  /** The like-for-like peer on the same endpoint, where it has one (PAR). */
  readonly peer?: Pooled;
}

export async function benchEndpoints(
  bankgate: Target,
  manifest: SandboxManifest,
  peer: TokenServer,
): Promise<EndpointRun[]> {
  const client = clientOf(manifest, CLIENT);
  const tls = tlsIdentityOf(manifest, CLIENT);
  const spec = (partial: Omit<LoadSpec, 'warmup' | 'requests' | 'connections' | 'origin' | 'tls'>): LoadSpec => ({
    ...partial,
    origin: manifest.mtls_base_url,
    tls,
    warmup: settings.warmup,
    requests: settings.requests,
    connections: settings.connections,
  });
  const once = async (id: EndpointId, label: string, load: LoadSpec): Promise<EndpointRun> => ({
    id,
    label,
    figures: pool([await measuredRun(bankgate, load)]),
  });

  const consentId = await createConsent(manifest, CLIENT, ['ReadAccountsDetail']);
  const pushTo = async (audience: string) => {
    const assertions = await signAssertions(client, audience, settings.warmup + settings.requests);
    return (i: number) => pushedAuthorizationRequest(client, consentId, assertions[i]!);
  };
  const par = await once(
    'par',
    'POST /par (private_key_jwt)',
    spec({
      name: 'Bankgate PAR',
      path: '/par',
      method: 'POST',
      body: await pushTo(manifest.issuer),
      expectStatus: 201,
    }),
  );
  // oidc-provider's PAR endpoint (`/request`): client, replay detection and the request through its adapter; it
  // knows no Open Banking consent, so it reads none.
  const peerPar = pool([
    await measuredRun(peer.target, {
      ...spec({
        name: `${peer.name} PAR`,
        path: '/request',
        method: 'POST',
        body: await pushTo(peer.issuer),
        expectStatus: 201,
      }),
      origin: peer.origin,
    }),
  ]);

  const accessToken = await bankgate.call<string>('mintResourceToken', {
    clientId: CLIENT,
    consentId,
    subject: CUSTOMER.subject,
    accountIds: CUSTOMER.accountIds,
    permissions: ['ReadAccountsDetail'],
  } satisfies ResourceTokenRequest);
  const accounts = await once(
    'accounts',
    'GET /accounts',
    spec({
      name: 'Bankgate GET /accounts',
      path: '/open-banking/v3.1/aisp/accounts',
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      expectStatus: 200,
    }),
  );

  // Gateway APIs: catalog item, Taiwan headers, token use, scope group, sample bank, response policy.
  const gatewayToken = await bankgate.call<string>('mintResourceToken', {
    clientId: CLIENT,
    subject: GATEWAY_CUSTOMER.subject,
    accountIds: GATEWAY_CUSTOMER.accountIds,
    grantedScopes: GATEWAY_CUSTOMER.grantedScopes,
  } satisfies ResourceTokenRequest);
  const gateway = (id: EndpointId, label: string, path: string) =>
    once(
      id,
      label,
      spec({
        name: `Bankgate ${label}`,
        path,
        method: 'GET',
        headers: { authorization: `Bearer ${gatewayToken}`, ...taiwanHeaders(CLIENT) },
        expectStatus: 200,
      }),
    );
  return [
    { ...par, peer: peerPar },
    accounts,
    await gateway('gateway-plain', 'GET /gateway/timeDeposit/balances (plain JSON)', '/gateway/timeDeposit/balances'),
    await gateway(
      'gateway-jwe',
      'GET /gateway/demandDeposit/accounts (response JWE)',
      '/gateway/demandDeposit/accounts',
    ),
  ];
}
