import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api/http';
import { Alert } from '../layout/Notice';
import { type ApiEntry, type ConsoleApi, JOSE_LABELS, type JoseMode } from './api';

const MODES = Object.keys(JOSE_LABELS) as JoseMode[];

/** The server names the refused field by its wire path (`jose_policy.request: ...`); a person reads the label. */
const plainReason = (reason: string) =>
  reason.replace(
    /jose_policy\.(request|response): (\w)/g,
    (_, field: string, first: string) => `${field === 'request' ? 'Request' : 'Response'}: ${first.toUpperCase()}`,
  );

/** The "Update" dialog of the API List: the request and response JWT settings of one API (native modal dialog). */
export function JwtSettingsDialog(props: {
  api: ConsoleApi;
  entry: ApiEntry;
  onSaved: (entry: ApiEntry) => void;
  onCancel: () => void;
}) {
  const { entry } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [request, setRequest] = useState<JoseMode>(entry.jose_policy.request);
  const [response, setResponse] = useState<JoseMode>(entry.jose_policy.response);
  const [refusal, setRefusal] = useState<{ title: string; reason: string; reference?: string } | undefined>();
  const [saving, setSaving] = useState(false);
  const titleId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const opener = document.activeElement as HTMLElement | null;
    element.showModal();
    return () => {
      element.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  async function save(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setRefusal(undefined);
    try {
      const saved = await props.api.saveJosePolicy(entry.api_id, entry.version, { request, response });
      props.onSaved({ ...entry, jose_policy: saved.value, version: saved.version });
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        setRefusal({
          title: 'This combination is not allowed',
          reason: plainReason(error.errorDescription ?? error.error),
        });
      } else if (error instanceof ApiError && error.status === 409) {
        setRefusal({
          title: 'Another administrator changed this API',
          reason: 'Your change was not saved. Close this dialog and reload the page to see the current settings.',
        });
      } else {
        setRefusal({
          title: 'The settings could not be saved',
          reason: 'Please try again in a few minutes.',
          reference: error instanceof ApiError ? error.interactionId : undefined,
        });
      }
    } finally {
      setSaving(false);
    }
  }

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!saving) props.onCancel();
      }}
    >
      <h2 id={titleId}>JWT settings of {entry.path}</h2>
      <form onSubmit={(event) => void save(event)}>
        <p>
          {entry.name}, <code>{entry.method}</code>
        </p>
        {refusal && (
          <Alert title={refusal.title} reference={refusal.reference}>
            {refusal.reason}
          </Alert>
        )}
        <ModeSelect label="Request" value={request} onChange={setRequest} />
        <ModeSelect label="Response" value={response} onChange={setResponse} />
        <p className="small-print">
          JWS: signed compact JWS body. JWE: encrypted compact JWE body. Detached JWS: a JSON body with its signature in
          the x-jws-signature header. A GET request has no body, so it cannot be signed or encrypted.
        </p>
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={saving}>
            Save
          </button>
          <button type="button" className="button button--secondary" disabled={saving} onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** A select of the four JWT settings, in the API List's words. */
export function ModeSelect({
  label,
  value,
  onChange,
}: {
  label: string;
  value: JoseMode;
  onChange: (m: JoseMode) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as JoseMode)}>
        {MODES.map((mode) => (
          <option key={mode} value={mode}>
            {JOSE_LABELS[mode]}
          </option>
        ))}
      </select>
    </div>
  );
}
