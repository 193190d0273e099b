/**
 * "TPP Sample App": a technical walkthrough of one Open Banking UK account-information flow (FAPI 2.0:
 * PAR + signed request object + PKCE, private_key_jwt, mTLS), every step on one page with its raw HTTP
 * exchanges, its x-fapi-interaction-id, and the whole run downloadable as JSON.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { BankConnection, Exchange } from './bank';
import { csrfField, csrfOk, type Html, html, page, readForm, redirect, Sessions, sendPage } from './html';
import { redactExchange, type ShownExchange, truncate } from './trace';

const AISP = '/open-banking/v3.1/aisp';

/** OBUK permissions the walkthrough offers, by cluster (the account-information APIs Bankgate serves). */
export const PERMISSION_CLUSTERS: readonly { readonly cluster: string; readonly permissions: readonly string[] }[] = [
  { cluster: 'Accounts', permissions: ['ReadAccountsBasic', 'ReadAccountsDetail'] },
  { cluster: 'Balances', permissions: ['ReadBalances'] },
  {
    cluster: 'Transactions',
    permissions: [
      'ReadTransactionsBasic',
      'ReadTransactionsDetail',
      'ReadTransactionsCredits',
      'ReadTransactionsDebits',
    ],
  },
];
const ALL_PERMISSIONS = PERMISSION_CLUSTERS.flatMap((c) => c.permissions);

interface StepError {
  readonly error: string;
  readonly error_description?: string;
  readonly interaction_id?: string;
}

interface Step {
  readonly title: string;
  readonly exchanges: ShownExchange[];
  /** Labelled values shown after the exchanges (decoded JWTs, URLs, parameters). */
  readonly details: { readonly label: string; readonly value: string }[];
  error?: StepError;
}

interface Run {
  readonly id: string;
  readonly bank: string;
  readonly permissions: readonly string[];
  readonly steps: Step[];
  readonly verifier: string;
  readonly state: string;
  authorizationUrl?: string;
  status: 'at-the-bank' | 'complete' | 'failed';
}

interface WalkthroughSession {
  run?: Run;
}

export interface WalkthroughOptions {
  readonly url: string;
  readonly banks: () => readonly BankConnection[];
}

const APP = 'TPP Sample App';
const BRAND = '#2b3a67';
const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/** Runs `act` as `title`: its exchanges recorded, a refusal kept as the step's error (then rethrown). */
async function step<T>(
  run: Run,
  title: string,
  act: (record: (exchange: Exchange) => void, details: Step['details']) => Promise<T>,
): Promise<T> {
  const current: Step = { title, exchanges: [], details: [] };
  run.steps.push(current);
  try {
    return await act((exchange) => current.exchanges.push(redactExchange(exchange)), current.details);
  } catch (error) {
    const last = current.exchanges.at(-1);
    current.error = errorOf(error, last?.interactionId);
    run.status = 'failed';
    throw error;
  }
}

function errorOf(error: unknown, interactionId: string | undefined): StepError {
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
    return { error: error.error, error_description: error.error_description, interaction_id: interactionId };
  }
  if (error instanceof RefusedCall) return { ...error.body, interaction_id: interactionId };
  return { error: 'client_error', error_description: error instanceof Error ? error.message : String(error) };
}

/** A resource API answered with an error status; its OAuth or OBErrorResponse1 body. */
class RefusedCall extends Error {
  constructor(readonly body: { error: string; error_description?: string }) {
    super(body.error);
  }
}

/** A call to one of the bank's account-information APIs; a refusal becomes a RefusedCall. */
/** Transactions per page the walkthrough asks for, small enough to show that the bank pages them. */
const TRANSACTIONS_PAGE_SIZE = 10;

async function resource(
  bank: BankConnection,
  path: string,
  token: string,
  record: (e: Exchange) => void,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await bank.fetch(
    `${bank.registration.mtlsBaseUrl}${path}`,
    {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    },
    record,
  );
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    // OBErrorResponse1 (Code, Message, Errors[]) or an OAuth error body.
    const errors = answer.Errors as { ErrorCode?: string; Message?: string }[] | undefined;
    throw new RefusedCall({
      error: (answer.error as string) ?? errors?.[0]?.ErrorCode ?? `HTTP ${response.status}`,
      error_description: (answer.error_description as string) ?? errors?.[0]?.Message ?? (answer.Message as string),
    });
  }
  return answer;
}

