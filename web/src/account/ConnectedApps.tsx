import { useEffect, useId, useMemo, useState } from 'react';
import type { PortalApi, PortalSession } from '../api/portal-session';
import { BoundedList } from '../components/BoundedList';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { formatDate, formatDateTime } from '../consent/dates';
import { describePermissions } from '../consent/permissions';
import { CallFailed, Status } from '../layout/Notice';

/** `GET /account/api/consents` (lambdas/handlers/account-api.ts). */
export interface ConnectedAppsResponse {
  readonly apps: readonly ConnectedApp[];
}

export interface ConnectedApp {
  readonly client_id: string;
  readonly client_name: string;
  readonly agent_name: string | null;
  readonly entries: readonly ConnectedEntry[];
}

export interface ConnectedEntry {
  readonly kind: 'consent' | 'grant';
  /** The consent id, or the fintech's client id for a consent-less grant. */
  readonly id: string;
  readonly status: 'Active' | 'Inactive';
  readonly reason: 'Revoked' | 'Expired' | 'Rejected' | null;
  readonly ended_at: string | null;
  readonly granted_at: string | null;
  readonly expires_at: string | null;
  readonly accounts: readonly {
    readonly account_id: string;
    readonly nickname: string;
    readonly masked_number: string;
  }[];
  readonly permissions: readonly string[];
  readonly scope_groups: readonly { readonly id: string; readonly label: string }[];
  readonly last_used_at: string | null;
  readonly uses_last_30_days: number;
  readonly recent_accesses: readonly { readonly at: string; readonly api: string; readonly interaction_id: string }[];
}

type Filter = 'all' | 'Active' | 'Inactive';

type LoadState =
  | { readonly phase: 'loading' }
  | { readonly phase: 'failed'; readonly error: unknown }
  | { readonly phase: 'ready'; readonly apps: readonly ConnectedApp[] };

interface Stopping {
  readonly app: ConnectedApp;
  readonly entry: ConnectedEntry;
  readonly busy: boolean;
  readonly error?: unknown;
}

/** The customer's connected apps (OBIE access dashboard): every consent and consent-less grant, by fintech. */
export function ConnectedApps({ session, api }: { session: PortalSession; api: PortalApi }) {
  const [state, setState] = useState<LoadState>({ phase: 'loading' });
  const [filter, setFilter] = useState<Filter>('all');
  const [stopping, setStopping] = useState<Stopping | undefined>();
  const [announcement, setAnnouncement] = useState<string | undefined>();
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    api.call<ConnectedAppsResponse>('/consents', { method: 'GET', signal: abort.signal }).then(
      (body) => setState({ phase: 'ready', apps: body.apps }),
      (error: unknown) => {
        if (!abort.signal.aborted) setState({ phase: 'failed', error });
      },
    );
    return () => abort.abort();
  }, [api, reloads]);

  const shown = useMemo(() => {
    if (state.phase !== 'ready') return [];
    return state.apps
      .map((app) => ({ ...app, entries: app.entries.filter((e) => filter === 'all' || e.status === filter) }))
      .filter((app) => app.entries.length > 0);
  }, [state, filter]);

  async function stopSharing() {
    if (!stopping) return;
    const { app, entry } = stopping;
    setStopping({ ...stopping, busy: true, error: undefined });
    // A consent by its id; a consent-less grant by its fintech (one grant per fintech and customer).
    const path = `/${entry.kind === 'consent' ? 'consents' : 'grants'}/${encodeURIComponent(entry.id)}/revoke`;
    try {
      await api.call(path, { method: 'POST', body: {}, session });
      setStopping(undefined);
      setAnnouncement(`You stopped sharing with ${app.client_name}.`);
      setReloads((n) => n + 1);
    } catch (error) {
      setStopping({ ...stopping, busy: false, error });
    }
  }

  return (
    <>
      <h1>Connected apps</h1>
      <p className="lead">
        These apps can see information from your accounts because you allowed it. You can stop sharing with any of them
        at any time.
      </p>
      {announcement && <Status>{announcement}</Status>}
      <FilterChoice value={filter} onChange={setFilter} />
      {state.phase === 'loading' && <Status>Loading your connected apps…</Status>}
      {state.phase === 'failed' && <CallFailed error={state.error} action="load your connected apps" />}
      {state.phase === 'ready' && (
        <BoundedList
          items={shown}
          pageSize={10}
          noun="apps"
          label="Connected apps"
          itemKey={(app) => app.client_id}
          empty={
            <p className="empty">
              {filter === 'all'
                ? 'You have not connected any apps to your accounts.'
                : `You have no ${filter === 'Active' ? 'active' : 'inactive'} connections.`}
            </p>
          }
          renderItem={(app) => <AppCard app={app} onStop={(entry) => setStopping({ app, entry, busy: false })} />}
        />
      )}
      {stopping && (
        <ConfirmDialog
          title={`Stop sharing with ${stopping.app.client_name}?`}
          confirmLabel="Stop sharing"
          cancelLabel="Keep sharing"
          destructive
          busy={stopping.busy}
          onConfirm={() => void stopSharing()}
          onCancel={() => setStopping(undefined)}
        >
          <p>
            {stopping.app.client_name} will no longer be able to see information from your accounts. This takes effect
            straight away.
          </p>
          <p>
            Information {stopping.app.client_name} already holds is between you and {stopping.app.client_name}: contact
            them if you want it deleted.
          </p>
          {stopping.error !== undefined && <CallFailed error={stopping.error} action="stop sharing" />}
        </ConfirmDialog>
      )}
    </>
  );
}

