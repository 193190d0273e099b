/**
 * The customer self-service API (`/account/api/*`, browser origin): the bank's customers sign in through
 * the same federation as the authorization journey, see what they share ("Connected apps") and stop it.
 *   GET  /account/api/consents                      every consent and consent-less grant of the customer
 *   POST /account/api/consents/{consentId}/revoke   stop sharing: the same revocation as the TPP's DELETE
 *   POST /account/api/grants/{clientId}/revoke      stop sharing a consent-less grant (gateway scope groups)
 * A customer sees and ends only her own: anything else is a 404, whether it exists or not.
 */
import { accountName, maskedNumber } from '../domain/account-labels';
import type { Client } from '../domain/client';
import {
  consentStatus,
  type EntryStatus,
  type GrantFacts,
  grantStatus,
  type UsageFacts,
  usageOf,
} from '../domain/connected-apps';
import { SCOPE_GROUPS } from '../domain/gateway/scope-groups';
import type { Consent } from '../domain/model';
import { revokeConsent, revokeGrant } from '../domain/revocation';
import { OAuthError } from '../errors';
import { json } from '../http/handler';
import { type PortalCall, type PortalDefinition, portalHandler } from '../http/portal';
import { identityWiring } from '../identity-wiring';
import type { BankAccount } from '../ports/bank-data';
import { wiring } from '../wiring';

export const customerPortal: PortalDefinition = {
  id: 'account',
  identityProvider: () => identityWiring.identityProvider,
  // Every customer the bank's IdP authenticates may see her own connected apps.
  admit: (person) => ({ subject: person.subject, name: person.name, roles: [] }),
  idleSeconds: 15 * 60,
  absoluteSeconds: 8 * 3600,
};

/** Bounded: the newest consents of the customer (OBUK consents are long-lived; 50 is years of use). */
const MAX_CONSENTS = 50;
/** Bounded: the tokens per consent or grant whose use the dashboard reads (a sample when there are more). */
const MAX_TOKENS = 50;

const notFound = () => new OAuthError('not_found', 'There is no such connection', 404);
const iso = (seconds: number | undefined) => (seconds === undefined ? null : new Date(seconds * 1000).toISOString());
const groupLabel = (id: string) => SCOPE_GROUPS.find((group) => group.id === id);

interface Entry {
  readonly clientId: string;
  readonly body: Record<string, unknown>;
}

function entryBody(
  kind: 'consent' | 'grant',
  id: string,
  status: EntryStatus,
  facts: {
    grantedAt: string | null;
    expiresAt: string | null;
    accountIds: readonly string[];
    permissions: readonly string[];
    scopes: readonly string[];
  },
  accounts: ReadonlyMap<string, BankAccount>,
  usage: UsageFacts,
): Record<string, unknown> {
  return {
    kind,
    id,
    status: status.status,
    reason: status.status === 'Inactive' ? status.reason : null,
    ended_at: status.status === 'Inactive' ? (status.endedAt ?? null) : null,
    granted_at: facts.grantedAt,
    expires_at: facts.expiresAt,
    accounts: facts.accountIds.map((accountId) => {
      const account = accounts.get(accountId);
      return {
        account_id: accountId,
        nickname: account ? accountName(account) : 'An account you no longer hold',
        masked_number: account ? maskedNumber(account) : '',
      };
    }),
    permissions: facts.permissions,
    scope_groups: facts.scopes.flatMap((scope) => {
      const group = groupLabel(scope);
      return group ? [{ id: group.id, label: group.label }] : [];
    }),
    last_used_at: iso(usage.lastUsedAt),
    uses_last_30_days: usage.usesLast30Days,
    recent_accesses: usage.recent.map((access) => ({
      at: new Date(access.at * 1000).toISOString(),
      api: access.api,
      interaction_id: access.interactionId,
    })),
  };
}

