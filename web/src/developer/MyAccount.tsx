/** "My Account": My Profile, Applications, API Application, Status, My API. */
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { ApiError } from '../api/http';
import { type ReviewEvent, ReviewHistory } from '../components/ReviewHistory';
import { Alert, CallFailed, Status } from '../layout/Notice';
import type { Profile, SignedIn } from './DeveloperPortal';
import { STATUS_TEXT } from './DeveloperPortal';
import { Field } from './Field';

const SCREENS = ['My Profile', 'Applications', 'API Application', 'Status', 'My API'] as const;
type Screen = (typeof SCREENS)[number];

interface Application {
  readonly client_id: string;
  readonly client_name: string;
  readonly profile: string;
  readonly token_endpoint_auth_method: string;
  readonly tls_client_auth_subject_dn?: string;
  readonly status: 'pending' | 'active';
  readonly approved_apis: readonly string[];
}

interface CatalogApi {
  readonly api_id: string;
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly scope_group: string;
  readonly jose_policy: { readonly request: string; readonly response: string };
}

interface ReviewItem {
  readonly review_id: string;
  readonly type: string;
  readonly state: string;
  readonly submitted_at: string;
  readonly submitted: Record<string, unknown>;
  readonly history: readonly ReviewEvent[];
}

const TYPE_TEXT: Record<string, string> = {
  'sign-up': 'Sign-up',
  application: 'Application',
  'api-application': 'API application',
};

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** GET a portal call into state, again whenever `reload` changes. */
function useLoad<T>(signedIn: SignedIn, path: string, reload = 0) {
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  useEffect(() => {
    const abort = new AbortController();
    signedIn.api.call<T>(path, { method: 'GET', signal: abort.signal }).then(
      (data) => setState({ data }),
      (error: unknown) => !abort.signal.aborted && setState({ error }),
    );
    return () => abort.abort();
  }, [signedIn, path, reload]);
  return state;
}

