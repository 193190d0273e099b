import { useEffect, useMemo, useState } from 'react';
import { type ConsentSession, consentSessionApi } from '../api/consent-session';
import { Alert, Status } from '../layout/Notice';
import { ConsentForm } from './ConsentForm';
import { describeProblem, type Problem } from './problems';

type LoadState =
  | { readonly phase: 'loading' }
  | { readonly phase: 'failed'; readonly problem: Problem }
  | { readonly phase: 'expired'; readonly session: ConsentSession }
  | { readonly phase: 'ready'; readonly session: ConsentSession };

/** The consent page: loads the pending consent for `login_id`, then lets the customer allow or cancel it. */
export function ConsentView({
  apiBaseUrl,
  loginId,
  loginState,
  privacyPolicyUrl,
}: {
  apiBaseUrl: string;
  loginId: string;
  loginState: string;
  /** The bank's privacy policy, which the customer agrees to before Allow (tenant branding). */
  privacyPolicyUrl?: string | null;
}) {
  const api = useMemo(() => consentSessionApi(apiBaseUrl, loginId, loginState), [apiBaseUrl, loginId, loginState]);
  const [state, setState] = useState<LoadState>({ phase: 'loading' });

  useEffect(() => {
    const abort = new AbortController();
    api.load(abort.signal).then(
      (session) => setState({ phase: 'ready', session }),
      (error: unknown) => {
        if (!abort.signal.aborted) setState({ phase: 'failed', problem: describeProblem(error) });
      },
    );
    return () => abort.abort();
  }, [api]);

  if (state.phase === 'loading') return <Status>Loading the details of this request…</Status>;
  if (state.phase === 'failed') return <Failed problem={state.problem} />;
  if (state.phase === 'expired') return <Expired session={state.session} />;
  if (state.session.status !== 'AwaitingAuthorisation') {
    return (
      <Failed
        problem={{
          title: 'This request has already been answered',
          detail: 'There is nothing more to do. Go back to the app you came from.',
          final: true,
        }}
      />
    );
  }
  return (
    <ConsentForm
      session={state.session}
      api={api}
      privacyPolicyUrl={privacyPolicyUrl}
      onFinalProblem={(problem) => setState({ phase: 'failed', problem })}
      onExpired={() => setState({ phase: 'expired', session: state.session })}
    />
  );
}

function Failed({ problem }: { problem: Problem }) {
  return (
    <>
      <h1>Share your account information</h1>
      <Alert title={problem.title}>{problem.detail}</Alert>
    </>
  );
}

/** The login session ran out: nothing was shared; the way back tells the fintech (access_denied, its state). */
function Expired({ session }: { session: ConsentSession }) {
  const clientName = session.client.client_name;
  return (
    <>
      <h1>Your session has ended</h1>
      <Alert title="Nothing was shared">
        For your security, we end a request that is not answered in time. {clientName} has not been given access to your
        information.
      </Alert>
      {session.return_on_expiry && (
        <p>
          <a className="button button--primary" href={session.return_on_expiry}>
            Return to {clientName}
          </a>
        </p>
      )}
    </>
  );
}
