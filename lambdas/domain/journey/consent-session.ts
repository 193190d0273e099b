/**
 * The customer's answer on the consent page: open the consent session (the login session after sign-in),
 * describe what the client asks for, then authorise or reject. Authorising is the customer-side twin of
 * the authorization_code grant: it completes the session, authorises the consent, replaces the earlier
 * grant and writes the single-use code the client redeems at the token endpoint.
 */
import { AccessDenied, InvalidRequest, OAuthError } from '../../errors';
import type { BankData } from '../../ports/bank-data';
import type { KeyService } from '../../ports/keys';
import type {
  AuthorizationStore,
  ClientStore,
  ConsentStore,
  CurrentGrant,
  GrantRegistry,
  TokenStore,
} from '../../ports/store';
import { accountName, hasSortCode, maskedNumber } from '../account-labels';
import { type AuthorizationCodeRecord, CODE_TTL, codeRecordId, type LoginSessionRecord } from '../authorization';
import { authorizationResponseUrl } from '../authorization-request';
import { grantedScopesOf, offeredScopeGroups } from '../gateway/scope-groups';
import { grantFromConsent } from '../grant';
import { mintIdToken } from '../id-token';
import type { Consent } from '../model';
import { endReplacedConsentGrant, endReplacedGrant } from '../revocation';
import { matchesHash, newIdentifier, newOpaqueValue } from '../tokens';

const LOGIN_ID = /^[A-Za-z0-9_-]{22}$/;

export const sessionInvalid = () =>
  new OAuthError('invalid_session', 'the consent session has expired or is not valid', 401);

export interface OpenSessionInput {
  readonly loginId: string;
  /** The consent page's CSRF token: only the page the server redirected to knows it. */
  readonly loginState: string | undefined;
  /**
   * How the caller proves it holds the session: the browser's session cookie, or (a bank's own consent page)
   * a check of the privileged client's token that throws when it fails.
   */
  readonly proof:
    | { readonly cookie?: { readonly loginId: string; readonly secret: string } }
    | { readonly privileged: () => Promise<void> };
  readonly now: number;
}

/** Opens the session the caller proves it holds (cookie or privileged client), plus login_state. */
export async function openConsentSession(
  input: OpenSessionInput,
  deps: { readonly authorizations: AuthorizationStore },
): Promise<LoginSessionRecord> {
  if (!LOGIN_ID.test(input.loginId)) throw new InvalidRequest('login_id is malformed');
  const cookie = 'privileged' in input.proof ? undefined : input.proof.cookie;
  if ('privileged' in input.proof) await input.proof.privileged();
  else if (cookie?.loginId !== input.loginId) throw sessionInvalid();
  // One read serves both proofs: the cookie's session hash and the consent page's login_state.
  const login = await deps.authorizations.get('login', input.loginId, input.now);
  if (!login) throw sessionInvalid();
  if (cookie && !matchesHash(cookie.secret, login.sessionHash)) throw sessionInvalid();
  if (login.status !== 'consenting' || !login.subject) throw sessionInvalid();
  if (!input.loginState || !matchesHash(input.loginState, login.loginStateHash)) throw sessionInvalid();
  return login;
}

async function sessionConsent(login: LoginSessionRecord, consents: ConsentStore): Promise<Consent | undefined> {
  if (!login.request.consentId) return undefined;
  const consent = await consents.get(login.request.consentId);
  if (!consent || consent.clientId !== login.clientId) throw new InvalidRequest('the consent no longer exists');
  return consent;
}

