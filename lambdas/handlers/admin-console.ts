/**
 * The admin console's API (`/admin/api/*`, browser origin): bank administrators signed in through the bank's
 * staff IdP (`http/portal.ts`: session cookie, CSRF token on every POST) do what the bank's automation does on
 * the mTLS admin API, through the same use-cases (`domain/admin/changes.ts`), version checks and audit log;
 * the audit record names the staff member. A change names the version the administrator saw (`version` in
 * the body), so a colleague's save in between is a 409 conflict, never silently overwritten.
 *   GET  /clients?limit&cursor                       registered clients
 *   GET  /clients/{clientId}/token-settings          { version, value, usage } (usage: its active tokens' uses)
 *   POST /clients/{clientId}/token-settings          { version, settings }
 *   GET  /apis?limit&cursor                          the catalog (with versions) and the form's choices
 *   POST /apis                                       registers a new API
 *   POST /apis/{apiId}/jose-policy                   { version, request, response }
 *   GET  /audit[?entity=]                            the change log, newest first, bounded
 *   GET  /reviews                                    Approvals: open developer-portal submissions, oldest first
 *   POST /reviews/{reviewId}/decision                { decision: approve | return | deny, comment }
 *   GET  /consents?customer= | ?fintech=             a customer's or a fintech's consents, newest first, bounded
 *   POST /consents  { revoke } | { revoke_all_of }    one consent, or every consent and consent-less grant of a
 *                                                    fintech, with every token of them (domain/revocation.ts)
 *   GET  /certificates                               the certificate revocation list
 *   POST /certificates  { add } | { remove }         lists a certificate (new entry id; its tokens revoked), or
 *                                                    lifts an entry (the certificate is accepted again)
 * (One resource per screen: each API Gateway method is stack resources, and a stack holds at most 500.)
 * Revocations and the revocation list are the mTLS admin API's use-cases too (`domain/revocation.ts`,
 * `domain/admin/revoked-certificates.ts`).
 */
import { randomBytes } from 'node:crypto';
import {
  type AdminCommand,
  auditTrail,
  listApis,
  listClients,
  pageRequest,
  readTokenSettings,
  registerApi,
  replaceJosePolicy,
  replaceTokenSettings,
} from '../domain/admin/changes';
import { findConsents, revokeAllOfFintech, revokeConsentAsAdmin } from '../domain/admin/consents';
import { ApiDefinitionBody, parseBody, TokenSettingsBody } from '../domain/admin/records';
import {
  liftRevokedCertificate,
  listRevokedCertificates,
  parseRevokedCertificateBody,
  putRevokedCertificate,
} from '../domain/admin/revoked-certificates';
import { admitAdministrator, staffActor } from '../domain/admin/staff';
import { tokenUsage } from '../domain/admin/token-usage';
import { JosePolicySchema, SAMPLE_BANK_OPERATIONS } from '../domain/gateway/catalog';
import { SCOPE_GROUPS } from '../domain/gateway/scope-groups';
import { InvalidRequest } from '../errors';
import { approvalRoutes } from '../http/approval-routes';
import { json } from '../http/handler';
import { type PortalCall, type PortalDefinition, type PortalRoute, portalHandler } from '../http/portal';
import { oauthJsonBody } from '../http/request';
import { identityWiring } from '../identity-wiring';
import * as z from '../validation';
import { wiring } from '../wiring';

/** Sessions of bank administrators are short: 15 minutes idle, one working day at most. */
export const adminPortal: PortalDefinition = {
  id: 'admin',
  identityProvider: () => identityWiring.staffIdentityProvider,
  admit: (person) => {
    const rule = wiring.config.staffIdp;
    const admitted = rule && admitAdministrator(rule, person);
    return admitted ? { subject: admitted.subject, name: admitted.name, roles: admitted.roles } : undefined;
  },
  idleSeconds: 15 * 60,
  absoluteSeconds: 8 * 3600,
};

const Version = z.int().check(z.nonnegative());
const TokenSettingsChange = z.strictObject({ version: Version, settings: TokenSettingsBody });
const JosePolicyChange = z.strictObject({ version: Version, request: z.unknown(), response: z.unknown() });

const ConsentRevocation = z.union([
  z.strictObject({ revoke: z.string().check(z.minLength(1)) }),
  z.strictObject({ revoke_all_of: z.string().check(z.minLength(1)) }),
]);
const RevocationListChange = z.union([
  z.strictObject({ add: z.unknown() }),
  z.strictObject({ remove: z.string().check(z.minLength(1)) }),
]);

const path = (call: PortalCall, name: string) => call.request.event.pathParameters?.[name] ?? '';
const query = (call: PortalCall, name: string) => call.request.event.queryStringParameters?.[name] ?? undefined;
const body = (call: PortalCall) => oauthJsonBody(call.request.event);
const page = (call: PortalCall) => pageRequest(query(call, 'limit'), query(call, 'cursor'));

