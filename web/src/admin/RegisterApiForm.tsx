import { type FormEvent, useId, useState } from 'react';
import { ApiError } from '../api/http';
import { Alert } from '../layout/Notice';
import type { ApiCatalog, ApiEntry, ConsoleApi, JoseMode } from './api';
import { ModeSelect } from './JwtSettingsDialog';

/** Registers a new gateway API: method and path, scope group, where it is served, and its JWT settings. */
export function RegisterApiForm(props: {
  api: ConsoleApi;
  catalog: ApiCatalog;
  onRegistered: (entry: ApiEntry) => void;
}) {
  const { catalog } = props;
  const [name, setName] = useState('');
  const [method, setMethod] = useState<'GET' | 'POST'>('GET');
  const [path, setPath] = useState('');
  const [scopeGroup, setScopeGroup] = useState(catalog.scope_groups[0]?.id ?? '');
  const [backendType, setBackendType] = useState<'sample-bank' | 'upstream'>('upstream');
  const [operation, setOperation] = useState(catalog.sample_bank_operations[0] ?? '');
  const [url, setUrl] = useState('');
  const [request, setRequest] = useState<JoseMode>('none');
  const [response, setResponse] = useState<JoseMode>('none');
  const [taiwanHeaders, setTaiwanHeaders] = useState(true);
  const [refusal, setRefusal] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const id = useId();

  async function register(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setRefusal(undefined);
    try {
      const entry = await props.api.registerApi({
        name,
        method,
        path,
        scope_group: scopeGroup,
        backend: backendType === 'sample-bank' ? { type: 'sample-bank', operation } : { type: 'upstream', url },
        jose_policy: { request, response },
        taiwan_headers: taiwanHeaders,
      });
      props.onRegistered(entry);
      setName('');
      setPath('');
      setUrl('');
    } catch (error) {
      setRefusal(
        error instanceof ApiError && (error.status === 400 || error.status === 409)
          ? (error.errorDescription ?? error.error)
          : 'The API could not be registered. Please try again in a few minutes.',
      );
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="register" aria-labelledby={`${id}-title`} onSubmit={(event) => void register(event)}>
      <h2 id={`${id}-title`}>Register an API</h2>
      {refusal && <Alert title="The API was not registered">{refusal}</Alert>}
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} required value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-method`}>Method</label>
        <select id={`${id}-method`} value={method} onChange={(e) => setMethod(e.target.value as 'GET' | 'POST')}>
          <option value="GET">GET</option>
          <option value="POST">POST</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-path`}>Path</label>
        <p className="field__hint" id={`${id}-path-hint`}>
          Below /gateway, e.g. /loans/offers
        </p>
        <input
          id={`${id}-path`}
          required
          aria-describedby={`${id}-path-hint`}
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-group`}>Scope group</label>
        <select id={`${id}-group`} value={scopeGroup} onChange={(e) => setScopeGroup(e.target.value)}>
          {catalog.scope_groups.map((group) => (
            <option key={group.id} value={group.id}>
              {group.label}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field">
        <legend>Served by</legend>
        <label className="inline">
          <input
            type="radio"
            name={`${id}-backend`}
            checked={backendType === 'upstream'}
            onChange={() => setBackendType('upstream')}
          />{' '}
          An upstream HTTPS service of the bank
        </label>
        <label className="inline">
          <input
            type="radio"
            name={`${id}-backend`}
            checked={backendType === 'sample-bank'}
            onChange={() => setBackendType('sample-bank')}
          />{' '}
          The built-in sample bank
        </label>
      </fieldset>
      {backendType === 'upstream' ? (
        <div className="field">
          <label htmlFor={`${id}-url`}>Upstream URL</label>
          <input
            id={`${id}-url`}
            type="url"
            required
            placeholder="https://core.bank.example/…"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        </div>
      ) : (
        <div className="field">
          <label htmlFor={`${id}-operation`}>Sample bank operation</label>
          <select id={`${id}-operation`} value={operation} onChange={(e) => setOperation(e.target.value)}>
            {catalog.sample_bank_operations.map((op) => (
              <option key={op} value={op}>
                {op}
              </option>
            ))}
          </select>
        </div>
      )}
      <ModeSelect label="Request JWT setting" value={request} onChange={setRequest} />
      <ModeSelect label="Response JWT setting" value={response} onChange={setResponse} />
      <label className="inline">
        <input type="checkbox" checked={taiwanHeaders} onChange={(e) => setTaiwanHeaders(e.target.checked)} /> Require
        the Taiwan Open Banking headers (X-STAN, X-DestinationId, X-ClientId, X-TxnInitDateTime)
      </label>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={saving}>
          Register API
        </button>
      </div>
    </form>
  );
}