async function beginRun(bank: BankConnection, permissions: readonly string[], callbackUrl: string): Promise<Run> {
  const run: Run = {
    id: randomUUID(),
    bank: bank.registration.name,
    permissions,
    steps: [],
    verifier: oidc.randomPKCECodeVerifier(),
    state: oidc.randomState(),
    status: 'at-the-bank',
  };
  try {
    const token = await step(run, '1. Client credentials token', (record) =>
      oidc.clientCredentialsGrant(bank.recording(record), { scope: 'accounts' }),
    );
    const consentId = await step(run, '2. Account-access consent', async (record) => {
      const created = await resource(bank, `${AISP}/account-access-consents`, token.access_token, record, {
        Data: { Permissions: permissions },
        Risk: {},
      });
      return (created.Data as { ConsentId: string }).ConsentId;
    });
    const parameters = {
      redirect_uri: callbackUrl,
      scope: 'openid accounts',
      state: run.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(run.verifier),
      code_challenge_method: 'S256',
      claims: JSON.stringify({
        id_token: {
          openbanking_intent_id: { value: consentId, essential: true },
          acr: { essential: true, values: ['urn:openbanking:psd2:sca'] },
        },
      }),
    };
    const requestObject = await step(run, '3. Request object (signed)', async (_record, details) => {
      const jar = await oidc.buildAuthorizationUrlWithJAR(bank.config, parameters, bank.signingKey);
      const jwt = jar.searchParams.get('request')!;
      details.push({ label: 'Header', value: show(decodeProtectedHeader(jwt)) });
      details.push({ label: 'Claims', value: show(decodeJwt(jwt)) });
      details.push({ label: 'Compact JWS', value: truncate(jwt) });
      return jwt;
    });
    const authorizationUrl = await step(run, '4. Pushed authorization request (PAR)', (record) =>
      oidc.buildAuthorizationUrlWithPAR(bank.recording(record), { request: requestObject }),
    );
    await step(run, '5. Authorization URL', async (_record, details) => {
      details.push({ label: 'Send the customer to', value: authorizationUrl.href });
    });
    run.authorizationUrl = authorizationUrl.href;
  } catch {
    // The failed step carries the error.
  }
  return run;
}

async function completeRun(bank: BankConnection, run: Run, callback: URL): Promise<void> {
  try {
    await step(run, '6. Callback parameters', async (_record, details) => {
      const shown = Object.fromEntries(
        [...callback.searchParams].map(([key, value]) => [key, key === 'code' ? truncate(value) : value]),
      );
      details.push({ label: 'Query', value: show(shown) });
      const error = callback.searchParams.get('error');
      if (error) {
        throw new RefusedCall({
          error,
          error_description: callback.searchParams.get('error_description') ?? undefined,
        });
      }
    });
    const tokens = await step(run, '7. Token request and response', (record) =>
      oidc.authorizationCodeGrant(bank.recording(record), callback, {
        pkceCodeVerifier: run.verifier,
        expectedState: run.state,
      }),
    );
    await step(run, '8. ID token (signature verified)', async (record, details) => {
      const metadata = bank.config.serverMetadata();
      const jwksResponse = await bank.fetch(metadata.jwks_uri!, {}, record);
      const keys = createLocalJWKSet((await jwksResponse.json()) as never);
      const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, keys, {
        issuer: metadata.issuer,
        audience: bank.registration.clientId,
      });
      details.push({
        label: 'Signature',
        value: `Verified: ${protectedHeader.alg} signature by key ${protectedHeader.kid} of ${metadata.jwks_uri}`,
      });
      details.push({ label: 'Header', value: show(protectedHeader) });
      details.push({ label: 'Claims', value: show(payload) });
    });
    await step(run, '9. GET /accounts', (record) => resource(bank, `${AISP}/accounts`, tokens.access_token, record));
    if (run.permissions.includes('ReadBalances')) {
      await step(run, '10. GET /balances', (record) => resource(bank, `${AISP}/balances`, tokens.access_token, record));
    } else {
      await step(run, '10. GET /balances', async (_record, details) => {
        details.push({ label: 'Skipped', value: 'ReadBalances was not requested.' });
      });
    }
    if (run.permissions.some((p) => p.startsWith('ReadTransactions'))) {
      await step(run, '11. GET /transactions', async (record, details) => {
        // The bank pages transactions: the first page, and whether Links.Next leads to more.
        const first = await resource(
          bank,
          `${AISP}/transactions?pageSize=${TRANSACTIONS_PAGE_SIZE}`,
          tokens.access_token,
          record,
        );
        const shown = (first.Data as { Transaction?: unknown[] } | undefined)?.Transaction?.length ?? 0;
        const next = (first.Links as { Next?: string } | undefined)?.Next;
        details.push({
          label: 'Pages',
          value: next
            ? `This first page holds ${shown} transactions; there is a next page (Links.Next): ${next}`
            : `All ${shown} transactions fit on this one page (no Links.Next).`,
        });
      });
    } else {
      await step(run, '11. GET /transactions', async (_record, details) => {
        details.push({ label: 'Skipped', value: 'No ReadTransactions permission was requested.' });
      });
    }
    run.status = 'complete';
  } catch {
    // The failed step carries the error.
  }
}

