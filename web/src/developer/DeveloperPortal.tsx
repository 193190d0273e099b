/**
 * The developer portal (`/developer/`): fintechs sign up, log in with their own password, and once the bank
 * approved them register applications and apply for APIs. Calls `/developer/api/*` (lambdas/handlers/developer-api.ts).
 */
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../api/http';
import { type PortalApi, type PortalSession, portalApi } from '../api/portal-session';
import type { RuntimeConfig } from '../config';
import { Layout } from '../layout/Layout';
import { Alert, CallFailed, Status } from '../layout/Notice';
import { Field } from './Field';
import { MyAccount } from './MyAccount';

export interface Profile {
  readonly username: string;
  readonly organisation: string;
  readonly email: string;
  readonly status: 'reviewing' | 'returned' | 'approved' | 'denied';
  readonly comment: string | null;
  readonly member_since: string;
}

export interface SignedIn {
  readonly api: PortalApi;
  readonly session: PortalSession;
  /** The sandbox's certificate issuance path, when the page runs against the sandbox. */
  readonly sandboxCertificates?: string;
}

type View =
  | { readonly screen: 'loading' }
  | { readonly screen: 'failed'; readonly error: unknown }
  | { readonly screen: 'log-in' }
  | { readonly screen: 'sign-up' }
  | { readonly screen: 'registered'; readonly profile: Profile }
  | { readonly screen: 'account'; readonly signedIn: SignedIn; readonly profile: Profile };

export const STATUS_TEXT: Record<string, string> = {
  reviewing: 'Reviewing',
  returned: 'Returned',
  approved: 'Approved',
  denied: 'Denied',
  pending: 'Pending',
  active: 'Active',
};

export function DeveloperPortal({ config }: { readonly config: RuntimeConfig }) {
  const api = useMemo(() => portalApi(config.apiBaseUrl, 'developer'), [config.apiBaseUrl]);
  const [view, setView] = useState<View>({ screen: 'loading' });

  async function enter(signal?: AbortSignal) {
    const session = await api.session(signal);
    if (!session) return setView({ screen: 'log-in' });
    const profile = await api.call<Profile>('/profile', { method: 'GET', signal });
    const sandboxCertificates = config.sandbox?.clientCertificates;
    setView({ screen: 'account', signedIn: { api, session, sandboxCertificates }, profile });
  }

  useEffect(() => {
    const abort = new AbortController();
    enter(abort.signal).catch((error: unknown) => {
      if (!abort.signal.aborted) setView({ screen: 'failed', error });
    });
    return () => abort.abort();
  }, [api]);

  async function logOut(session: PortalSession) {
    try {
      await api.signOut(session);
    } finally {
      setView({ screen: 'log-in' });
    }
  }

  const headerEnd =
    view.screen === 'account' ? (
      <>
        <span className="bank-header__person">{view.profile.username}</span>
        <button type="button" className="button button--header" onClick={() => void logOut(view.signedIn.session)}>
          Log out
        </button>
      </>
    ) : undefined;

  return (
    <Layout bankName={config.tenantName} branding={config.branding} headerEnd={headerEnd} wide>
      {view.screen === 'loading' && <Status>Loading…</Status>}
      {view.screen === 'failed' && <CallFailed error={view.error} action="open the developer portal" />}
      {view.screen === 'log-in' && (
        <LogIn
          api={api}
          onSignUp={() => setView({ screen: 'sign-up' })}
          onLoggedIn={() => enter().catch((error: unknown) => setView({ screen: 'failed', error }))}
        />
      )}
      {view.screen === 'sign-up' && (
        <SignUp
          api={api}
          onLogIn={() => setView({ screen: 'log-in' })}
          onRegistered={(profile) => setView({ screen: 'registered', profile })}
        />
      )}
      {view.screen === 'registered' && (
        <>
          <h1>Registration Completed</h1>
          <p>
            Thank you, {view.profile.organisation}. The bank reviews your account{' '}
            <strong>{view.profile.username}</strong> before you can use the portal.
          </p>
          <p>
            Status: <strong>{STATUS_TEXT[view.profile.status]}</strong>
          </p>
          <button type="button" className="button button--primary" onClick={() => setView({ screen: 'log-in' })}>
            Go to log in
          </button>
        </>
      )}
      {view.screen === 'account' && (
        <AccountHome
          signedIn={view.signedIn}
          profile={view.profile}
          onChanged={(profile) => setView({ ...view, profile })}
        />
      )}
    </Layout>
  );
}

