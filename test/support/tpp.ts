/**
 * A TPP as fintechs build one: the certified openid-client library, configured from discovery, calling
 * the mTLS endpoint aliases with the demo client's certificate and (for private_key_jwt) its signing key.
 */
import { readFileSync } from 'node:fs';
import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { TestSandbox } from './sandbox';

export interface Tpp {
  readonly config: oidc.Configuration;
  readonly clientId: string;
  readonly signingKey: CryptoKey;
  readonly kid: string;
  /** fetch over mTLS with this TPP's certificate. */
  readonly fetch: (url: string, init?: RequestInit) => Promise<Response>;
}

export async function signingKeyOf(sandbox: TestSandbox, clientId: string): Promise<{ key: CryptoKey; kid: string }> {
  const jwk = JSON.parse(readFileSync(sandbox.client(clientId).jwk, 'utf8')) as JWK;
  return { key: (await importJWK(jwk, jwk.alg ?? 'PS256')) as CryptoKey, kid: jwk.kid! };
}

export async function tppClient(
  sandbox: TestSandbox,
  clientId: string,
  options: { execute?: ((config: oidc.Configuration) => void)[]; certificateOf?: string } = {},
): Promise<Tpp> {
  const client = sandbox.client(clientId);
  const agent = sandbox.mtlsAgent(options.certificateOf ?? clientId);
  const mtlsFetch = ((url: string, init?: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as (
    url: string,
    init?: RequestInit,
  ) => Promise<Response>;
  const { key, kid } = await signingKeyOf(sandbox, clientId);
  const auth =
    client.token_endpoint_auth_method === 'private_key_jwt' ? oidc.PrivateKeyJwt({ key, kid }) : oidc.TlsClientAuth();
  const config = await oidc.discovery(
    new URL(sandbox.manifest.issuer),
    clientId,
    { use_mtls_endpoint_aliases: true },
    auth,
    { [oidc.customFetch]: mtlsFetch as never, execute: options.execute },
  );
  config[oidc.customFetch] = mtlsFetch as never;
  return { config, clientId, signingKey: key, kid, fetch: mtlsFetch };
}

/**
 * A fintech registered with a certificate and key of its own (PEM, e.g. from "Issue sandbox certificate"):
 * openid-client over mTLS (tls_client_auth unless `clientAuth` says otherwise), and the agent its gateway calls use (close it when done).
 */
export async function tlsClientFromPem(
  sandbox: TestSandbox,
  clientId: string,
  certPem: string,
  keyPem: string,
  clientAuth: oidc.ClientAuth = oidc.TlsClientAuth(),
) {
  const agent = new Agent({ connect: { ca: readFileSync(sandbox.manifest.ca), cert: certPem, key: keyPem } });
  const mtlsFetch = ((url: string, init?: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as Tpp['fetch'];
  const config = await oidc.discovery(
    new URL(sandbox.manifest.issuer),
    clientId,
    { use_mtls_endpoint_aliases: true },
    clientAuth,
    { [oidc.customFetch]: mtlsFetch as never },
  );
  config[oidc.customFetch] = mtlsFetch as never;
  return { config, agent, clientId, fetch: mtlsFetch };
}

const ACCOUNT_ACCESS_CONSENTS = '/open-banking/v3.1/aisp/account-access-consents';

/** Creates an account-access consent with `permissions` as `tpp` would (client_credentials, mTLS); its ConsentId. */
export async function createConsent(sandbox: TestSandbox, tpp: Tpp, permissions: string[]): Promise<string> {
  const { access_token } = await oidc.clientCredentialsGrant(tpp.config, { scope: 'accounts' });
  const response = await tpp.fetch(`${sandbox.manifest.mtls_base_url}${ACCOUNT_ACCESS_CONSENTS}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ Data: { Permissions: permissions }, Risk: {} }),
  });
  expect(response.status).toBe(201);
  return (await response.json()).Data.ConsentId;
}

/** Deletes the consent as `tpp` would, which revokes it and every token granted under it. */
export async function deleteConsent(sandbox: TestSandbox, tpp: Tpp, consentId: string): Promise<void> {
  const { access_token } = await oidc.clientCredentialsGrant(tpp.config, { scope: 'accounts' });
  const response = await tpp.fetch(`${sandbox.manifest.mtls_base_url}${ACCOUNT_ACCESS_CONSENTS}/${consentId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${access_token}` },
  });
  expect(response.status).toBe(204);
}