// ---- Pages ------------------------------------------------------------------------------------------

const layout = (title: string, body: Html) =>
  page({ title, appName: APP, brand: BRAND, nav: html`<a href="/">New run</a>`, body });

function startPage(session: { csrf: string }, banks: readonly BankConnection[], problem?: string): string {
  return layout(
    'Connect to a bank',
    html`<h1>Connect to a bank</h1>
<p>This app shows every step of an Open Banking account-information flow with its raw HTTP requests and
responses (FAPI 2.0: pushed authorization request, signed request object, PKCE, private_key_jwt, mutual TLS).</p>
${problem ? html`<p role="alert">${problem}</p>` : ''}
<form method="post" action="/connect">
${csrfField(session as never)}
<fieldset><legend>Bank</legend>
${banks.map(
  (bank, i) =>
    html`<label><input type="radio" name="bank" value="${bank.registration.name}" ${i === 0 ? html`checked` : ''}> ${bank.registration.name}</label>`,
)}
</fieldset>
<fieldset><legend>Permissions</legend>
${PERMISSION_CLUSTERS.map(
  ({ cluster, permissions }) => html`<fieldset><legend>${cluster}</legend>
${permissions.map((p) => html`<label><input type="checkbox" name="permission" value="${p}" checked> ${p}</label>`)}
</fieldset>`,
)}
</fieldset>
<p><button type="submit">Connect</button></p>
</form>`,
  );
}

/** Long bodies (account data, key sets) fold away on the page; the downloaded trace has them whole. */
const OPEN_BODY_CHARS = 1200;
const SHOWN_BODY_CHARS = 6000;

function bodyBlock(label: string, body: string | undefined): Html {
  if (body === undefined) return html``;
  const text =
    body.length > SHOWN_BODY_CHARS
      ? `${body.slice(0, SHOWN_BODY_CHARS)}\n… (${body.length - SHOWN_BODY_CHARS} more characters in the downloaded trace)`
      : body;
  if (body.length <= OPEN_BODY_CHARS) return html`<pre>${text}</pre>`;
  return html`<details><summary>${label} body (${body.length} characters)</summary><pre>${text}</pre></details>`;
}

function renderExchange(exchange: ShownExchange): Html {
  const headers = (h: Record<string, string>) =>
    Object.entries(h)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
  return html`<h3>Request</h3>
<pre>${exchange.request.method} ${exchange.request.url}
${headers(exchange.request.headers)}</pre>
${bodyBlock('Request', exchange.request.body)}
<h3>Response</h3>
<pre>${exchange.response.status}
${headers(exchange.response.headers)}</pre>
${bodyBlock('Response', exchange.response.body)}`;
}

