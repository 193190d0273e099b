/** What the load runs send: pre-signed client assertions, form bodies, and the consent a PAR names. */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, type JWK, SignJWT } from 'jose';
import { Agent, request } from 'undici';
import type { SandboxManifest, SandboxManifestClient } from '../sandbox/sandbox';
import type { TlsIdentity } from './load';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SIGNING_BATCH = 64;

export function clientOf(manifest: SandboxManifest, clientId: string): SandboxManifestClient {
  const client = manifest.clients.find((c) => c.client_id === clientId);
  if (!client) throw new Error(`the sandbox manifest has no client ${clientId}`);
  return client;
}

export function tlsIdentityOf(manifest: SandboxManifest, clientId: string): TlsIdentity {
  const client = clientOf(manifest, clientId);
  return {
    key: readFileSync(client.key, 'utf8'),
    cert: readFileSync(client.cert, 'utf8'),
    ca: readFileSync(manifest.ca, 'utf8'),
  };
}

/**
 * `count` distinct private_key_jwt assertions (PS256, unique jti, 240 s lifetime) for `audience`.
 * Signed just before a run: each is valid exactly once and only for a few minutes.
 */
export async function signAssertions(client: SandboxManifestClient, audience: string, count: number) {
  const jwk = JSON.parse(readFileSync(client.jwk, 'utf8')) as JWK;
  const key = await importJWK(jwk, 'PS256');
  const sign = () =>
    new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'PS256', kid: jwk.kid })
      .setIssuer(client.client_id)
      .setSubject(client.client_id)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('240s')
      .sign(key);
  const assertions: string[] = [];
  while (assertions.length < count) {
    const batch = Math.min(SIGNING_BATCH, count - assertions.length);
    assertions.push(...(await Promise.all(Array.from({ length: batch }, sign))));
  }
  return assertions;
}

export const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

export const clientCredentialsWithAssertion = (assertion: string) =>
  form({
    grant_type: 'client_credentials',
    scope: 'accounts',
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
  });

export const clientCredentialsWithCertificate = (clientId: string) =>
  form({ grant_type: 'client_credentials', scope: 'accounts', client_id: clientId });

/** A FAPI 2.0 authorization request pushed as plain parameters, for the consent `consentId`. */
export function pushedAuthorizationRequest(client: SandboxManifestClient, consentId: string, assertion: string) {
  return form({
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0]!,
    response_type: 'code',
    scope: 'openid accounts',
    code_challenge: randomBytes(32).toString('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(16).toString('base64url'),
    claims: JSON.stringify({ id_token: { openbanking_intent_id: { value: consentId, essential: true } } }),
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
  });
}

/** An account-access consent created the way a TPP creates one: client_credentials token, then POST. */
export async function createConsent(manifest: SandboxManifest, clientId: string, permissions: readonly string[]) {
  const client = clientOf(manifest, clientId);
  const tls = tlsIdentityOf(manifest, clientId);
  const dispatcher = new Agent({ connect: { key: tls.key, cert: tls.cert, ca: tls.ca } });
  try {
    const [assertion] = await signAssertions(client, manifest.issuer, 1);
    const tokenResponse = await request(`${manifest.mtls_base_url}/token`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: clientCredentialsWithAssertion(assertion!),
    });
    const token = (await tokenResponse.body.json()) as { access_token?: string };
    if (!token.access_token) throw new Error(`client_credentials failed: ${JSON.stringify(token)}`);
    const consentResponse = await request(`${manifest.mtls_base_url}/open-banking/v3.1/aisp/account-access-consents`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Data: { Permissions: permissions }, Risk: {} }),
    });
    const consent = (await consentResponse.body.json()) as { Data?: { ConsentId?: string } };
    if (!consent.Data?.ConsentId) throw new Error(`consent creation failed: ${JSON.stringify(consent)}`);
    return consent.Data.ConsentId;
  } finally {
    await dispatcher.close();
  }
}