export function MyAccount({ signedIn, profile }: { signedIn: SignedIn; profile: Profile }) {
  const [screen, setScreen] = useState<Screen>('My Profile');
  return (
    <>
      <nav aria-label="My Account">
        <h1>My Account</h1>
        <ul className="menu">
          {SCREENS.map((name) => (
            <li key={name}>
              <button
                type="button"
                className="button button--secondary"
                aria-current={screen === name ? 'page' : undefined}
                onClick={() => setScreen(name)}
              >
                {name}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {screen === 'My Profile' && <MyProfile profile={profile} />}
      {screen === 'Applications' && <Applications signedIn={signedIn} organisation={profile.organisation} />}
      {screen === 'API Application' && <ApiApplication signedIn={signedIn} />}
      {screen === 'Status' && <StatusList signedIn={signedIn} organisation={profile.organisation} />}
      {screen === 'My API' && <MyApi signedIn={signedIn} />}
    </>
  );
}

function MyProfile({ profile }: { profile: Profile }) {
  return (
    <section aria-labelledby="profile-heading">
      <h2 id="profile-heading">My Profile</h2>
      <dl>
        <dt>Username</dt>
        <dd>{profile.username}</dd>
        <dt>Organisation</dt>
        <dd>{profile.organisation}</dd>
        <dt>E-mail</dt>
        <dd>{profile.email}</dd>
        <dt>Status</dt>
        <dd>{STATUS_TEXT[profile.status]}</dd>
        <dt>Member since</dt>
        <dd>{when(profile.member_since)}</dd>
      </dl>
    </section>
  );
}

const EMPTY_APPLICATION = {
  client_name: '',
  redirect_uris: '',
  profile: 'fapi2',
  token_endpoint_auth_method: 'tls_client_auth',
  tls_client_auth_subject_dn: '',
  certificate_pem: '',
  tls_client_auth_issuer_dn: '',
  jwks: '',
  jwks_uri: '',
  encryption_jwk: '',
};
type ApplicationFields = typeof EMPTY_APPLICATION;

/** A POST of the portal whose field problems the form shows by their fields. */
async function sendForm(
  send: () => Promise<unknown>,
  setFields: (fields: Record<string, string>) => void,
  setProblem: (problem: unknown) => void,
): Promise<boolean> {
  setProblem(undefined);
  setFields({});
  try {
    await send();
    return true;
  } catch (error) {
    if (error instanceof ApiError && Object.keys(error.fields).length > 0) setFields(error.fields);
    else setProblem(error);
    return false;
  }
}

function Applications({ signedIn, organisation }: { signedIn: SignedIn; organisation: string }) {
  const [reload, setReload] = useState(0);
  const list = useLoad<{ items: Application[] }>(signedIn, '/applications', reload);
  const [created, setCreated] = useState<string>();

  return (
    <section aria-labelledby="applications-heading">
      <h2 id="applications-heading">Applications</h2>
      {list.error ? <CallFailed error={list.error} action="show your applications" /> : null}
      {!list.data && !list.error && <Status>Loading…</Status>}
      {list.data && list.data.items.length === 0 && <p>You have not registered an application yet.</p>}
      {list.data && list.data.items.length > 0 && (
        <table className="table">
          <caption>Your applications</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Client ID</th>
              <th scope="col">Authentication</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((app) => (
              <tr key={app.client_id}>
                <td>{app.client_name}</td>
                <td>
                  <code>{app.client_id}</code>
                </td>
                <td>
                  {app.token_endpoint_auth_method}
                  {app.tls_client_auth_subject_dn ? ` (${app.tls_client_auth_subject_dn})` : ''}
                </td>
                <td>{STATUS_TEXT[app.status]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {created && (
        <Status>Application registered with client ID {created}. Status: Pending until the bank approves it.</Status>
      )}
      <h3>Register an application</h3>
      <ApplicationForm
        key={reload}
        signedIn={signedIn}
        organisation={organisation}
        initial={EMPTY_APPLICATION}
        submitLabel="Register application"
        send={(form) =>
          signedIn.api.call<{ client_id: string }>('/applications', {
            method: 'POST',
            body: form,
            session: signedIn.session,
          })
        }
        onSent={(result) => {
          setCreated((result as { client_id: string }).client_id);
          setReload(reload + 1);
        }}
      />
    </section>
  );
}

interface SandboxCertificate {
  readonly subject_dn: string;
  readonly certificate_pem: string;
  readonly private_key_pem: string;
}

/** A PEM file to download (an object URL of this page, released when the page no longer shows it). */
function PemDownload({ pem, fileName, label }: { pem: string; fileName: string; label: string }) {
  const [href, setHref] = useState<string>();
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([pem], { type: 'application/x-pem-file' }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [pem]);
  return href ? (
    <a className="button button--secondary" href={href} download={fileName}>
      {label}
    </a>
  ) : null;
}

/** Registration (or, for a returned one, its edit): the fields of the one client schema, named as the API names them. */
function ApplicationForm({
  signedIn,
  organisation,
  initial,
  submitLabel,
  send,
  onSent,
}: {
  signedIn: SignedIn;
  organisation: string;
  initial: ApplicationFields;
  submitLabel: string;
  send: (form: ApplicationFields) => Promise<unknown>;
  onSent: (result: unknown) => void;
}) {
  const [form, setForm] = useState(initial);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>();
  const [certificate, setCertificate] = useState<SandboxCertificate>();
  const [issuing, setIssuing] = useState<unknown>();
  const set = (key: keyof ApplicationFields) => (value: string) => setForm({ ...form, [key]: value });
  const profileId = useId();
  const methodId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    let result: unknown;
    if (await sendForm(async () => (result = await send(form)), setFields, setProblem)) onSent(result);
  }

  /** Sandbox only: a certificate and key from the sandbox CA, its subject filled in for this application. */
  async function issueCertificate(path: string) {
    setIssuing(undefined);
    try {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ organisation, application_name: form.client_name }),
      });
      if (!response.ok) throw new Error(`The sandbox answered ${response.status}`);
      const issued = (await response.json()) as SandboxCertificate;
      setCertificate(issued);
      setForm({ ...form, tls_client_auth_subject_dn: issued.subject_dn, certificate_pem: issued.certificate_pem });
    } catch (error) {
      setIssuing(error);
    }
  }

  const fileStem = (form.client_name.toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'application').slice(0, 40);
  return (
    <>
      {problem ? <CallFailed error={problem} action="send the application" /> : null}
      {Object.keys(fields).length > 0 && <Alert title="Some fields need correcting">See the messages below.</Alert>}
      <form onSubmit={submit} noValidate>
        <Field
          label="Name"
          name="client_name"
          value={form.client_name}
          onChange={set('client_name')}
          error={fields.client_name}
        />
        <Field
          label="Redirect URIs"
          name="redirect_uris"
          value={form.redirect_uris}
          onChange={set('redirect_uris')}
          error={fields.redirect_uris}
          hint="One or more https addresses, separated by spaces; each must match exactly."
        />
        <div className="field">
          <label htmlFor={profileId}>Profile</label>
          <select id={profileId} value={form.profile} onChange={(e) => set('profile')(e.target.value)}>
            <option value="fapi2">FAPI 2.0</option>
            <option value="fapi1-advanced">FAPI 1.0 Advanced</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={methodId}>Token endpoint authentication</label>
          <select
            id={methodId}
            value={form.token_endpoint_auth_method}
            onChange={(e) => set('token_endpoint_auth_method')(e.target.value)}
          >
            <option value="tls_client_auth">tls_client_auth (client certificate)</option>
            <option value="private_key_jwt">private_key_jwt (signed assertion)</option>
          </select>
        </div>
        {form.token_endpoint_auth_method === 'tls_client_auth' ? (
          <>
            {signedIn.sandboxCertificates && (
              <div className="field">
                <button
                  type="button"
                  className="button button--secondary"
                  onClick={() => void issueCertificate(signedIn.sandboxCertificates!)}
                >
                  Issue sandbox certificate
                </button>
                <span className="field__hint">
                  Sandbox only: a client certificate and its private key from the sandbox CA, for this application. Its
                  subject DN and certificate are filled in below.
                </span>
              </div>
            )}
            {issuing ? <CallFailed error={issuing} action="issue a sandbox certificate" /> : null}
            {certificate && (
              <div role="status" className="notice notice--warning">
                <p>
                  Sandbox certificate issued for <code>{certificate.subject_dn}</code>. Download both files now: the
                  private key is shown only this once. Use them for mutual TLS at the bank's token endpoint and APIs.
                </p>
                <p className="actions">
                  <PemDownload
                    pem={certificate.certificate_pem}
                    fileName={`${fileStem}-cert.pem`}
                    label="Download certificate (PEM)"
                  />{' '}
                  <PemDownload
                    pem={certificate.private_key_pem}
                    fileName={`${fileStem}-key.pem`}
                    label="Download private key (PEM)"
                  />
                </p>
              </div>
            )}
            <Field
              label="Certificate subject DN"
              name="tls_client_auth_subject_dn"
              value={form.tls_client_auth_subject_dn}
              onChange={set('tls_client_auth_subject_dn')}
              error={fields.tls_client_auth_subject_dn}
              hint="For example CN=my-app,O=My Fintech,C=TW. Or leave it empty and paste the certificate below."
            />
            <Field
              label="Certificate (PEM)"
              name="certificate_pem"
              value={form.certificate_pem}
              onChange={set('certificate_pem')}
              error={fields.certificate_pem}
              multiline
            />
            <Field
              label="Issuer DN (optional)"
              name="tls_client_auth_issuer_dn"
              value={form.tls_client_auth_issuer_dn}
              onChange={set('tls_client_auth_issuer_dn')}
              error={fields.tls_client_auth_issuer_dn}
            />
          </>
        ) : (
          <>
            <Field
              label="Signing keys (JWKS)"
              name="jwks"
              value={form.jwks}
              onChange={set('jwks')}
              error={fields.jwks}
              hint='Public keys only, as {"keys": [...]}. Or leave it empty and give the JWKS URL below.'
              multiline
            />
            <Field
              label="JWKS URL (jwks_uri)"
              name="jwks_uri"
              value={form.jwks_uri}
              onChange={set('jwks_uri')}
              error={fields.jwks_uri}
              hint="An https address where you publish your signing keys; the bank fetches it when you authenticate and keeps it for 5 minutes."
            />
          </>
        )}
        <Field
          label="Encryption key for JWE responses (JWK, optional)"
          name="encryption_jwk"
          value={form.encryption_jwk}
          onChange={set('encryption_jwk')}
          error={fields.encryption_jwk}
          multiline
        />
        <button type="submit" className="button button--primary">
          {submitLabel}
        </button>
      </form>
    </>
  );
}

function ApiApplication({ signedIn }: { signedIn: SignedIn }) {
  const catalog = useLoad<{ items: CatalogApi[] }>(signedIn, '/catalog');
  const apps = useLoad<{ items: Application[] }>(signedIn, '/applications');
  const [done, setDone] = useState(0);

  if (catalog.error || apps.error) return <CallFailed error={catalog.error ?? apps.error} action="show the APIs" />;
  if (!catalog.data || !apps.data) return <Status>Loading…</Status>;
  return (
    <section aria-labelledby="api-application-heading">
      <h2 id="api-application-heading">API Application</h2>
      {done > 0 && <Status>Request submitted successfully</Status>}
      {apps.data.items.length === 0 ? (
        <p>Register an application first (Applications).</p>
      ) : (
        <ApiApplicationForm
          key={done}
          catalog={catalog.data.items}
          applications={apps.data.items}
          initial={{ api_ids: [], purpose: '' }}
          submitLabel="Submit"
          send={(form) =>
            signedIn.api.call('/api-applications', { method: 'POST', body: form, session: signedIn.session })
          }
          onSent={() => setDone(done + 1)}
        />
      )}
    </section>
  );
}

interface ApiApplicationFields {
  readonly api_ids: readonly string[];
  readonly purpose: string;
}

/** APIs of the catalog, a purpose, and (a new request) the application it is for. */
function ApiApplicationForm({
  catalog,
  applications,
  initial,
  submitLabel,
  send,
  onSent,
}: {
  catalog: readonly CatalogApi[];
  /** The applications to choose from; none: the request stays for its application (a resubmission). */
  applications?: readonly Application[];
  initial: ApiApplicationFields;
  submitLabel: string;
  send: (form: ApiApplicationFields & { client_id?: string }) => Promise<unknown>;
  onSent: () => void;
}) {
  const [chosen, setChosen] = useState<readonly string[]>(initial.api_ids);
  const [purpose, setPurpose] = useState(initial.purpose);
  const [clientId, setClientId] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>();
  const appId = useId();
  const toggle = useCallback(
    (apiId: string) => setChosen((now) => (now.includes(apiId) ? now.filter((id) => id !== apiId) : [...now, apiId])),
    [],
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    const application = applications ? { client_id: clientId || applications[0]?.client_id } : {};
    if (await sendForm(() => send({ ...application, api_ids: chosen, purpose }), setFields, setProblem)) onSent();
  }

  return (
    <>
      {problem ? <CallFailed error={problem} action="submit your request" /> : null}
      <form onSubmit={submit} noValidate>
        <fieldset aria-describedby={fields.api_ids ? 'api-ids-error' : undefined}>
          <legend>APIs</legend>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Select</th>
                <th scope="col">Method</th>
                <th scope="col">Path</th>
                <th scope="col">Scope group</th>
                <th scope="col">JWT setting</th>
              </tr>
            </thead>
            <tbody>
              {catalog.map((api) => (
                <tr key={api.api_id}>
                  <td>
                    <label>
                      <input
                        type="checkbox"
                        checked={chosen.includes(api.api_id)}
                        onChange={() => toggle(api.api_id)}
                      />{' '}
                      {api.name}
                    </label>
                  </td>
                  <td>{api.method}</td>
                  <td>
                    <code>{api.path}</code>
                  </td>
                  <td>{api.scope_group}</td>
                  <td>
                    Request: {api.jose_policy.request}, response: {api.jose_policy.response}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {fields.api_ids && (
            <span id="api-ids-error" className="field__error">
              {fields.api_ids}
            </span>
          )}
        </fieldset>
        {applications && (
          <div className="field">
            <label htmlFor={appId}>Application</label>
            <select id={appId} value={clientId} onChange={(e) => setClientId(e.target.value)}>
              {applications.map((app) => (
                <option key={app.client_id} value={app.client_id}>
                  {app.client_name} ({app.client_id})
                </option>
              ))}
            </select>
          </div>
        )}
        <Field label="Purpose" name="purpose" value={purpose} onChange={setPurpose} error={fields.purpose} multiline />
        <button type="submit" className="button button--primary">
          {submitLabel}
        </button>
      </form>
    </>
  );
}

/** The form fields of an application as its review shows what was submitted (keys are kept unless replaced). */
function applicationFieldsOf(submitted: Record<string, unknown>): ApplicationFields {
  const text = (key: string) => (typeof submitted[key] === 'string' ? (submitted[key] as string) : '');
  return {
    ...EMPTY_APPLICATION,
    client_name: text('client_name'),
    redirect_uris: Array.isArray(submitted.redirect_uris) ? submitted.redirect_uris.join(' ') : '',
    profile: text('profile') || 'fapi2',
    token_endpoint_auth_method: text('token_endpoint_auth_method') || 'tls_client_auth',
    tls_client_auth_subject_dn: text('tls_client_auth_subject_dn'),
    tls_client_auth_issuer_dn: text('tls_client_auth_issuer_dn'),
    jwks_uri: text('jwks_uri'),
  };
}

const requestName = (review: ReviewItem) =>
  `${TYPE_TEXT[review.type]}${typeof review.submitted.client_name === 'string' ? `: ${review.submitted.client_name}` : ''}`;

function StatusList({ signedIn, organisation }: { signedIn: SignedIn; organisation: string }) {
  const [reload, setReload] = useState(0);
  const list = useLoad<{ items: ReviewItem[] }>(signedIn, '/status', reload);
  const [editing, setEditing] = useState<ReviewItem>();
  const [resubmitted, setResubmitted] = useState<string>();
  if (list.error) return <CallFailed error={list.error} action="show your requests" />;
  if (!list.data) return <Status>Loading…</Status>;
  const resubmit = (review: ReviewItem) => (form: object) =>
    signedIn.api.call('/resubmit', {
      method: 'POST',
      body: { ...form, review_id: review.review_id },
      session: signedIn.session,
    });
  const sent = (review: ReviewItem) => () => {
    setEditing(undefined);
    setResubmitted(requestName(review));
    setReload(reload + 1);
  };
  return (
    <section aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      {resubmitted && <Status>{resubmitted} resubmitted: the bank reviews it again.</Status>}
      <table className="table">
        <caption>Your requests, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Submitted</th>
            <th scope="col">State</th>
            <th scope="col">History</th>
          </tr>
        </thead>
        <tbody>
          {list.data.items.map((review) => (
            <tr key={review.review_id}>
              <td>{requestName(review)}</td>
              <td>{when(review.submitted_at)}</td>
              <td>
                {STATUS_TEXT[review.state]}
                {review.state === 'returned' && review.type !== 'sign-up' && (
                  <div>
                    <button
                      type="button"
                      className="button button--secondary"
                      aria-label={`Edit and resubmit ${requestName(review)}`}
                      onClick={() => setEditing(review)}
                    >
                      Edit and resubmit
                    </button>
                  </div>
                )}
              </td>
              <td>
                <ReviewHistory history={review.history} when={when} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing && (
        <section aria-labelledby="resubmit-heading">
          <h3 id="resubmit-heading">Resubmit {requestName(editing)}</h3>
          <p>
            The reviewer's comment: <q>{[...editing.history].reverse().find((e) => e.event === 'returned')?.comment}</q>
          </p>
          {editing.type === 'application' ? (
            <>
              <p className="field__hint">Signing and encryption keys stay as registered unless you paste new ones.</p>
              <ApplicationForm
                signedIn={signedIn}
                organisation={organisation}
                initial={applicationFieldsOf(editing.submitted)}
                submitLabel="Resubmit"
                send={resubmit(editing)}
                onSent={sent(editing)}
              />
            </>
          ) : (
            <ResubmitApiApplication
              signedIn={signedIn}
              review={editing}
              send={resubmit(editing)}
              onSent={sent(editing)}
            />
          )}
        </section>
      )}
    </section>
  );
}

function ResubmitApiApplication({
  signedIn,
  review,
  send,
  onSent,
}: {
  signedIn: SignedIn;
  review: ReviewItem;
  send: (form: object) => Promise<unknown>;
  onSent: () => void;
}) {
  const catalog = useLoad<{ items: CatalogApi[] }>(signedIn, '/catalog');
  if (catalog.error) return <CallFailed error={catalog.error} action="show the APIs" />;
  if (!catalog.data) return <Status>Loading…</Status>;
  const apis = Array.isArray(review.submitted.apis) ? (review.submitted.apis as { api_id: string }[]) : [];
  return (
    <ApiApplicationForm
      catalog={catalog.data.items}
      initial={{
        api_ids: apis.map((api) => api.api_id),
        purpose: typeof review.submitted.purpose === 'string' ? review.submitted.purpose : '',
      }}
      submitLabel="Resubmit"
      send={send}
      onSent={onSent}
    />
  );
}

function MyApi({ signedIn }: { signedIn: SignedIn }) {
  const apps = useLoad<{ items: Application[] }>(signedIn, '/applications');
  const catalog = useLoad<{ items: CatalogApi[] }>(signedIn, '/catalog');
  if (apps.error || catalog.error) return <CallFailed error={apps.error ?? catalog.error} action="show your APIs" />;
  if (!apps.data || !catalog.data) return <Status>Loading…</Status>;
  const byId = new Map(catalog.data.items.map((api) => [api.api_id, api]));
  return (
    <section aria-labelledby="my-api-heading">
      <h2 id="my-api-heading">My API</h2>
      {apps.data.items.map((app) => (
        <section key={app.client_id} aria-label={app.client_name}>
          <h3>
            {app.client_name} ({STATUS_TEXT[app.status]})
          </h3>
          {app.approved_apis.length === 0 ? (
            <p>No API is approved for this application yet.</p>
          ) : (
            <ul>
              {app.approved_apis.map((id) => (
                <li key={id}>
                  {byId.get(id)?.name ?? id}: {byId.get(id)?.method} <code>{byId.get(id)?.path}</code>
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}
    </section>
  );
}