async function listConnectedApps(call: PortalCall) {
  const { subject } = call.session;
  const { now } = call;
  const [consents, grants, held] = await Promise.all([
    wiring.stores.consents.listBySubject(subject, MAX_CONSENTS),
    wiring.grantRegistry.listBySubject(subject),
    wiring.bankData.listAccounts(subject),
  ]);
  const accounts = new Map(held.map((account) => [account.AccountId, account]));
  const entries: Entry[] = [
    ...(await Promise.all(consents.map((consent) => consentEntry(consent, accounts, now)))),
    ...(await Promise.all(grants.map((grant) => grantEntry(grant, accounts, now)))),
  ];
  const clientIds = [...new Set(entries.map((entry) => entry.clientId))];
  const clients = new Map<string, Client | undefined>(
    await Promise.all(clientIds.map(async (id) => [id, await wiring.stores.clients.get(id)] as const)),
  );
  call.response = json(200, {
    apps: clientIds.map((clientId) => ({
      client_id: clientId,
      client_name: clients.get(clientId)?.clientName ?? clientId,
      agent_name: clients.get(clientId)?.agentName ?? null,
      entries: entries.filter((entry) => entry.clientId === clientId).map((entry) => entry.body),
    })),
  });
}

async function consentEntry(consent: Consent, accounts: ReadonlyMap<string, BankAccount>, now: number): Promise<Entry> {
  const tokens = await wiring.stores.tokens.list({ kind: 'consent', consentId: consent.consentId }, MAX_TOKENS);
  return {
    clientId: consent.clientId,
    body: entryBody(
      'consent',
      consent.consentId,
      consentStatus(consent, now),
      {
        grantedAt: consent.status === 'Rejected' ? null : consent.statusUpdateDateTime,
        expiresAt: consent.expirationDateTime ?? null,
        accountIds: consent.accountIds ?? [],
        permissions: consent.permissions,
        scopes: consent.grantedScopes ?? [],
      },
      accounts,
      usageOf(tokens, now),
    ),
  };
}

async function grantEntry(grant: GrantFacts, accounts: ReadonlyMap<string, BankAccount>, now: number): Promise<Entry> {
  const grantId = grant.grantId ?? grant.revokedGrantId;
  const tokens = grantId ? await wiring.stores.tokens.list({ kind: 'grant', grantId }, MAX_TOKENS) : [];
  return {
    clientId: grant.clientId,
    body: entryBody(
      'grant',
      grant.clientId,
      grantStatus(grant, now),
      {
        grantedAt: iso(grant.grantedAt),
        expiresAt: null,
        accountIds: grant.accountIds ?? [],
        permissions: [],
        scopes: grant.grantedScopes ?? [],
      },
      accounts,
      usageOf(tokens, now),
    ),
  };
}

async function stopSharingConsent(call: PortalCall) {
  const consentId = call.request.event.pathParameters?.consentId ?? '';
  const consent = consentId.length <= 128 ? await wiring.stores.consents.get(consentId) : undefined;
  // Another customer's consent looks exactly like one that does not exist.
  if (!consent || consent.subject !== call.session.subject) throw notFound();
  // The one revocation mechanism (as TPP DELETE): Revoked first, then the consistent sweep, then the answer.
  const result = await revokeConsent(wiring.stores, consentId, call.now);
  call.request.log.info('customer stopped sharing', { consentId, clientId: consent.clientId, ended: result.ended });
  call.response = json(200, { revoked: true, tokens_revoked: result.tokensRevoked });
}

async function stopSharingGrant(call: PortalCall) {
  const clientId = call.request.event.pathParameters?.clientId ?? '';
  if (clientId.length > 128) throw notFound();
  // The registry is keyed by fintech and customer: the session's subject makes it her own grant or none (404).
  const result = await revokeGrant(
    { grants: wiring.grantRegistry, tokens: wiring.stores.tokens, authorizations: wiring.stores.authorizations },
    clientId,
    call.session.subject,
    call.now,
  );
  if (!result.ended) throw notFound();
  call.request.log.info('customer stopped sharing', { clientId, grant: true });
  call.response = json(200, { revoked: true, tokens_revoked: result.tokensRevoked });
}

export const handler = portalHandler(customerPortal, [
  { method: 'GET', path: '/consents', steps: [listConnectedApps] },
  { method: 'POST', path: '/consents/{consentId}/revoke', steps: [stopSharingConsent] },
  { method: 'POST', path: '/grants/{clientId}/revoke', steps: [stopSharingGrant] },
]);