function FilterChoice({ value, onChange }: { value: Filter; onChange: (filter: Filter) => void }) {
  const options: readonly [Filter, string][] = [
    ['all', 'All'],
    ['Active', 'Active'],
    ['Inactive', 'Inactive'],
  ];
  return (
    <fieldset className="filters">
      <legend>Show</legend>
      {options.map(([option, label]) => (
        <label key={option} className="filters__option">
          <input type="radio" name="status-filter" checked={value === option} onChange={() => onChange(option)} />
          {label}
        </label>
      ))}
    </fieldset>
  );
}

function AppCard({ app, onStop }: { app: ConnectedApp; onStop: (entry: ConnectedEntry) => void }) {
  const headingId = useId();
  return (
    <section className="card app" aria-labelledby={headingId}>
      <h2 id={headingId}>{app.client_name}</h2>
      {app.agent_name && <p className="app__agent">On behalf of {app.agent_name}</p>}
      {app.entries.map((entry) => (
        <Entry key={`${entry.kind}:${entry.id}`} app={app} entry={entry} onStop={() => onStop(entry)} />
      ))}
    </section>
  );
}

function statusText(entry: ConnectedEntry): string {
  if (entry.status === 'Active') return 'Active';
  const why = { Revoked: 'you stopped sharing', Expired: 'access ended', Rejected: 'you did not allow it' }[
    entry.reason ?? 'Expired'
  ];
  return `Inactive (${entry.reason ?? 'Expired'}: ${why}${entry.ended_at ? ` on ${formatDate(entry.ended_at)}` : ''})`;
}

function Entry({ app, entry, onStop }: { app: ConnectedApp; entry: ConnectedEntry; onStop: () => void }) {
  const clusters = describePermissions(entry.permissions);
  return (
    <div className="entry">
      <p className="entry__status">
        <strong>Status:</strong> {statusText(entry)}
      </p>
      <dl className="facts">
        <dt>Granted on</dt>
        <dd>{entry.granted_at ? formatDate(entry.granted_at) : 'Not known'}</dd>
        <dt>Expires on</dt>
        <dd>{entry.expires_at ? formatDate(entry.expires_at) : 'No expiry'}</dd>
        <dt>Accounts shared</dt>
        <dd>
          {entry.accounts.length === 0
            ? 'None'
            : entry.accounts.map((a) => `${a.nickname} ${a.masked_number}`).join(', ')}
        </dd>
        <dt>Information shared</dt>
        <dd>{[...clusters.map((c) => c.title), ...entry.scope_groups.map((g) => g.label)].join(', ') || 'None'}</dd>
        <dt>Last used</dt>
        <dd>{entry.last_used_at ? formatDateTime(entry.last_used_at) : 'Never'}</dd>
      </dl>
      <p className="entry__usage">
        Used {entry.uses_last_30_days} {entry.uses_last_30_days === 1 ? 'time' : 'times'} in the last 30 days
      </p>
      {entry.recent_accesses.length > 0 && <AccessHistory entry={entry} />}
      <p className="small-print">
        {entry.kind === 'consent' ? 'Consent' : 'Connection'} reference: {entry.id}
      </p>
      {entry.status === 'Active' && (
        <button type="button" className="button button--secondary" onClick={onStop}>
          Stop sharing<span className="visually-hidden"> with {app.client_name}</span>
        </button>
      )}
    </div>
  );
}

function AccessHistory({ entry }: { entry: ConnectedEntry }) {
  return (
    <details className="history">
      <summary>Recent access</summary>
      <table>
        <caption className="visually-hidden">Recent access by this app</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What it read</th>
            <th scope="col">Reference</th>
          </tr>
        </thead>
        <tbody>
          {entry.recent_accesses.map((access) => (
            <tr key={`${access.at}:${access.interaction_id}`}>
              <td>{formatDateTime(access.at)}</td>
              <td>{describeApi(access.api)}</td>
              <td className="small-print">{access.interaction_id}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** Route templates in words ("GET /open-banking/v3.1/aisp/accounts/{AccountId}/transactions" -> "Transactions"). */
export function describeApi(api: string): string {
  const path = api.split(' ')[1] ?? api;
  if (/\/transactions$/.test(path)) return 'Transactions';
  if (/\/balances$/.test(path)) return 'Balances';
  if (/\/accounts(\/\{AccountId\})?$/.test(path)) return 'Account details';
  if (path.startsWith('/gateway/')) return 'Service data';
  return path;
}
