/**
 * Consents as bank administrators see and end them (the admin console's Consents screen): by customer or by
 * fintech, newest first and bounded; revoking is the one revocation mechanism (`domain/revocation.ts`: the
 * consent or grant first, then every token of it, before the answer). Each revocation is in the audit log
 * under `consent:<id>` or `grant:<clientId>:<customer>` with the staff member who did it.
 */
import type { AuditLog } from '../../ports/admin';
import type { ClientStore } from '../../ports/store';
import { usageOf } from '../connected-apps';
import type { Consent } from '../model';
import { type RevocationDeps, revokeConsent, revokeGrant } from '../revocation';
import { type AdminCommand, notFound } from './changes';

export interface ConsentAdminDeps extends RevocationDeps {
  readonly clients: Pick<ClientStore, 'get'>;
  readonly audit: Pick<AuditLog, 'record'>;
}

/** At most this many consents are shown per search (newest first). */
export const CONSENT_PAGE = 100;
/** Tokens read per consent for "last used" (the customer's dashboard reads as many). */
const TOKENS_READ = 50;
const IN_FORCE: readonly Consent['status'][] = ['AwaitingAuthorisation', 'Authorised'];

export type ConsentSearch = { readonly customer: string } | { readonly fintech: string };

const consentRecord = (consent: Consent, clientName: string, lastUsedAt: number | undefined) => ({
  consent_id: consent.consentId,
  client_id: consent.clientId,
  client_name: clientName,
  subject: consent.subject ?? null,
  status: consent.status,
  // The status time of an Authorised consent is when the customer granted it; others were never, or are no longer, granted.
  granted_at: consent.status === 'Authorised' ? consent.statusUpdateDateTime : null,
  created_at: consent.creationDateTime,
  expires_at: consent.expirationDateTime ?? null,
  last_used_at: lastUsedAt === undefined ? null : new Date(lastUsedAt * 1000).toISOString(),
});

export async function findConsents(deps: ConsentAdminDeps, search: ConsentSearch, now: number) {
  // One more than shown tells whether the list goes on.
  const found =
    'customer' in search
      ? await deps.consents.listBySubject(search.customer, CONSENT_PAGE + 1)
      : await deps.consents.listByClient(search.fintech, CONSENT_PAGE + 1);
  const shown = found.slice(0, CONSENT_PAGE);
  const names = new Map<string, string>();
  for (const clientId of new Set(shown.map((c) => c.clientId))) {
    names.set(clientId, (await deps.clients.get(clientId))?.clientName ?? clientId);
  }
  // Each token's one use write records lastUsedAt; the newest of the consent's tokens is its last use.
  const lastUsed = await Promise.all(
    shown.map(
      async (consent) =>
        usageOf(await deps.tokens.list({ kind: 'consent', consentId: consent.consentId }, TOKENS_READ), now).lastUsedAt,
    ),
  );
  return {
    items: shown.map((consent, i) => consentRecord(consent, names.get(consent.clientId)!, lastUsed[i])),
    more: found.length > shown.length,
  };
}

// The audit record follows the revocation, not in one transaction with it (the sweep is many writes): a crash
// in between leaves a revoked consent without its record, and repeating the revocation (idempotent) records it.
async function consentRevokedByAdmin(deps: ConsentAdminDeps, command: AdminCommand, consent: Consent, now: number) {
  const result = await revokeConsent(deps, consent.consentId, now);
  await deps.audit.record({
    entity: `consent:${consent.consentId}`,
    at: command.at,
    actor: command.actor,
    action: 'consent.revoke',
    before: { status: consent.status },
    after: { status: 'Revoked', tokens_revoked: result.tokensRevoked },
  });
  return result;
}

export async function revokeConsentAsAdmin(
  deps: ConsentAdminDeps,
  command: AdminCommand,
  consentId: string,
  now: number,
) {
  const consent = await deps.consents.get(consentId);
  if (!consent) throw notFound(`consent ${consentId}`);
  const { tokensRevoked } = await consentRevokedByAdmin(deps, command, consent, now);
  return { consent_id: consentId, tokens_revoked: tokensRevoked };
}

/**
 * Every customer's consents with one fintech and its consent-less grants ("Revoke all of {fintech}"). A consent
 * created during the call is not included: the fintech's certificate or registration is the way to stop it for good.
 */
export async function revokeAllOfFintech(deps: ConsentAdminDeps, command: AdminCommand, clientId: string, now: number) {
  if (!(await deps.clients.get(clientId))) throw notFound(`client ${clientId}`);
  let consentsRevoked = 0;
  let grantsRevoked = 0;
  let tokensRevoked = 0;
  for (const consent of await deps.consents.listByClient(clientId)) {
    if (!IN_FORCE.includes(consent.status)) continue;
    const result = await consentRevokedByAdmin(deps, command, consent, now);
    if (result.ended) consentsRevoked += 1;
    tokensRevoked += result.tokensRevoked;
  }
  for (const subject of await deps.grants.subjectsOf(clientId)) {
    const result = await revokeGrant(deps, clientId, subject, now);
    if (!result.ended) continue;
    grantsRevoked += 1;
    tokensRevoked += result.tokensRevoked;
    await deps.audit.record({
      entity: `grant:${clientId}:${subject}`,
      at: command.at,
      actor: command.actor,
      action: 'grant.revoke',
      before: null,
      after: { tokens_revoked: result.tokensRevoked },
    });
  }
  return { consents_revoked: consentsRevoked, grants_revoked: grantsRevoked, tokens_revoked: tokensRevoked };
}
