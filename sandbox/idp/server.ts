/**
 * The sandbox's stand-in for a bank's identity provider: a real OpenID provider (oidc-provider) on local HTTPS,
 * with its own sign-in page. Bankgate federates to it exactly as it federates to a bank's IdP in AWS.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider, { type Adapter, type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
// @ts-expect-error oidc-provider ships no types for its own memory adapter module.
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import type { PageBranding } from '../../lambdas/http/page';
import { APP_NAME_PARAMETER } from '../../lambdas/ports/identity-provider';
import { LOGIN_PAGE_CSP, renderIdpLandingPage, renderLoginPage } from './login-page';
import { loadOrCreateIdpSecrets } from './persisted-keys';

export interface DemoCustomer {
  username: string;
  password: string;
  subject: string;
  name: string;
  /** Workforce roles, issued as the `roles` claim (bank staff; customers have none). */
  roles?: string[];
}

export interface DemoClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  /** Defaults to `client_secret_basic`, as RFC 7591 does. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
}

export interface DemoIdpOptions {
  /** 0 picks a free port. */
  port: number;
  /** `<dataDir>/idp/` keeps the signing keys and cookie keys across restarts. */
  dataDir: string;
  /** PEM server key and certificate for localhost. */
  tls: { key: string; cert: string };
  customers: DemoCustomer[];
  clients: DemoClient[];
  /** Shown on the sign-in page and the landing page: the bank's name, colour and logo (tenant branding). */
  branding?: PageBranding;
}

export interface DemoIdp {
  readonly issuer: string;
  close(): Promise<void>;
}

/** The authentication the sign-in page performs counts as PSD2 strong customer authentication in the demo. */
export const SCA_ACR = 'urn:openbanking:psd2:sca';

const INTERACTION_PATH = /^\/interaction\/([\w-]+)$/;
const MAX_FORM_BYTES = 4096;

export async function startDemoIdp(opts: DemoIdpOptions): Promise<DemoIdp> {
  const secrets = await loadOrCreateIdpSecrets(opts.dataDir);
  const server = createServer({ key: opts.tls.key, cert: opts.tls.cert });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  // The issuer names the bound port, so the provider can only be built once the server listens.
  const issuer = `https://localhost:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, providerConfiguration(opts, secrets));
  const providerCallback = provider.callback();
  const branding = opts.branding ?? { bankName: 'TPI Bank' };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', issuer).pathname;
    if (pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      const bankOrigin = opts.clients[0]?.redirect_uris[0] && new URL(opts.clients[0].redirect_uris[0]).origin;
      sendHtml(res, 200, renderIdpLandingPage({ branding, bankOrigin }));
      return;
    }
    const uid = INTERACTION_PATH.exec(pathname)?.[1];
    if (uid === undefined) {
      providerCallback(req, res);
      return;
    }
    handleInteraction(provider, opts.customers, branding, uid, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof errors.SessionNotFound) {
        sendHtml(
          res,
          400,
          '<!doctype html><title>Sign-in expired</title><p>This sign-in has expired. Start again.</p>',
        );
        return;
      }
      console.error('demo IdP interaction failed:', error instanceof Error ? error.message : error);
      sendHtml(res, 500, '<!doctype html><title>Error</title><p>Something went wrong.</p>');
    });
  });

  return {
    issuer,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Browsers keep connections alive; without this close() waits for them to idle out.
        server.closeAllConnections();
      }),
  };
}

function providerConfiguration(
  opts: DemoIdpOptions,
  secrets: { jwks: Configuration['jwks']; cookieKeys: string[] },
): Configuration {
  const customersBySubject = new Map(opts.customers.map((c) => [c.subject, c]));
  return {
    clients: opts.clients.map((c) => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      require_auth_time: true,
      // Authorization requests only through PAR (RFC 9126 §6): what the sign-in page shows was pushed by the client.
      require_pushed_authorization_requests: true,
    })),
    extraParams: [APP_NAME_PARAMETER],
    // Its own in-memory store, given explicitly: the library warns only when it has to pick it itself. Sign-in
    // sessions and codes need not outlive the process (the signing and cookie keys are kept on disk).
    adapter: (createMemoryAdapter as () => (name: string) => Adapter)(),
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    scopes: ['openid', 'profile'],
    // acr and auth_time ride on the openid scope so every ID token says how and when the customer authenticated.
    // `roles` rides on profile, as a workforce IdP puts group claims in the ID token of its own relying parties.
    claims: { sid: null, openid: ['sub', 'acr', 'auth_time'], profile: ['name', 'roles'] },
    // The relying party reads the customer's name from the ID token instead of calling userinfo.
    conformIdTokenClaims: false,
    acrValues: [SCA_ACR],
    pkce: { required: () => true },
    jwks: secrets.jwks,
    cookies: { keys: secrets.cookieKeys },
    clientBasedCORS: () => false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AuthorizationCode: 60, AccessToken: 300, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600 },
    findAccount: (_ctx, sub) => {
      const customer = customersBySubject.get(sub);
      return (
        customer && {
          accountId: sub,
          claims: () => ({ sub, name: customer.name, ...(customer.roles ? { roles: customer.roles } : {}) }),
        }
      );
    },
    // Every configured client is one of the bank's own relying parties: consent is implied, never asked.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { session, client, result } = ctx.oidc;
      const grantId = result?.consent?.grantId ?? session?.grantIdFor(client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client!.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
  };
}

async function handleInteraction(
  provider: Provider,
  customers: DemoCustomer[],
  branding: PageBranding,
  uid: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // interactionDetails checks the interaction cookie bound to this uid: a form posted from elsewhere finds no session.
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid || details.prompt.name !== 'login') throw new errors.SessionNotFound('interaction mismatch');
  const action = `/interaction/${uid}`;

  if (req.method === 'GET') {
    const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
    sendHtml(res, 200, renderLoginPage({ branding, appName: appNameOf(details.params), action, username: loginHint }));
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'GET, POST' }).end();
    return;
  }

  const form = new URLSearchParams(await readBody(req));
  const username = form.get('username') ?? '';
  const customer = authenticate(customers, username, form.get('password') ?? '');
  if (!customer) {
    const error = 'The username or password is incorrect.';
    sendHtml(res, 401, renderLoginPage({ branding, appName: appNameOf(details.params), action, username, error }));
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: customer.subject, acr: SCA_ACR, amr: ['pwd'] } },
    { mergeWithLastSubmission: false },
  );
}

/**
 * The app's name Bankgate pushed (PAR is required of its clients, so every parameter here came from the
 * authenticated back channel, never from the browser's query string).
 */
function appNameOf(params: Record<string, unknown>): string | undefined {
  const name = params[APP_NAME_PARAMETER];
  return typeof name === 'string' && name.length > 0 && name.length <= 200 ? name : undefined;
}

/** Compares fixed-length digests in constant time, and always compares one, so timing reveals neither password nor username. */
function authenticate(customers: DemoCustomer[], username: string, password: string): DemoCustomer | undefined {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const customer = customers.find((c) => c.username === username);
  const matches = timingSafeEqual(digest(password), digest(customer?.password ?? `\0${password}`));
  return customer && matches ? customer : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_FORM_BYTES) throw new Error('form too large');
  }
  return body;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res
    .writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': LOGIN_PAGE_CSP,
      'x-content-type-options': 'nosniff',
    })
    .end(html);
}