function command(call: PortalCall, ifVersion?: number): AdminCommand {
  return { actor: staffActor(call.session), at: new Date(call.now * 1000).toISOString(), ifVersion };
}

/** The search of the Consents screen: exactly one of `customer` (username) and `fintech` (client id). */
function consentSearch(call: PortalCall) {
  const customer = query(call, 'customer')?.trim();
  const fintech = query(call, 'fintech')?.trim();
  if (customer && !fintech) return { customer };
  if (fintech && !customer) return { fintech };
  throw new InvalidRequest('give either customer or fintech');
}

function logChange(call: PortalCall) {
  call.request.log.info('admin change', { actor: call.session.subject, resource: call.request.event.resource });
}

const routes: PortalRoute[] = [
  {
    method: 'GET',
    path: '/clients',
    steps: [
      async (call) => {
        call.response = json(200, await listClients(wiring.admin, page(call)));
      },
    ],
  },
  {
    method: 'GET',
    path: '/clients/{clientId}/token-settings',
    steps: [
      async (call) => {
        const clientId = path(call, 'clientId');
        const [settings, usage] = await Promise.all([
          readTokenSettings(wiring.admin, clientId),
          tokenUsage(wiring.stores, clientId, call.now),
        ]);
        call.response = json(200, { ...settings, usage });
      },
    ],
  },
  {
    method: 'POST',
    path: '/clients/{clientId}/token-settings',
    steps: [
      async (call) => {
        const change = parseBody(body(call), TokenSettingsChange);
        const saved = await replaceTokenSettings(
          wiring.admin,
          command(call, change.version),
          path(call, 'clientId'),
          change.settings,
        );
        logChange(call);
        call.response = json(200, saved);
      },
    ],
  },
  {
    method: 'GET',
    path: '/apis',
    steps: [
      async (call) => {
        call.response = json(200, {
          ...(await listApis(wiring.admin, page(call))),
          scope_groups: SCOPE_GROUPS.map(({ id, label }) => ({ id, label })),
          sample_bank_operations: SAMPLE_BANK_OPERATIONS,
        });
      },
    ],
  },
  {
    method: 'POST',
    path: '/apis',
    steps: [
      async (call) => {
        const registered = await registerApi(wiring.admin, command(call), parseBody(body(call), ApiDefinitionBody));
        logChange(call);
        call.response = json(201, { ...registered.value, version: registered.version });
      },
    ],
  },
  {
    method: 'POST',
    path: '/apis/{apiId}/jose-policy',
    steps: [
      async (call) => {
        const { version, ...policy } = parseBody(body(call), JosePolicyChange);
        const saved = await replaceJosePolicy(
          wiring.admin,
          command(call, version),
          path(call, 'apiId'),
          parseBody(policy, JosePolicySchema),
        );
        logChange(call);
        call.response = json(200, saved);
      },
    ],
  },
  {
    method: 'GET',
    path: '/audit',
    steps: [
      async (call) => {
        call.response = json(200, { changes: await auditTrail(wiring.admin, query(call, 'entity')) });
      },
    ],
  },
  {
    method: 'GET',
    path: '/consents',
    steps: [
      async (call) => {
        call.response = json(200, await findConsents(wiring.consentAdmin, consentSearch(call), call.now));
      },
    ],
  },
  {
    method: 'POST',
    path: '/consents',
    steps: [
      async (call) => {
        const change = parseBody(body(call), ConsentRevocation);
        const revoked =
          'revoke' in change
            ? await revokeConsentAsAdmin(wiring.consentAdmin, command(call), change.revoke, call.now)
            : await revokeAllOfFintech(wiring.consentAdmin, command(call), change.revoke_all_of, call.now);
        logChange(call);
        call.response = json(200, revoked);
      },
    ],
  },
  {
    method: 'GET',
    path: '/certificates',
    steps: [
      async (call) => {
        call.response = json(200, await listRevokedCertificates(wiring.stores));
      },
    ],
  },
  {
    method: 'POST',
    path: '/certificates',
    steps: [
      async (call) => {
        const change = parseBody(body(call), RevocationListChange);
        if ('remove' in change) {
          await liftRevokedCertificate(wiring.stores, command(call), change.remove);
          call.response = json(200, { entry_id: change.remove, removed: true });
        } else {
          // A new entry: 128 random bits, so two administrators never name the same one.
          const entryId = randomBytes(16).toString('base64url');
          const listed = await putRevokedCertificate(
            wiring.stores,
            command(call),
            entryId,
            parseRevokedCertificateBody(change.add),
          );
          call.response = json(201, listed.value);
        }
        logChange(call);
      },
    ],
  },
];

export const handler = portalHandler(adminPortal, [...routes, ...approvalRoutes(command, logChange)]);
