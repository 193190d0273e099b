import { type FormEvent, useEffect, useState } from 'react';
import { CallFailed, Status } from '../layout/Notice';
import type { AuditChange, ConsoleApi } from './api';

type Loaded =
  | { readonly phase: 'loading' }
  | { readonly phase: 'failed'; readonly error: unknown }
  | { readonly phase: 'ready'; readonly changes: readonly AuditChange[] };

const when = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(iso),
  ) + ' UTC';

const shown = (value: unknown) =>
  value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value);

/** before → after, one line per field that changed (a created entity: every field after). */
function differences(before: unknown, after: unknown): { field: string; from: string; to: string }[] {
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(after)) return [{ field: 'value', from: shown(before), to: shown(after) }];
  const old = isRecord(before) ? before : {};
  return Object.keys({ ...old, ...after })
    .filter((field) => JSON.stringify(old[field]) !== JSON.stringify(after[field]))
    .map((field) => ({ field, from: before === null ? '—' : shown(old[field]), to: shown(after[field]) }));
}

/** Every administrative change, newest first, at most the latest 50 (of one entity when filtered). */
export function AuditLog({ api }: { api: ConsoleApi }) {
  const [typed, setTyped] = useState('');
  const [entity, setEntity] = useState<string | undefined>();
  const [loaded, setLoaded] = useState<Loaded>({ phase: 'loading' });

  useEffect(() => {
    const abort = new AbortController();
    setLoaded({ phase: 'loading' });
    api.audit(entity, abort.signal).then(
      ({ changes }) => setLoaded({ phase: 'ready', changes }),
      (error: unknown) => !abort.signal.aborted && setLoaded({ phase: 'failed', error }),
    );
    return () => abort.abort();
  }, [api, entity]);

  const filter = (event: FormEvent) => {
    event.preventDefault();
    setEntity(typed.trim() || undefined);
  };

  return (
    <>
      <search>
        <form className="toolbar" onSubmit={filter}>
          <label htmlFor="audit-entity">Entity</label>
          <input
            id="audit-entity"
            value={typed}
            placeholder="client:tsp2 or api:GET.demandDeposit.accounts"
            onChange={(event) => setTyped(event.target.value)}
          />
          <button type="submit" className="button button--secondary">
            Filter
          </button>
        </form>
      </search>
      {loaded.phase === 'loading' && <Status>Loading the audit log…</Status>}
      {loaded.phase === 'failed' && <CallFailed error={loaded.error} action="load the audit log" />}
      {loaded.phase === 'ready' && (
        <table className="data-table">
          <caption>
            {entity ? `Changes of ${entity}` : 'Latest changes'}, newest first ({loaded.changes.length}, at most 50)
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Entity</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {loaded.changes.map((change) => (
              <tr key={`${change.entity}-${change.at}-${change.action}`}>
                <td>{when(change.at)}</td>
                <td>
                  {change.actor.kind === 'staff' ? (
                    <>
                      {change.actor.name} <span className="small-print">(staff {change.actor.id})</span>
                    </>
                  ) : (
                    <>
                      Client <code>{change.actor.id}</code>
                    </>
                  )}
                </td>
                <td>
                  <code>{change.entity}</code>
                </td>
                <td>
                  <span className="small-print">{change.action}</span>
                  <ul className="changes">
                    {differences(change.before, change.after).map((d) => (
                      <li key={d.field}>
                        {d.field}: {d.from} → {d.to}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
