/**
 * A client's public keys as a jose key set, kept per process. jose imports each JWK once per key-set object,
 * so a key set made per request would import the client's keys again on every call (a WebCrypto import per
 * token request).
 * - Registered keys (`jwks`) are keyed by the JWKS content: a client that registers new keys gets a new key
 *   set on its next call, never a stale one.
 * - Published keys (`jwks_uri`) are fetched through `JwksFetch` (the adapter: https only, the SSRF guard of
 *   `gateway/upstream-address.ts` in the socket's lookup, no redirects, a size cap) and kept per URI for
 *   REMOTE_JWKS_MAX_AGE_MS; a `kid` the cached set does not have fetches again, at most once per
 *   REMOTE_JWKS_COOLDOWN_MS (the client rotated its keys). A fetched set must pass the client schema's JWKS
 *   check (public keys only).
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';
import type { Client } from './client';
import { ClientJwks } from './client';

const MAX_KEY_SETS = 500;
/** A client's key set as jose's verify functions take it (JWT, compact and flattened JWS alike). */
export type ClientKeys = (protectedHeader?: JWSHeaderParameters, token?: FlattenedJWSInput) => Promise<CryptoKey>;

const keySets = new Map<string, ClientKeys>();

export function clientKeySet(jwks: unknown): ClientKeys {
  const content = JSON.stringify(jwks);
  let keySet = keySets.get(content);
  if (!keySet) {
    // A bound, not an LRU: a warm function serves a handful of clients; overflowing only costs re-imports.
    if (keySets.size >= MAX_KEY_SETS) keySets.clear();
    keySet = createLocalJWKSet(jwks as JSONWebKeySet);
    keySets.set(content, keySet);
  }
  return keySet;
}

/** How long a fetched key set is used before it is fetched again. */
export const REMOTE_JWKS_MAX_AGE_MS = 5 * 60_000;
/** An unknown `kid` fetches again, but not sooner than this after the last fetch. */
export const REMOTE_JWKS_COOLDOWN_MS = 30_000;
/** The whole fetch (connect, TLS, answer) must be done within this. */
export const REMOTE_JWKS_TIMEOUT_MS = 3_000;

/** GET of a `jwks_uri` (jose's custom fetch): the adapter guards the address, the redirects and the size. */
export type JwksFetch = (
  url: string,
  init: { headers: Headers; method: 'GET'; redirect: 'manual'; signal: AbortSignal },
) => Promise<Response>;

export class InvalidPublishedJwks extends Error {
  override readonly name = 'InvalidPublishedJwks';
}

const remoteSets = new Map<string, ClientKeys>();

function remoteKeySet(uri: string, fetchJwks: JwksFetch): ClientKeys {
  let keySet = remoteSets.get(uri);
  if (!keySet) {
    if (remoteSets.size >= MAX_KEY_SETS) remoteSets.clear();
    const validatingFetch: JwksFetch = async (url, init) => {
      const response = await fetchJwks(url, init);
      if (response.status !== 200) throw new InvalidPublishedJwks(`jwks_uri answered ${response.status}`);
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        throw new InvalidPublishedJwks('jwks_uri did not answer JSON');
      }
      const parsed = ClientJwks.safeParse(body);
      if (!parsed.success) throw new InvalidPublishedJwks('jwks_uri did not answer a JWK Set of public keys');
      return Response.json(parsed.data);
    };
    keySet = createRemoteJWKSet(new URL(uri), {
      cacheMaxAge: REMOTE_JWKS_MAX_AGE_MS,
      cooldownDuration: REMOTE_JWKS_COOLDOWN_MS,
      timeoutDuration: REMOTE_JWKS_TIMEOUT_MS,
      [customFetch]: validatingFetch,
    });
    remoteSets.set(uri, keySet);
  }
  return keySet;
}

/**
 * The keys a client signs with (client assertions, request objects, signed API requests): published at its
 * `jwks_uri` when it has one, else the registered `jwks`; undefined when it has neither.
 */
export function signingKeysOf(client: Pick<Client, 'jwks' | 'jwksUri'>, fetchJwks: JwksFetch): ClientKeys | undefined {
  if (client.jwksUri) return remoteKeySet(client.jwksUri, fetchJwks);
  return client.jwks ? clientKeySet(client.jwks) : undefined;
}
