import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/http';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Alert, CallFailed, Status } from '../layout/Notice';
import type { ConsoleApi, RevokedCertificateEntry } from './api';

/** RFC 5280 §5.3.1 reasons, in words. */
const REASONS: readonly [string, string][] = [
  ['keyCompromise', 'Key compromised'],
  ['cessationOfOperation', 'No longer in use'],
  ['superseded', 'Replaced by a new certificate'],
  ['affiliationChanged', 'Organisation changed'],
  ['privilegeWithdrawn', 'Access withdrawn'],
  ['certificateHold', 'On hold'],
  ['cACompromise', 'Issuing CA compromised'],
  ['unspecified', 'Unspecified'],
];
const reasonLabel = (reason: string) => REASONS.find(([id]) => id === reason)?.[1] ?? reason;

/** The tenant's certificate revocation list: client authentication and bound tokens honour it from the next request. */
export function Certificates({ api }: { api: ConsoleApi }) {
  const [entries, setEntries] = useState<readonly RevokedCertificateEntry[] | { error: unknown } | undefined>();
  const [by, setBy] = useState<'thumbprint' | 'issuer'>('thumbprint');
  const [thumbprint, setThumbprint] = useState('');
  const [issuerDn, setIssuerDn] = useState('');
  const [serial, setSerial] = useState('');
  const [reason, setReason] = useState('keyCompromise');
  const [refusal, setRefusal] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [removing, setRemoving] = useState<RevokedCertificateEntry | undefined>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    (signal?: AbortSignal) =>
      api.revokedCertificates(signal).then(
        (list) => setEntries(list.entries),
        (error: unknown) => !signal?.aborted && setEntries({ error }),
      ),
    [api],
  );
  useEffect(() => {
    const abort = new AbortController();
    void load(abort.signal);
    return () => abort.abort();
  }, [load]);

  async function add(event: FormEvent) {
    event.preventDefault();
    setRefusal(undefined);
    setBusy(true);
    try {
      await api.revokeCertificate(
        by === 'thumbprint'
          ? { thumbprint: thumbprint.trim(), reason }
          : { issuer_dn: issuerDn.trim(), serial_number: serial.trim(), reason },
      );
      setNotice('Certificate added to the revocation list');
      setThumbprint('');
      setIssuerDn('');
      setSerial('');
      await load();
    } catch (error) {
      setRefusal(
        error instanceof ApiError && error.status < 500
          ? (error.errorDescription ?? error.error)
          : 'Please try again in a few minutes.',
      );
    } finally {
      setBusy(false);
    }
  }

  async function remove(entry: RevokedCertificateEntry) {
    setBusy(true);
    try {
      await api.removeRevocation(entry.entry_id);
      setNotice('Certificate removed from the revocation list');
      await load();
    } catch (error) {
      setRefusal(error instanceof ApiError ? (error.errorDescription ?? error.error) : 'Please try again.');
    } finally {
      setBusy(false);
      setRemoving(undefined);
    }
  }

  return (
    <>
      <p>
        Client certificates listed here are refused from the next request on, and every token bound to one stops
        working.
      </p>
      {notice && <Status>{notice}</Status>}
      {entries === undefined && <Status>Loading the revocation list…</Status>}
      {entries !== undefined && 'error' in entries && (
        <CallFailed error={entries.error} action="load the revocation list" />
      )}
      {Array.isArray(entries) && (
        <table className="data-table">
          <caption>{entries.length} revoked certificates</caption>
          <thead>
            <tr>
              <th scope="col">Certificate</th>
              <th scope="col">Reason</th>
              <th scope="col">Revoked by</th>
              <th scope="col">When</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.entry_id}>
                <td>
                  {entry.thumbprint !== undefined ? (
                    <>
                      Thumbprint <code>{entry.thumbprint}</code>
                    </>
                  ) : (
                    <>
                      Serial <code>{entry.serial_number}</code> from <code>{entry.issuer_dn}</code>
                    </>
                  )}
                </td>
                <td>{reasonLabel(entry.reason)}</td>
                <td>{entry.revoked_by.name ?? entry.revoked_by.id}</td>
                <td>{new Date(entry.revoked_at).toISOString().replace('T', ' ').slice(0, 19)} UTC</td>
                <td>
                  <button
                    type="button"
                    className="button button--secondary"
                    aria-label={`Remove ${entry.entry_id} from the list`}
                    onClick={() => setRemoving(entry)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="register" aria-labelledby="crl-add" onSubmit={(event) => void add(event)}>
        <h2 id="crl-add">Revoke a certificate</h2>
        {refusal && <Alert title="The certificate was not added">{refusal}</Alert>}
        <fieldset className="field">
          <legend>Identify the certificate by</legend>
          <label className="inline">
            <input type="radio" name="crl-by" checked={by === 'thumbprint'} onChange={() => setBy('thumbprint')} />{' '}
            Thumbprint (SHA-256)
          </label>
          <label className="inline">
            <input type="radio" name="crl-by" checked={by === 'issuer'} onChange={() => setBy('issuer')} /> Issuer and
            serial number
          </label>
        </fieldset>
        {by === 'thumbprint' ? (
          <div className="field">
            <label htmlFor="crl-thumbprint">Thumbprint</label>
            <input id="crl-thumbprint" required value={thumbprint} onChange={(e) => setThumbprint(e.target.value)} />
          </div>
        ) : (
          <>
            <div className="field">
              <label htmlFor="crl-issuer">Issuer DN</label>
              <input id="crl-issuer" required value={issuerDn} onChange={(e) => setIssuerDn(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="crl-serial">Serial number</label>
              <input id="crl-serial" required value={serial} onChange={(e) => setSerial(e.target.value)} />
            </div>
          </>
        )}
        <div className="field">
          <label htmlFor="crl-reason">Reason</label>
          <select id="crl-reason" value={reason} onChange={(e) => setReason(e.target.value)}>
            {REASONS.map(([id, label]) => (
              <option key={id} value={id}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          <button type="submit" className="button button--danger" disabled={busy}>
            Revoke certificate
          </button>
        </div>
      </form>
      {removing && (
        <ConfirmDialog
          title="Remove this certificate from the revocation list?"
          confirmLabel="Remove"
          cancelLabel="Keep it revoked"
          busy={busy}
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(undefined)}
        >
          <p>The certificate will be accepted again from the next request on. Tokens already revoked stay revoked.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
