/**
 * In-memory fakes of the ports the grants use, with the same single-write semantics as the DynamoDB
 * adapters (consume once, use under quota), and a KeyService that signs with a local jose key.
 */

import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { AuthorizationCodeRecord, AuthorizationRecord } from '../../lambdas/domain/authorization';
import { type Client, parseClient } from '../../lambdas/domain/client';
import type { Consent, TokenRecord } from '../../lambdas/domain/model';
import type { KeyService, SigningAlg } from '../../lambdas/ports/keys';
import { SIGNING_PURPOSES } from '../../lambdas/ports/keys';
import {
  type AuthorizationStore,
  type ConsentStore,
  type IssuanceGuard,
  IssuanceRefused,
  type TokenCollection,
  type TokenStore,
} from '../../lambdas/ports/store';

export const ISSUER = 'https://auth.bank.example';
export const NOW = 1_800_000_000;
export const THUMBPRINT = 'cert-thumbprint-of-tpp';

export const CERTIFICATE_KEYS = { thumbprint: `x5t#S256:${THUMBPRINT}`, issuerSerial: 'issuer-serial:ca:1f' };

/**
 * Tokens with the issuance guard of the DynamoDB adapter: the consent (from `consents`), the consent-less
 * grant (`currentGrants`, key `clientId subject`), the refresh token, the revocation list
 * (`revokedCertificates`) and the assertion's jti claim (`claims`, written with the tokens) are checked before
 * anything is written.
 */
export function memoryTokens(
  options: { consents?: ConsentStore & { records: Map<string, Consent> }; currentGrants?: Map<string, string> } = {},
): TokenStore & {
  readonly records: Map<string, TokenRecord>;
  readonly revokedCertificates: Set<string>;
  /** Claimed jti records by `clientId value`, with their expiry. */
  readonly claims: Map<string, number>;
} {
  const records = new Map<string, TokenRecord>();
  const revokedCertificates = new Set<string>();
  const claims = new Map<string, number>();
  const claimKey = ({ record }: NonNullable<IssuanceGuard['replayClaim']>) =>
    `${record.key.clientId} ${record.key.value}`;
  const refusal = (guard: IssuanceGuard): IssuanceRefused['reason'] | undefined => {
    const { grant } = guard;
    if (grant?.kind === 'consent') {
      const consent = options.consents?.records.get(grant.consentId);
      const current =
        consent?.status === 'Authorised' &&
        consent.clientId === grant.clientId &&
        (consent.grantId === undefined || consent.grantId === grant.grantId);
      if (!current) return 'grant_revoked';
    }
    if (grant?.kind === 'grant' && options.currentGrants?.get(`${grant.clientId} ${grant.subject}`) !== grant.grantId) {
      return 'grant_revoked';
    }
    if (guard.refreshTokenHash !== undefined && records.get(guard.refreshTokenHash)?.revoked !== false) {
      return 'refresh_token_revoked';
    }
    const { thumbprint, issuerSerial } = guard.certificate;
    if (revokedCertificates.has(thumbprint) || revokedCertificates.has(issuerSerial)) return 'certificate_revoked';
    const claim = guard.replayClaim;
    if (claim && (claims.get(claimKey(claim)) ?? 0) > claim.now) return 'replayed';
    return undefined;
  };
  return {
    records,
    revokedCertificates,
    claims,
    async issue(tokens, guard) {
      const refused = refusal(guard);
      if (refused) throw new IssuanceRefused(refused);
      if (tokens.some((t) => records.has(t.tokenHash))) throw new Error('TransactionCanceledException');
      for (const token of tokens) records.set(token.tokenHash, token);
      if (guard.replayClaim) claims.set(claimKey(guard.replayClaim), guard.replayClaim.record.expiresAt);
    },
    async put(record) {
      if (records.has(record.tokenHash)) throw new Error('ConditionalCheckFailedException');
      records.set(record.tokenHash, record);
    },
    async use(tokenHash, request) {
      const token = records.get(tokenHash);
      if (!token || token.kind !== request.kind) return { ok: false, reason: 'unknown' };
      if (token.revoked) return { ok: false, reason: 'revoked' };
      if (token.expiresAt <= request.now) return { ok: false, reason: 'expired' };
      if (request.certThumbprint !== undefined && token.certThumbprint !== request.certThumbprint) {
        return { ok: false, reason: 'certificate_mismatch' };
      }
      if (token.maxUses !== 0 && token.uses >= token.maxUses) return { ok: false, reason: 'quota_exceeded' };
      const used = { ...token, uses: token.uses + 1 };
      records.set(tokenHash, used);
      return { ok: true, token: used };
    },
    get: async (tokenHash) => records.get(tokenHash),
    async revoke(tokenHash) {
      const token = records.get(tokenHash);
      if (token) records.set(tokenHash, { ...token, revoked: true });
    },
    async sweep(collection, grants = {}) {
      let count = 0;
      for (const [hash, token] of records) {
        if (!inCollection(token, collection)) continue;
        if (grants.only !== undefined && token.grantId !== grants.only) continue;
        if (grants.except !== undefined && token.grantId === grants.except) continue;
        records.set(hash, { ...token, revoked: true });
        count += 1;
      }
      return count;
    },
    async list(collection, limit) {
      return [...records.values()].filter((token) => inCollection(token, collection)).slice(0, limit);
    },
    async activeOf(clientId, now, limit) {
      const active = [...records.values()].filter((t) => t.clientId === clientId && t.expiresAt > now && !t.revoked);
      return { tokens: active.slice(0, limit), more: active.length > limit };
    },
  };
}

