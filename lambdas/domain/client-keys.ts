/**
 * A client's registered public keys as a jose key set, kept per process. jose imports each JWK once per
 * key-set object, so a key set made per request would import the client's keys again on every call (a
 * WebCrypto import per token request). Keyed by the JWKS content: a client that registers new keys gets a
 * new key set on its next call, never a stale one.
 */
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';

const MAX_KEY_SETS = 500;
const keySets = new Map<string, ReturnType<typeof createLocalJWKSet>>();

export function clientKeySet(jwks: unknown): ReturnType<typeof createLocalJWKSet> {
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
