import { useEffect, useState } from 'react';
import { CallFailed, Status } from '../layout/Notice';
import type { ClientSummary, ConsoleApi } from './api';
import { ClientSecurity } from './ClientSecurity';

export const AUTH_METHODS: Readonly<Record<string, string>> = {
  tls_client_auth: 'Client certificate (tls_client_auth)',
  private_key_jwt: 'Signed assertion (private_key_jwt)',
};
const PROFILES: Readonly<Record<string, string>> = { fapi2: 'FAPI 2.0', 'fapi1-advanced': 'FAPI 1.0 Advanced' };
/** Pending: registered in the developer portal and waiting for the bank's approval (Approvals). */
const STATUSES: Readonly<Record<ClientSummary['status'], string>> = { active: 'Active', pending: 'Pending' };

type Loaded =
  | { readonly phase: 'loading' }
  | { readonly phase: 'failed'; readonly error: unknown }
  | { readonly phase: 'ready'; readonly clients: readonly ClientSummary[]; readonly cursor?: string };

/** Registered clients with a search box; "Security" opens one client's settings. */
export function ClientManagement({ api }: { api: ConsoleApi }) {
  const [loaded, setLoaded] = useState<Loaded>({ phase: 'loading' });
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<ClientSummary | undefined>();

  useEffect(() => {
    const abort = new AbortController();
    api.clients(undefined, abort.signal).then(
      (page) => setLoaded({ phase: 'ready', clients: page.items, cursor: page.cursor }),
      (error: unknown) => !abort.signal.aborted && setLoaded({ phase: 'failed', error }),
    );
    return () => abort.abort();
  }, [api]);

  async function loadMore(current: Extract<Loaded, { phase: 'ready' }>) {
    try {
      const page = await api.clients(current.cursor);
      setLoaded({ phase: 'ready', clients: [...current.clients, ...page.items], cursor: page.cursor });
    } catch (error) {
      setLoaded({ phase: 'failed', error });
    }
  }

  if (open) return <ClientSecurity api={api} client={open} onClose={() => setOpen(undefined)} />;
  if (loaded.phase === 'loading') return <Status>Loading clients…</Status>;
  if (loaded.phase === 'failed') return <CallFailed error={loaded.error} action="load the clients" />;

  const needle = query.trim().toLowerCase();
  const shown = loaded.clients.filter(
    (c) =>
      !needle ||
      c.client_id.toLowerCase().includes(needle) ||
      c.client_name.toLowerCase().includes(needle) ||
      (c.organisation_name ?? '').toLowerCase().includes(needle),
  );
  return (
    <>
      <p>The fintechs and bank applications registered to call the bank's APIs.</p>
      <search className="toolbar">
        <label htmlFor="client-search">Search clients</label>
        <input
          id="client-search"
          type="search"
          value={query}
          placeholder="Client ID or name"
          onChange={(event) => setQuery(event.target.value)}
        />
      </search>
      <table className="data-table">
        <caption>
          {shown.length} of {loaded.clients.length} registered clients
        </caption>
        <thead>
          <tr>
            <th scope="col">Client ID</th>
            <th scope="col">Name</th>
            <th scope="col">Authentication</th>
            <th scope="col">Profile</th>
            <th scope="col">Status</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((client) => (
            <tr key={client.client_id}>
              <td>
                <code>{client.client_id}</code>
              </td>
              <td>{client.client_name}</td>
              <td>{AUTH_METHODS[client.token_endpoint_auth_method] ?? client.token_endpoint_auth_method}</td>
              <td>{PROFILES[client.profile] ?? client.profile}</td>
              <td>{STATUSES[client.status]}</td>
              <td>
                <button
                  type="button"
                  className="button button--secondary"
                  aria-label={`Security ${client.client_id}`}
                  onClick={() => setOpen(client)}
                >
                  Security
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaded.cursor && (
        <button type="button" className="button button--secondary" onClick={() => void loadMore(loaded)}>
          Load more clients
        </button>
      )}
    </>
  );
}
