/**
 * The demo fintechs beside the sandbox's banks: the TPP walkthrough and Enjoy Life, each on its own HTTPS
 * origin. They are not part of Bankgate: they know the banks only by their public addresses and their own
 * registrations there (the manifest's `tenants[]`), and call them over mutual TLS like any TPP.
 * The servers are bound first (the banks register the apps' callback URLs), and answer once `configure` ran.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TenantSummary } from '../main';
import { type BankConnection, connectBank } from './bank';
import { ENJOY_LIFE_USERS, enjoyLife } from './enjoy-life';
import { html, page, sendPage } from './html';
import { tppWalkthrough } from './tpp-walkthrough';

export const TPP_APP_CLIENT_ID = 'tpp-sample';
export const ENJOY_LIFE_CLIENT_ID = 'tsp2';

export interface DemoAppPorts {
  readonly tpp: number;
  readonly enjoyLife: number;
}

export const DEFAULT_APP_PORTS: DemoAppPorts = { tpp: 8090, enjoyLife: 8091 };

/** `BANKGATE_TPP_APP_PORT`, `BANKGATE_ENJOY_LIFE_PORT`, else 8090 / 8091. */
export function appPorts(env: NodeJS.ProcessEnv = process.env): DemoAppPorts {
  const port = (name: string, fallback: number) => {
    const value = env[name] === undefined ? fallback : Number(env[name]);
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`Invalid ${name}: ${env[name]}`);
    return value;
  };
  return {
    tpp: port('BANKGATE_TPP_APP_PORT', DEFAULT_APP_PORTS.tpp),
    enjoyLife: port('BANKGATE_ENJOY_LIFE_PORT', DEFAULT_APP_PORTS.enjoyLife),
  };
}

/** What the manifest lists of each app under `apps`. */
export interface AppSummary {
  readonly name: string;
  readonly url: string;
  readonly client_id: string;
  readonly users: readonly { readonly username: string; readonly password: string }[];
}

export interface RunningApps {
  readonly urls: { readonly tpp: string; readonly enjoyLife: string };
  /** Callback URLs per client id, for the banks to register. */
  readonly redirectUris: Readonly<Record<string, readonly string[]>>;
  /** Connects the apps to the banks; from then on they answer. */
  configure(tenants: readonly TenantSummary[]): Promise<readonly AppSummary[]>;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function registrationAt(tenant: TenantSummary, clientId: string) {
  const client = tenant.clients.find((c) => c.client_id === clientId);
  if (!client) throw new Error(`${tenant.name} has no registration for ${clientId}`);
  return {
    name: tenant.name,
    issuer: tenant.issuer,
    mtlsBaseUrl: tenant.mtls_base_url,
    caPath: tenant.ca,
    clientId,
    certPath: client.cert,
    keyPath: client.key,
    signingJwkPath: client.jwk,
    encryptionJwkPath: client.enc_jwk,
  };
}

export async function startDemoApps(options: {
  readonly ports: DemoAppPorts;
  readonly tls: { readonly key: string; readonly cert: string };
}): Promise<RunningApps> {
  let handlers: { tpp: Handler; enjoyLife: Handler } | undefined;
  const connections: BankConnection[] = [];
  const serve = (app: 'tpp' | 'enjoyLife') => (req: IncomingMessage, res: ServerResponse) => {
    const handler = handlers?.[app];
    if (!handler) {
      sendPage(
        res,
        503,
        page({ title: 'Starting', appName: 'Demo app', brand: '#333', body: html`<h1>Starting…</h1>` }),
        {
          'retry-after': '2',
        },
      );
      return;
    }
    handler(req, res).catch((error: unknown) => {
      console.error(`[${app}] ${req.method} ${req.url} failed:`, error);
      if (!res.headersSent) {
        sendPage(
          res,
          500,
          page({
            title: 'Error',
            appName: 'Demo app',
            brand: '#333',
            body: html`<h1>Something went wrong</h1><p role="alert">Please go back and try again.</p>`,
          }),
        );
      } else res.destroy();
    });
  };
  const tppServer = createServer({ ...options.tls, minVersion: 'TLSv1.2' }, serve('tpp'));
  const enjoyServer = createServer({ ...options.tls, minVersion: 'TLSv1.2' }, serve('enjoyLife'));
  const tppPort = await listen(tppServer, options.ports.tpp);
  const enjoyPort = await listen(enjoyServer, options.ports.enjoyLife);
  const urls = { tpp: `https://localhost:${tppPort}`, enjoyLife: `https://localhost:${enjoyPort}` };

  return {
    urls,
    redirectUris: {
      [TPP_APP_CLIENT_ID]: [`${urls.tpp}/callback`],
      [ENJOY_LIFE_CLIENT_ID]: [`${urls.enjoyLife}/callback`],
    },
    async configure(tenants) {
      const tppBanks = await Promise.all(tenants.map((t) => connectBank(registrationAt(t, TPP_APP_CLIENT_ID))));
      const enjoyBanks = await Promise.all(tenants.map((t) => connectBank(registrationAt(t, ENJOY_LIFE_CLIENT_ID))));
      connections.push(...tppBanks, ...enjoyBanks);
      handlers = {
        tpp: tppWalkthrough({ url: urls.tpp, banks: () => tppBanks }),
        enjoyLife: enjoyLife({ url: urls.enjoyLife, banks: () => enjoyBanks }),
      };
      return [
        { name: 'TPP Sample App', url: urls.tpp, client_id: TPP_APP_CLIENT_ID, users: [] },
        {
          name: 'Enjoy Life',
          url: urls.enjoyLife,
          client_id: ENJOY_LIFE_CLIENT_ID,
          users: ENJOY_LIFE_USERS.map(({ username, password }) => ({ username, password })),
        },
      ];
    },
    async close() {
      await Promise.all(
        [tppServer, enjoyServer].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      await Promise.all(connections.map((c) => c.close()));
    },
  };
}