/** What the consent page shows: the client, what it asks for, and the customer's accounts to choose from. */
export async function describeConsentSession(
  login: LoginSessionRecord,
  deps: {
    readonly consents: ConsentStore;
    readonly clients: ClientStore;
    readonly bankData: BankData;
    readonly issuer: string;
  },
) {
  const [consent, client, accounts] = await Promise.all([
    sessionConsent(login, deps.consents),
    deps.clients.get(login.clientId),
    deps.bankData.listAccounts(login.subject!),
  ]);
  return {
    login_id: login.id,
    consent_id: consent?.consentId ?? null,
    // Without a consent (gateway scope groups only) the session itself is what awaits the customer's answer.
    status: consent?.status ?? 'AwaitingAuthorisation',
    client: {
      client_id: login.clientId,
      client_name: client?.clientName ?? login.clientId,
      logo_uri: client?.logoUri ?? null,
      agent_name: client?.agentName ?? null,
    },
    permissions: consent?.permissions ?? [],
    requested_scopes: login.request.scope.split(' '),
    expiration_date_time: consent?.expirationDateTime ?? null,
    transaction_from_date_time: consent?.transactionFromDateTime ?? null,
    transaction_to_date_time: consent?.transactionToDateTime ?? null,
    subject: login.subject,
    customer_name: login.customerName ?? null,
    accounts: accounts.map((account) => ({
      account_id: account.AccountId,
      nickname: accountName(account),
      masked_number: maskedNumber(account),
      currency: account.Currency,
      account_type: account.AccountType,
      account_sub_type: account.AccountSubType,
      description: account.Description ?? null,
      has_sort_code: hasSortCode(account),
    })),
    scope_groups: offeredScopeGroups(login.request.scope.split(' ')),
    // The page counts down to the server's session expiry; when it passes, this is the way back.
    session_expires_at: new Date(login.expiresAt * 1000).toISOString(),
    return_on_expiry: authorizationResponseUrl(login.request, deps.issuer, {
      error: 'access_denied',
      error_description: 'the consent session expired before the customer answered',
    }),
  };
}

export interface AuthoriseDeps {
  readonly authorizations: AuthorizationStore;
  readonly consents: ConsentStore;
  readonly tokens: TokenStore;
  readonly clients: ClientStore;
  readonly bankData: BankData;
  readonly grantRegistry: GrantRegistry;
  readonly keys: KeyService;
  readonly issuer: string;
  /** The tenant's refresh-token lifetime: a consent-less grant is remembered as long as its tokens can live. */
  readonly refreshTokenTtl: number;
}

export interface AuthoriseInput {
  readonly login: LoginSessionRecord;
  readonly accountIds: readonly string[];
  readonly grantedScopes?: readonly string[];
  readonly now: number;
}

export interface Authorised {
  /** The authorization response (code, and the ID token of the hybrid flow) at the client's redirect_uri. */
  readonly redirectTo: string;
  /** Set when an Open Banking consent was authorised (not for consent-less gateway grants). */
  readonly consentId?: string;
  readonly accounts: number;
}