function inCollection(token: TokenRecord, collection: TokenCollection): boolean {
  if (collection.kind === 'certificate') return collection.key === `x5t#S256:${token.certThumbprint}`;
  return collection.kind === 'consent'
    ? token.consentId === collection.consentId
    : token.consentId === undefined && token.grantId === collection.grantId;
}

export function memoryAuthorizations(
  initial: AuthorizationRecord[] = [],
): AuthorizationStore & { readonly records: Map<string, AuthorizationRecord> } {
  const records = new Map(initial.map((r) => [r.id, r]));
  return {
    records,
    async put(record) {
      records.set(record.id, record);
    },
    get: async (kind, id, now) => {
      const record = records.get(id);
      return record?.kind === kind && record.expiresAt > now ? (record as never) : undefined;
    },
    async consume(kind, id, now, clientId) {
      const record = records.get(id) as AuthorizationCodeRecord | undefined;
      if (record && record.kind !== kind) return { ok: false, reason: 'unknown' };
      if (!record || (clientId !== undefined && record.clientId !== clientId)) return { ok: false, reason: 'unknown' };
      if (record.used) return { ok: false, reason: 'used', record: record as never };
      if (record.expiresAt <= now) return { ok: false, reason: 'expired', record: record as never };
      const used = { ...record, used: true };
      records.set(id, used);
      return { ok: true, record: used as never };
    },
    async advanceLogin(loginId, from, changes, now) {
      const login = records.get(loginId);
      if (login?.kind !== 'login' || login.status !== from || login.expiresAt <= now) return undefined;
      const advanced = { ...login, ...changes };
      records.set(loginId, advanced);
      return advanced;
    },
  };
}

export function memoryConsents(initial: Consent[] = []): ConsentStore & { readonly records: Map<string, Consent> } {
  const records = new Map(initial.map((c) => [c.consentId, c]));
  return {
    records,
    async create(consent) {
      records.set(consent.consentId, consent);
    },
    get: async (consentId) => records.get(consentId),
    async transition(consentId, from, changes) {
      const consent = records.get(consentId);
      if (!consent || !from.includes(consent.status)) return undefined;
      const next = { ...consent, ...changes };
      records.set(consentId, next);
      return next;
    },
    listBySubject: async (subject) => [...records.values()].filter((c) => c.subject === subject),
    listByClient: async (clientId) => [...records.values()].filter((c) => c.clientId === clientId),
  };
}

export interface LocalKeys {
  readonly keys: KeyService;
  /** The public signing key as a JWK Set, for jose verification. */
  readonly jwks: { keys: JWK[] };
}

/** A KeyService whose private key is a local jose key (what KMS does, without KMS). */
export async function localKeyService(alg: SigningAlg = 'PS256'): Promise<LocalKeys> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `local-${alg}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }] };
  return {
    jwks,
    keys: {
      signJws: (purpose, payload, header = {}) =>
        new CompactSign(payload)
          .setProtectedHeader({ ...header, alg, kid, typ: SIGNING_PURPOSES[purpose].typ })
          .sign(privateKey),
      publicJwks: async () => jwks,
      unwrapKey: async () => {
        throw new Error('this key service has no decryption key');
      },
    },
  };
}

export function tppClient(overrides: Partial<Parameters<typeof parseClient>[0]> = {}): Client {
  return parseClient({
    clientId: 'tpp-a',
    clientName: 'Enjoy Life',
    tokenEndpointAuthMethod: 'tls_client_auth',
    tlsClientAuthSubjectDn: 'CN=tpp-a,O=Enjoy Life,C=GB',
    redirectUris: ['https://tpp-a.example/cb'],
    scopes: ['openid', 'accounts'],
    ...overrides,
  });
}

export function authorisedConsent(overrides: Partial<Consent> = {}): Consent {
  return {
    consentId: 'aac-1',
    clientId: 'tpp-a',
    status: 'Authorised',
    permissions: ['ReadAccountsBasic', 'ReadBalances'],
    expirationDateTime: new Date((NOW + 90 * 24 * 3600) * 1000).toISOString(),
    transactionFromDateTime: '2026-01-01T00:00:00Z',
    transactionToDateTime: '2026-12-31T00:00:00Z',
    creationDateTime: new Date((NOW - 600) * 1000).toISOString(),
    statusUpdateDateTime: new Date((NOW - 300) * 1000).toISOString(),
    risk: {},
    subject: 'cust-1',
    accountIds: ['acc-1', 'acc-2'],
    grantedScopes: ['demandDeposits'],
    ...overrides,
  };
}