function renderStep(s: Step): Html {
  const ids = [...new Set(s.exchanges.map((e) => e.interactionId).filter(Boolean))];
  return html`<section aria-labelledby="${`step-${s.title.split('.')[0]}`}">
<h2 id="${`step-${s.title.split('.')[0]}`}">${s.title}${s.error ? ' — failed' : ''}</h2>
${ids.length > 0 ? html`<p>x-fapi-interaction-id: <code>${ids.join(', ')}</code></p>` : ''}
${
  s.error
    ? html`<div role="alert"><p><strong>error:</strong> <code>${s.error.error}</code></p>
<p><strong>error_description:</strong> ${s.error.error_description ?? '(none)'}</p>
<p><strong>x-fapi-interaction-id:</strong> <code>${s.error.interaction_id ?? '(none: no request reached the bank)'}</code></p></div>`
    : ''
}
${s.exchanges.map(renderExchange)}
${s.details.map((d) => html`<h3>${d.label}</h3>${bodyBlock(d.label, d.value)}`)}
</section>`;
}

function runPage(run: Run): string {
  const status = {
    'at-the-bank': html`<p class="ok">The authorization request is registered at ${run.bank}.
<a class="button" href="${run.authorizationUrl ?? '/'}">Continue to ${run.bank}</a></p>`,
    complete: html`<p class="ok" role="status">All steps completed.</p>`,
    failed: html`<p role="alert">The run stopped at the step marked failed.</p>`,
  }[run.status];
  return layout(
    `Walkthrough: ${run.bank}`,
    html`<h1>Walkthrough: ${run.bank}</h1>
<p>Permissions: ${run.permissions.join(', ')}</p>
${status}
<p><a href="/trace.json">Download trace</a></p>
${run.steps.map(renderStep)}`,
  );
}

// ---- HTTP -------------------------------------------------------------------------------------------

export function tppWalkthrough(options: WalkthroughOptions) {
  const sessions = new Sessions<WalkthroughSession>('tpp_session', () => ({}));
  const callbackUrl = `${options.url}/callback`;

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', options.url);
    const { session, setCookie } = sessions.ensure(req);
    const cookie: Record<string, string> = setCookie ? { 'set-cookie': setCookie } : {};
    const banks = options.banks();

    if (req.method === 'GET' && url.pathname === '/') {
      sendPage(res, 200, startPage(session, banks), cookie);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/connect') {
      const form = await readForm(req);
      if (!csrfOk(session, form)) {
        sendPage(res, 403, startPage(session, banks, 'Your session expired. Please try again.'), cookie);
        return;
      }
      const bank = banks.find((b) => b.registration.name === form.get('bank'));
      const permissions = form.getAll('permission').filter((p) => ALL_PERMISSIONS.includes(p));
      if (!bank || permissions.length === 0) {
        sendPage(res, 400, startPage(session, banks, 'Choose a bank and at least one permission.'), cookie);
        return;
      }
      session.data.run = await beginRun(bank, permissions, callbackUrl);
      redirect(res, '/run', cookie);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/callback') {
      const run = session.data.run;
      const bank = run && banks.find((b) => b.registration.name === run.bank);
      if (!run || !bank || run.status !== 'at-the-bank') {
        sendPage(
          res,
          400,
          startPage(session, banks, 'There is no walkthrough waiting for the bank. Start a new one.'),
          cookie,
        );
        return;
      }
      await completeRun(bank, run, url);
      redirect(res, '/run', cookie);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/run') {
      const run = session.data.run;
      if (!run) {
        redirect(res, '/', cookie);
        return;
      }
      sendPage(res, 200, runPage(run), cookie);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/trace.json') {
      const run = session.data.run;
      if (!run) {
        redirect(res, '/', cookie);
        return;
      }
      const { verifier: _verifier, state: _state, ...trace } = run;
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-disposition': `attachment; filename="trace-${run.id}.json"`,
        'cache-control': 'no-store',
        ...cookie,
      });
      res.end(JSON.stringify(trace, null, 2));
      return;
    }
    sendPage(res, 404, layout('Not found', html`<h1>Not found</h1><p><a href="/">Start a walkthrough</a></p>`), cookie);
  };
}