/** The customer allowed: authorise the consent with the chosen accounts and answer the client with a code. */
export async function authoriseConsent(input: AuthoriseInput, deps: AuthoriseDeps): Promise<Authorised> {
  const { login, now } = input;
  const subject = login.subject!;
  const owned = new Set((await deps.bankData.listAccounts(subject)).map((a) => a.AccountId));
  const accountIds = [...new Set(input.accountIds)];
  if (accountIds.some((id) => !owned.has(id))) throw new InvalidRequest('account_ids must be accounts of the customer');
  const granted = grantedScopesOf(login.request.scope.split(' '), input.grantedScopes);
  if ('error' in granted) throw new InvalidRequest(granted.error);
  const grantedScopes = granted.scopes;

  const consent = await sessionConsent(login, deps.consents);
  const byAnotherCustomer = () => new AccessDenied('the consent was authorised by another customer');
  if (consent?.status === 'Authorised' && consent.subject !== subject) throw byAnotherCustomer();
  // The moment of truth: one conditional write completes the session, so a page can accept only once.
  if (!(await deps.authorizations.advanceLogin(login.id, 'consenting', { status: 'completed' }, now)))
    throw sessionInvalid();

  const code = newOpaqueValue();
  const codeId = codeRecordId(code);
  const grantId = newIdentifier();
  let authorised: Consent | undefined;
  if (consent) {
    // Conditional on the status, the customer and the code as read: of two customers (or two pages) racing
    // on one consent exactly one authorises it, and only the winner's code exists for the record it wrote.
    // Naming the new grant is the re-authorisation's moment of truth: the earlier grant's issuances now fail.
    authorised = await deps.consents.transition(
      consent.consentId,
      ['AwaitingAuthorisation', 'Authorised'],
      {
        status: 'Authorised',
        subject,
        accountIds,
        grantedScopes,
        authorizationCodeId: codeId,
        grantId,
        statusUpdateDateTime: new Date(now * 1000).toISOString(),
      },
      { subject: consent.subject, authorizationCodeId: consent.authorizationCodeId },
    );
    if (!authorised) {
      const current = await deps.consents.get(consent.consentId);
      if (current?.status === 'Authorised' && current.subject !== subject) throw byAnotherCustomer();
      throw new InvalidRequest('the consent can no longer be authorised');
    }
    if (consent.status === 'Authorised') {
      // Re-authorisation replaces the earlier grant: what was removed stops working before the answer.
      await endReplacedConsentGrant(deps, consent, grantId, now);
    }
  }

  const grant = grantFromConsent(
    { grantId, subject, authTime: login.authTime ?? now, acr: login.acr, accountIds, grantedScopes },
    authorised && { ...authorised, accountIds, grantedScopes },
  );
  const record: AuthorizationCodeRecord = {
    ...grant,
    id: codeId,
    kind: 'code',
    clientId: login.clientId,
    used: false,
    expiresAt: now + CODE_TTL,
    redirectUri: login.request.redirectUri,
    codeChallenge: login.request.codeChallenge,
    // RFC 6749 §5.1 / §3.3: the tokens (and the token response) carry the scope granted, not the one requested.
    scope: grantedScopes.join(' '),
    nonce: login.request.nonce,
  };
  await deps.authorizations.put(record);
  if (!consent)
    await replacePreviousGrant(
      login.clientId,
      subject,
      { grantId: record.grantId, codeId, grantedAt: now, grantedScopes, accountIds },
      now,
      deps,
    );

  const idToken =
    login.request.responseType === 'code id_token'
      ? await mintIdToken(deps.keys, {
          issuer: deps.issuer,
          clientId: login.clientId,
          subject,
          now,
          nonce: login.request.nonce,
          authTime: record.authTime,
          acr: login.acr,
          consentId: consent?.consentId,
          code,
          state: login.request.state,
        })
      : undefined;
  return {
    redirectTo: authorizationResponseUrl(login.request, deps.issuer, { code, id_token: idToken }),
    consentId: consent?.consentId,
    accounts: accountIds.length,
  };
}

/**
 * Without a consent (gateway scope groups only) the client's grant for this customer is the latest one:
 * naming it in the registry ends the earlier grant (its issuances now fail), whose tokens are then swept.
 */
async function replacePreviousGrant(
  clientId: string,
  subject: string,
  grant: CurrentGrant,
  now: number,
  deps: AuthoriseDeps,
): Promise<void> {
  const client = await deps.clients.get(clientId);
  const lifetime = Math.max(client?.tokenSettings.refreshTokenTtl ?? 0, deps.refreshTokenTtl);
  const previous = await deps.grantRegistry.replace(clientId, subject, grant, now + lifetime);
  if (previous === undefined || previous.grantId === grant.grantId) return;
  await endReplacedGrant(deps, previous, now);
}

export interface RejectInput {
  readonly login: LoginSessionRecord;
  readonly error: string;
  readonly description?: string;
  readonly now: number;
}

/** The customer cancelled: the consent is Rejected (unless it was already authorised) and the client hears the error. */
export async function rejectConsent(
  input: RejectInput,
  deps: { readonly authorizations: AuthorizationStore; readonly consents: ConsentStore; readonly issuer: string },
): Promise<{ readonly redirectTo: string; readonly rejected: boolean }> {
  const { login, now } = input;
  if (!(await deps.authorizations.advanceLogin(login.id, 'consenting', { status: 'completed' }, now)))
    throw sessionInvalid();
  let rejected = false;
  if (login.request.consentId) {
    rejected = !!(await deps.consents.transition(login.request.consentId, ['AwaitingAuthorisation'], {
      status: 'Rejected',
      // The customer who said no sees it among her connected apps (Inactive, Rejected).
      subject: login.subject,
      statusUpdateDateTime: new Date(now * 1000).toISOString(),
    }));
  }
  return {
    redirectTo: authorizationResponseUrl(login.request, deps.issuer, {
      error: input.error,
      error_description: input.description ?? 'the customer cancelled',
    }),
    rejected,
  };
}
