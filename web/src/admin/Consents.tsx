import { type FormEvent, useEffect, useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CallFailed, Status } from '../layout/Notice';
import type { ClientSummary, ConsentEntry, ConsoleApi } from './api';

type Search = { readonly customer: string } | { readonly fintech: string };
type Loaded =
  | { readonly phase: 'idle' }
  | { readonly phase: 'loading' }
  | { readonly phase: 'failed'; readonly error: unknown }
  | { readonly phase: 'ready'; readonly consents: readonly ConsentEntry[]; readonly more: boolean };
type Confirming =
  | { readonly kind: 'one'; readonly consent: ConsentEntry }
  | { readonly kind: 'all'; readonly fintech: ClientSummary };

const day = (iso: string | null) =>
  iso ? new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso)) : '—';

/** Consents by customer or by fintech; "Revoke" one, or every consent of a fintech, each confirmed first. */
export function Consents({ api }: { api: ConsoleApi }) {
  const [fintechs, setFintechs] = useState<readonly ClientSummary[]>([]);
  const [by, setBy] = useState<'customer' | 'fintech'>('customer');
  const [customer, setCustomer] = useState('');
  const [fintechId, setFintechId] = useState('');
  const [search, setSearch] = useState<Search | undefined>();
  const [loaded, setLoaded] = useState<Loaded>({ phase: 'idle' });
  const [confirming, setConfirming] = useState<Confirming | undefined>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [failure, setFailure] = useState<unknown>();

  useEffect(() => {
    const abort = new AbortController();
    api.clients(undefined, abort.signal).then(
      (page) => {
        setFintechs(page.items);
        setFintechId((id) => id || (page.items[0]?.client_id ?? ''));
      },
      () => undefined,
    );
    return () => abort.abort();
  }, [api]);

  useEffect(() => {
    if (!search) return;
    const abort = new AbortController();
    setLoaded({ phase: 'loading' });
    api.consents(search, abort.signal).then(
      (page) => setLoaded({ phase: 'ready', consents: page.items, more: page.more }),
      (error: unknown) => !abort.signal.aborted && setLoaded({ phase: 'failed', error }),
    );
    return () => abort.abort();
  }, [api, search]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    setSearch(by === 'customer' ? { customer: customer.trim() } : { fintech: fintechId });
  };
  const chosenFintech =
    search && 'fintech' in search ? fintechs.find((f) => f.client_id === search.fintech) : undefined;

  async function confirm(action: Confirming) {
    setBusy(true);
    setFailure(undefined);
    try {
      if (action.kind === 'one') {
        const result = await api.revokeConsent(action.consent.consent_id);
        setNotice(`Consent ${action.consent.consent_id} revoked; ${result.tokens_revoked} tokens stopped working.`);
      } else {
        const result = await api.revokeAllOf(action.fintech.client_id);
        setNotice(
          `${result.consents_revoked} consents and ${result.grants_revoked} other grants of ${action.fintech.client_name} revoked; ${result.tokens_revoked} tokens stopped working.`,
        );
      }
      setSearch(search && { ...search });
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
      setConfirming(undefined);
    }
  }

  return (
    <>
      <p>What customers share with fintechs. Revoking stops every token of the consent at once.</p>
      <search>
        <form className="toolbar" onSubmit={submit}>
          <fieldset className="toolbar__choice">
            <legend>Search by</legend>
            <label className="inline">
              <input type="radio" name="consents-by" checked={by === 'customer'} onChange={() => setBy('customer')} />{' '}
              Customer
            </label>
            <label className="inline">
              <input type="radio" name="consents-by" checked={by === 'fintech'} onChange={() => setBy('fintech')} />{' '}
              Fintech
            </label>
          </fieldset>
          {by === 'customer' ? (
            <>
              <label htmlFor="consents-customer">Customer username</label>
              <input id="consents-customer" value={customer} onChange={(e) => setCustomer(e.target.value)} required />
            </>
          ) : (
            <>
              <label htmlFor="consents-fintech">Fintech</label>
              <select id="consents-fintech" value={fintechId} onChange={(e) => setFintechId(e.target.value)}>
                {fintechs.map((f) => (
                  <option key={f.client_id} value={f.client_id}>
                    {f.client_name} ({f.client_id})
                  </option>
                ))}
              </select>
            </>
          )}
          <button type="submit" className="button button--secondary">
            Search
          </button>
        </form>
      </search>
      {notice && <Status>{notice}</Status>}
      {failure !== undefined && <CallFailed error={failure} action="revoke" />}
      {loaded.phase === 'loading' && <Status>Searching…</Status>}
      {loaded.phase === 'failed' && <CallFailed error={loaded.error} action="search the consents" />}
      {loaded.phase === 'ready' && (
        <>
          {chosenFintech && (
            <p>
              <button
                type="button"
                className="button button--danger"
                onClick={() => setConfirming({ kind: 'all', fintech: chosenFintech })}
              >
                Revoke all of {chosenFintech.client_name}
              </button>
            </p>
          )}
          <table className="data-table">
            <caption>
              {loaded.more
                ? `The newest ${loaded.consents.length} consents (there are more)`
                : `${loaded.consents.length} consents, newest first`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Consent ID</th>
                <th scope="col">Fintech</th>
                <th scope="col">Customer</th>
                <th scope="col">Status</th>
                <th scope="col">Granted</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {loaded.consents.map((consent) => (
                <tr key={consent.consent_id}>
                  <td>
                    <code>{consent.consent_id}</code>
                  </td>
                  <td>{consent.client_name}</td>
                  <td>{consent.subject ?? 'Not yet authorised'}</td>
                  <td>{consent.status}</td>
                  <td>{day(consent.granted_at)}</td>
                  <td>{consent.expires_at ? day(consent.expires_at) : 'No expiry'}</td>
                  <td>{consent.last_used_at ? day(consent.last_used_at) : 'Never'}</td>
                  <td>
                    {(consent.status === 'Authorised' || consent.status === 'AwaitingAuthorisation') && (
                      <button
                        type="button"
                        className="button button--secondary"
                        aria-label={`Revoke ${consent.consent_id}`}
                        onClick={() => setConfirming({ kind: 'one', consent })}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {confirming && (
        <ConfirmDialog
          title={
            confirming.kind === 'one'
              ? `Revoke consent ${confirming.consent.consent_id}?`
              : `Revoke every consent of ${confirming.fintech.client_name}?`
          }
          confirmLabel={confirming.kind === 'one' ? 'Revoke consent' : 'Revoke all'}
          cancelLabel="Keep"
          destructive
          busy={busy}
          onConfirm={() => void confirm(confirming)}
          onCancel={() => setConfirming(undefined)}
        >
          <p>
            {confirming.kind === 'one'
              ? `${confirming.consent.client_name} will no longer see this customer's information. Its tokens stop working at once. This cannot be undone: the customer would have to consent again.`
              : `${confirming.fintech.client_name} will no longer see any customer's information. Every token stops working at once. This cannot be undone.`}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
