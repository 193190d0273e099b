import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { type PortalApi, type PortalSession, portalApi, signInOutcome } from '../api/portal-session';
import type { RuntimeConfig } from '../config';
import { Layout } from './Layout';
import { Alert, CallFailed, Status } from './Notice';

type SessionState =
  | { readonly phase: 'loading' }
  | { readonly phase: 'signedOut' }
  | { readonly phase: 'failed'; readonly error: unknown }
  | { readonly phase: 'signedIn'; readonly session: PortalSession };

export interface SignedInPortalProps {
  readonly config: RuntimeConfig;
  /** `account`, `admin`, ...: the API lives at `/{portal}/api`. */
  readonly portal: string;
  /** The sign-in page's heading and text, e.g. "Sign in to see your connected apps". */
  readonly signInHeading: string;
  readonly signInText: ReactNode;
  readonly wide?: boolean;
  readonly children: (session: PortalSession, api: PortalApi) => ReactNode;
}

/**
 * A portal behind a sign-in: asks the API who is signed in; nobody -> a "Sign in" link to the identity
 * provider (a top-level navigation: the API sets its cookies on its own origin); somebody -> the portal,
 * with their name and "Sign out" in the banner.
 */
export function SignedInPortal({ config, portal, signInHeading, signInText, wide, children }: SignedInPortalProps) {
  const api = useMemo(() => portalApi(config.apiBaseUrl, portal), [config.apiBaseUrl, portal]);
  const [state, setState] = useState<SessionState>({ phase: 'loading' });
  const [signingOut, setSigningOut] = useState(false);
  const outcome = useMemo(() => signInOutcome(window.location.search), []);

  useEffect(() => {
    const abort = new AbortController();
    api.session(abort.signal).then(
      (session) => setState(session ? { phase: 'signedIn', session } : { phase: 'signedOut' }),
      (error: unknown) => {
        if (!abort.signal.aborted) setState({ phase: 'failed', error });
      },
    );
    return () => abort.abort();
  }, [api]);

  async function signOut(session: PortalSession) {
    setSigningOut(true);
    try {
      await api.signOut(session);
    } finally {
      // Signed out or not, the page forgets the session; a stale one fails its next call anyway.
      setSigningOut(false);
      setState({ phase: 'signedOut' });
    }
  }

  const headerEnd =
    state.phase === 'signedIn' ? (
      <>
        {state.session.name && <span className="bank-header__person">{state.session.name}</span>}
        <button
          type="button"
          className="button button--header"
          disabled={signingOut}
          onClick={() => void signOut(state.session)}
        >
          Sign out
        </button>
      </>
    ) : undefined;

  return (
    <Layout bankName={config.tenantName} branding={config.branding} headerEnd={headerEnd} wide={wide}>
      {state.phase === 'loading' && <Status>Loading…</Status>}
      {state.phase === 'failed' && <CallFailed error={state.error} action="check whether you are signed in" />}
      {state.phase === 'signedOut' && (
        <>
          <h1>{signInHeading}</h1>
          {outcome && <Alert title="You are not signed in">{outcome}</Alert>}
          <p>{signInText}</p>
          <a className="button button--primary" href={api.signInUrl}>
            Sign in
          </a>
        </>
      )}
      {state.phase === 'signedIn' && children(state.session, api)}
    </Layout>
  );
}
