import { type KeyboardEvent, useRef, useState } from 'react';
import type { ClientSummary, ConsoleApi } from './api';
import { AUTH_METHODS } from './ClientManagement';
import { TokenSettingsForm } from './TokenSettingsForm';

const TABS = [
  { id: 'token', label: 'Token Setting' },
  { id: 'redirects', label: 'Redirect URIs' },
  { id: 'auth', label: 'Authentication' },
  { id: 'encryption', label: 'Encryption key' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** One client's security settings in tabs (WAI-ARIA APG tabs pattern: arrow keys move between tabs). */
export function ClientSecurity({
  api,
  client,
  onClose,
}: {
  api: ConsoleApi;
  client: ClientSummary;
  onClose: () => void;
}) {
  const [tab, setTab] = useState<TabId>('token');
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  function onKeyDown(event: KeyboardEvent, index: number) {
    const next =
      event.key === 'ArrowRight' ? index + 1 : event.key === 'ArrowLeft' ? index - 1 : event.key === 'Home' ? 0 : -2;
    if (next === -2 && event.key !== 'End') return;
    event.preventDefault();
    const target = event.key === 'End' ? TABS.length - 1 : (next + TABS.length) % TABS.length;
    setTab(TABS[target]!.id);
    tabs.current[target]?.focus();
  }

  const encryptionKeys = (client.jwks?.keys ?? []).filter((key) => key.use === 'enc');
  const signingKeys = (client.jwks?.keys ?? []).filter((key) => key.use !== 'enc');
  return (
    <>
      <p>
        <button type="button" className="button button--secondary" onClick={onClose}>
          Back to all clients
        </button>
      </p>
      <h2>
        Security settings of {client.client_name} (<code>{client.client_id}</code>)
      </h2>
      <div role="tablist" aria-label={`Security settings of ${client.client_id}`} className="tabs">
        {TABS.map((t, index) => (
          <button
            key={t.id}
            ref={(element) => {
              tabs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-controls={`panel-${t.id}`}
            aria-selected={tab === t.id}
            tabIndex={tab === t.id ? 0 : -1}
            className="tabs__tab"
            onClick={() => setTab(t.id)}
            onKeyDown={(event) => onKeyDown(event, index)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabs__panel">
        {tab === 'token' && <TokenSettingsForm api={api} clientId={client.client_id} />}
        {tab === 'redirects' &&
          (client.redirect_uris.length === 0 ? (
            <p>This client has no redirect URIs: it does not send customers to the bank.</p>
          ) : (
            <ul>
              {client.redirect_uris.map((uri) => (
                <li key={uri}>
                  <code>{uri}</code>
                </li>
              ))}
            </ul>
          ))}
        {tab === 'auth' && (
          <dl className="facts">
            <dt>Authentication method</dt>
            <dd>{AUTH_METHODS[client.token_endpoint_auth_method] ?? client.token_endpoint_auth_method}</dd>
            <dt>Certificate subject DN</dt>
            <dd>{client.tls_client_auth_subject_dn ? <code>{client.tls_client_auth_subject_dn}</code> : 'Not used'}</dd>
            <dt>Certificate issuer pin</dt>
            <dd>
              {client.tls_client_auth_issuer_dn ? (
                <code>{client.tls_client_auth_issuer_dn}</code>
              ) : (
                'None (any CA of the truststore)'
              )}
              {client.tls_client_auth_issuer_ca_thumbprint && (
                <div>
                  CA certificate <code>{client.tls_client_auth_issuer_ca_thumbprint}</code>
                </div>
              )}
            </dd>
            <dt>Signing keys (JWKS)</dt>
            <dd>
              {signingKeys.length === 0
                ? 'None registered'
                : signingKeys.map((key) => (
                    <div key={String(key.kid)}>
                      <code>{String(key.kid)}</code> ({String(key.kty)}
                      {key.alg ? `, ${String(key.alg)}` : ''})
                    </div>
                  ))}
            </dd>
            <dt>Published keys (jwks_uri)</dt>
            <dd>{client.jwks_uri ? <code>{client.jwks_uri}</code> : 'None'}</dd>
            <dt>Scope</dt>
            <dd>
              <code>{client.scope}</code>
            </dd>
          </dl>
        )}
        {tab === 'encryption' &&
          (encryptionKeys.length === 0 ? (
            <p>No encryption key is registered: responses with the JWE setting cannot be encrypted to this client.</p>
          ) : (
            <dl className="facts">
              {encryptionKeys.map((key) => (
                <div key={String(key.kid)}>
                  <dt>Key {String(key.kid)}</dt>
                  <dd>
                    {String(key.kty)} key for encryption{key.alg ? ` (${String(key.alg)})` : ''}
                  </dd>
                </div>
              ))}
            </dl>
          ))}
        <p className="small-print">
          Only the token settings can be changed here; the other settings are part of the client's registration.
        </p>
      </div>
    </>
  );
}