function LogIn({ api, onSignUp, onLoggedIn }: { api: PortalApi; onSignUp: () => void; onLoggedIn: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await api.call('/log-in', { method: 'POST', body: { username, password } });
      onLoggedIn();
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Log in to the developer portal</h1>
      {problem instanceof ApiError && problem.status === 401 ? (
        <Alert title="You are not logged in">{problem.errorDescription}</Alert>
      ) : problem ? (
        <CallFailed error={problem} action="log you in" />
      ) : null}
      <form onSubmit={submit} noValidate>
        <Field label="Username" name="username" value={username} onChange={setUsername} autoComplete="username" />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
        />
        <button type="submit" className="button button--primary" disabled={busy}>
          Log in
        </button>
      </form>
      <h2>New here?</h2>
      <p>Fintechs create their own account; the bank reviews it before you can register applications.</p>
      <button type="button" className="button button--secondary" onClick={onSignUp}>
        Sign Up
      </button>
    </>
  );
}

function SignUp({
  api,
  onLogIn,
  onRegistered,
}: {
  api: PortalApi;
  onLogIn: () => void;
  onRegistered: (profile: Profile) => void;
}) {
  const [form, setForm] = useState({ username: '', organisation: '', email: '', password: '' });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      onRegistered(await api.call<Profile>('/sign-up', { method: 'POST', body: form }));
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.fields).length > 0) setFields(error.fields);
      else setProblem(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Sign Up</h1>
      <p>Create an account for your organisation. The bank reviews every new account.</p>
      {problem ? <CallFailed error={problem} action="create your account" /> : null}
      {Object.keys(fields).length > 0 && <Alert title="Some fields need correcting">See the messages below.</Alert>}
      <form onSubmit={submit} noValidate>
        <Field
          label="Username"
          name="username"
          value={form.username}
          onChange={set('username')}
          error={fields.username}
          hint="3 to 32 lower-case letters, digits, dots, dashes or underscores."
          autoComplete="username"
        />
        <Field
          label="Organisation"
          name="organisation"
          value={form.organisation}
          onChange={set('organisation')}
          error={fields.organisation}
          autoComplete="organization"
        />
        <Field
          label="E-mail"
          name="email"
          type="email"
          value={form.email}
          onChange={set('email')}
          error={fields.email}
          autoComplete="email"
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={form.password}
          onChange={set('password')}
          error={fields.password}
          hint="At least 12 characters. A few unrelated words make a good password."
          autoComplete="new-password"
        />
        <button type="submit" className="button button--primary" disabled={busy}>
          Create an Account
        </button>
      </form>
      <button type="button" className="button button--secondary" onClick={onLogIn}>
        I already have an account
      </button>
    </>
  );
}

function AccountHome({
  signedIn,
  profile,
  onChanged,
}: {
  signedIn: SignedIn;
  profile: Profile;
  onChanged: (profile: Profile) => void;
}) {
  if (profile.status === 'reviewing') {
    return (
      <>
        <h1>Your account is under review</h1>
        <p>
          The bank is reviewing your account <strong>{profile.username}</strong>. You can use the portal once it is
          approved. Status: <strong>Reviewing</strong>
        </p>
      </>
    );
  }
  if (profile.status === 'denied') {
    return (
      <>
        <h1>Your account was not approved</h1>
        <p>The bank denied your account request.{profile.comment ? ` The reviewer wrote: ${profile.comment}` : ''}</p>
      </>
    );
  }
  if (profile.status === 'returned') return <Resubmit signedIn={signedIn} profile={profile} onChanged={onChanged} />;
  return <MyAccount signedIn={signedIn} profile={profile} />;
}

function Resubmit({
  signedIn,
  profile,
  onChanged,
}: {
  signedIn: SignedIn;
  profile: Profile;
  onChanged: (profile: Profile) => void;
}) {
  const [form, setForm] = useState({ organisation: profile.organisation, email: profile.email });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(undefined);
    try {
      await signedIn.api.call('/resubmit', { method: 'POST', body: form, session: signedIn.session });
      onChanged({ ...profile, ...form, status: 'reviewing', comment: null });
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.fields).length > 0) setFields(error.fields);
      else setProblem(error);
    }
  }

  return (
    <>
      <h1>The bank returned your account request</h1>
      <h2>The reviewer's comment</h2>
      <blockquote>{profile.comment}</blockquote>
      {problem ? <CallFailed error={problem} action="resubmit your request" /> : null}
      <form onSubmit={submit} noValidate>
        <Field
          label="Organisation"
          name="organisation"
          value={form.organisation}
          onChange={(organisation) => setForm({ ...form, organisation })}
          error={fields.organisation}
        />
        <Field
          label="E-mail"
          name="email"
          type="email"
          value={form.email}
          onChange={(email) => setForm({ ...form, email })}
          error={fields.email}
        />
        <button type="submit" className="button button--primary">
          Resubmit
        </button>
      </form>
    </>
  );
}
