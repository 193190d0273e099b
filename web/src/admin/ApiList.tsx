import { type FormEvent, useEffect, useState } from 'react';
import { CallFailed, Status } from '../layout/Notice';
import { type ApiCatalog, type ApiEntry, type ConsoleApi, JOSE_LABELS } from './api';
import { JwtSettingsDialog } from './JwtSettingsDialog';
import { RegisterApiForm } from './RegisterApiForm';

type Loaded =
  | { readonly phase: 'loading' }
  | { readonly phase: 'failed'; readonly error: unknown }
  | { readonly phase: 'ready'; readonly catalog: ApiCatalog };

/** The gateway's API catalog: search, the JWT setting of each API in words, "Update" per row, and registration. */
export function ApiList({ api }: { api: ConsoleApi }) {
  const [loaded, setLoaded] = useState<Loaded>({ phase: 'loading' });
  const [typed, setTyped] = useState('');
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState<ApiEntry | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    const abort = new AbortController();
    api.apis(abort.signal).then(
      (catalog) => setLoaded({ phase: 'ready', catalog }),
      (error: unknown) => !abort.signal.aborted && setLoaded({ phase: 'failed', error }),
    );
    return () => abort.abort();
  }, [api]);

  if (loaded.phase === 'loading') return <Status>Loading the API list…</Status>;
  if (loaded.phase === 'failed') return <CallFailed error={loaded.error} action="load the API list" />;
  const { catalog } = loaded;
  const replace = (entry: ApiEntry) =>
    setLoaded({
      phase: 'ready',
      catalog: {
        ...catalog,
        items: catalog.items.some((a) => a.api_id === entry.api_id)
          ? catalog.items.map((a) => (a.api_id === entry.api_id ? entry : a))
          : [...catalog.items, entry],
      },
    });

  const needle = query.trim().toLowerCase();
  const shown = catalog.items.filter(
    (a) => !needle || a.name.toLowerCase().includes(needle) || a.path.toLowerCase().includes(needle),
  );
  const search = (event: FormEvent) => {
    event.preventDefault();
    setQuery(typed);
  };
  const groupLabel = (id: string) => catalog.scope_groups.find((g) => g.id === id)?.label ?? id;

  return (
    <>
      <search>
        <form className="toolbar" onSubmit={search}>
          <label htmlFor="api-search">Search APIs</label>
          <input
            id="api-search"
            type="search"
            value={typed}
            placeholder="Name or path"
            onChange={(event) => setTyped(event.target.value)}
          />
          <button type="submit" className="button button--secondary">
            Search
          </button>
        </form>
      </search>
      {notice && <Status>{notice}</Status>}
      <table className="data-table">
        <caption>
          {shown.length} of {catalog.items.length} APIs
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Method</th>
            <th scope="col">Path</th>
            <th scope="col">Scope group</th>
            <th scope="col">Request</th>
            <th scope="col">Response</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((entry) => (
            <tr key={entry.api_id}>
              <td>{entry.name}</td>
              <td>{entry.method}</td>
              <td>
                <code>{entry.path}</code>
              </td>
              <td>{groupLabel(entry.scope_group)}</td>
              <td>{JOSE_LABELS[entry.jose_policy.request]}</td>
              <td>{JOSE_LABELS[entry.jose_policy.response]}</td>
              <td>
                <button
                  type="button"
                  className="button button--secondary"
                  aria-label={`Update ${entry.path}`}
                  onClick={() => {
                    setNotice(undefined);
                    setEditing(entry);
                  }}
                >
                  Update
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing && (
        <JwtSettingsDialog
          api={api}
          entry={editing}
          onSaved={(entry) => {
            replace(entry);
            setEditing(undefined);
            setNotice(`JWT settings of ${entry.path} saved`);
          }}
          onCancel={() => setEditing(undefined)}
        />
      )}
      <RegisterApiForm
        api={api}
        catalog={catalog}
        onRegistered={(entry) => {
          replace(entry);
          setNotice(`API ${entry.path} registered`);
        }}
      />
    </>
  );
}
