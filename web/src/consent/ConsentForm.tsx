import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { ConsentSession, ConsentSessionApi, CustomerAccount, Decision, ScopeGroup } from '../api/consent-session';
import { Alert, Status } from '../layout/Notice';
import { describeAccount, grantedScopes } from './choice';
import { describeExpiry, describeRemaining, describeTransactionWindow } from './dates';
import { describePermissions } from './permissions';
import { describeProblem, type Problem } from './problems';

type Submission =
  | { readonly phase: 'idle'; readonly problem?: Problem }
  | { readonly phase: 'sending' }
  | { readonly phase: 'leaving' };

interface ConsentFormProps {
  readonly session: ConsentSession;
  readonly api: ConsentSessionApi;
  /** The bank's privacy policy: when set, the customer must agree to it before Allow. */
  readonly privacyPolicyUrl?: string | null;
  /** The session is gone (expired, unknown): the view replaces the form with the problem. */
  readonly onFinalProblem: (problem: Problem) => void;
  /** The login session ran out while the page was open. */
  readonly onExpired: () => void;
}

/** The warning comes this long before the session ends (OBIE CEG: tell customers before a time-out). */
const WARNING_SECONDS = 120;

/** What the fintech asks for, the customer's choices, and the Allow / Cancel decision. */
export function ConsentForm({ session, api, privacyPolicyUrl, onFinalProblem, onExpired }: ConsentFormProps) {
  const clientName = session.client.client_name;
  const scopeGroups = session.scope_groups ?? [];
  const [chosenAccounts, setChosenAccounts] = useState<ReadonlySet<string>>(new Set());
  // Nothing is pre-ticked: the customer chooses each service herself (OBIE CEG).
  const [tickedGroups, setTickedGroups] = useState<ReadonlySet<string>>(new Set());
  const [privacyAgreed, setPrivacyAgreed] = useState(false);
  const [submission, setSubmission] = useState<Submission>({ phase: 'idle' });
  const remaining = useRemainingSeconds(session.session_expires_at, onExpired);
  // State updates land on the next render; the ref stops a second click that arrives before it.
  const inFlight = useRef(false);
  const hintId = useId();

  const busy = submission.phase !== 'idle';
  const noAccountChosen = chosenAccounts.size === 0;
  // Without a consent (services only), at least one service must be chosen too.
  const noServiceChosen = session.permissions.length === 0 && scopeGroups.length > 0 && tickedGroups.size === 0;
  const mustAgree = Boolean(privacyPolicyUrl) && !privacyAgreed;
  const hint = noAccountChosen
    ? 'Choose at least one account to continue.'
    : noServiceChosen
      ? 'Choose at least one service to continue.'
      : mustAgree
        ? 'Agree to the Privacy Policy to continue.'
        : undefined;

  async function decide(send: () => Promise<Decision>) {
    if (inFlight.current) return;
    inFlight.current = true;
    setSubmission({ phase: 'sending' });
    try {
      const { redirect_to } = await send();
      setSubmission({ phase: 'leaving' });
      window.location.assign(redirect_to);
    } catch (error) {
      inFlight.current = false;
      const problem = describeProblem(error);
      if (problem.final) onFinalProblem(problem);
      else setSubmission({ phase: 'idle', problem });
    }
  }

  function allow(event: FormEvent) {
    event.preventDefault();
    if (hint) return;
    const accountIds = session.accounts.map((a) => a.account_id).filter((id) => chosenAccounts.has(id));
    void decide(() =>
      api.accept({ grantedScopes: grantedScopes(session.requested_scopes, scopeGroups, tickedGroups), accountIds }),
    );
  }

  return (
    <form className="consent" onSubmit={allow} aria-busy={busy}>
      <div className="consent__intro">
        <ClientLogo logoUri={session.client.logo_uri} />
        <h1>{clientName} wants to access your account information</h1>
      </div>
      {session.client.agent_name && <p className="consent__agent">On behalf of {session.client.agent_name}</p>}
      <SessionTime remaining={remaining} />
      <p className="lead">
        Hello {session.customer_name}. {clientName} is asking to see information from your accounts. It will not be able
        to move money or make payments.
      </p>

      <RequestedData session={session} />

      {scopeGroups.length > 0 && (
        <ScopeGroupChoice
          clientName={clientName}
          groups={scopeGroups}
          ticked={tickedGroups}
          disabled={busy}
          onChange={setTickedGroups}
        />
      )}

      <AccountChoice accounts={session.accounts} chosen={chosenAccounts} disabled={busy} onChange={setChosenAccounts} />

      {privacyPolicyUrl && (
        <div className="card choices">
          <PrivacyAgreement
            url={privacyPolicyUrl}
            checked={privacyAgreed}
            disabled={busy}
            onChange={setPrivacyAgreed}
          />
        </div>
      )}

      {submission.phase === 'idle' && submission.problem && (
        <Alert title={submission.problem.title}>{submission.problem.detail}</Alert>
      )}
      {submission.phase === 'sending' && <Status>Sending your answer…</Status>}
      {submission.phase === 'leaving' && <Status>Returning you to {clientName}…</Status>}

      <div className="actions">
        {hint && (
          <p className="actions__hint" id={hintId}>
            {hint}
          </p>
        )}
        <button
          type="submit"
          className="button button--primary"
          disabled={busy || hint !== undefined}
          aria-describedby={hint ? hintId : undefined}
        >
          Allow
        </button>
        <button
          type="button"
          className="button button--secondary"
          disabled={busy}
          onClick={() => void decide(api.reject)}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Shown only from https: the logo is the fintech's registered metadata, not the bank's content. */
function ClientLogo({ logoUri }: { logoUri: string | null }) {
  if (!logoUri?.startsWith('https://')) return null;
  return <img className="consent__logo" src={logoUri} alt="" width={56} height={56} referrerPolicy="no-referrer" />;
}

/** Seconds until the server's session expiry, ticking; calls `onExpired` once when it reaches zero. */
function useRemainingSeconds(expiresAt: string | null | undefined, onExpired: () => void): number | undefined {
  const deadline = expiresAt ? Date.parse(expiresAt) : Number.NaN;
  const left = () => (Number.isNaN(deadline) ? undefined : Math.max(0, Math.round((deadline - Date.now()) / 1000)));
  const [remaining, setRemaining] = useState(left);
  const expired = useRef(onExpired);
  expired.current = onExpired;
  useEffect(() => {
    if (Number.isNaN(deadline)) return;
    const timer = setInterval(() => {
      const now = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      setRemaining(now);
      if (now === 0) {
        clearInterval(timer);
        expired.current();
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [deadline]);
  return remaining;
}

/**
 * The time left, always visible; screen readers are not told every second, but hear the one warning
 * (role="alert") two minutes before the end.
 */
function SessionTime({ remaining }: { remaining: number | undefined }) {
  if (remaining === undefined) return null;
  return (
    <>
      <p className="session-time">
        Time left to answer: <strong>{describeRemaining(remaining)}</strong>
      </p>
      {remaining <= WARNING_SECONDS && (
        <div className="notice notice--warning" role="alert">
          <h2 className="notice__title">Your session is about to end</h2>
          <p>
            For your security, this request ends in {describeRemaining(Math.ceil(remaining / 60) * 60)}. Choose Allow or
            Cancel before then.
          </p>
        </div>
      )}
    </>
  );
}

function RequestedData({ session }: { session: ConsentSession }) {
  const headingId = useId();
  const clusters = describePermissions(session.permissions, {
    sortCodes: session.accounts.some((account) => account.has_sort_code),
  });
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>What {session.client.client_name} will see</h2>
      {clusters.length === 0 && <p>No account information: only the services you choose below.</p>}
      {clusters.map((cluster) => (
        <details className="cluster" key={cluster.id}>
          <summary>
            <h3>{cluster.title}</h3>
          </summary>
          <ul>
            {cluster.items.map((item) => (
              <li key={item}>{item}</li>
            ))}
          </ul>
        </details>
      ))}
      <div className="cluster">
        <h3>How long access lasts</h3>
        <p>{describeExpiry(session.expiration_date_time)}</p>
        {clusters.some((cluster) => cluster.id === 'transactions') && (
          <p>{describeTransactionWindow(session.transaction_from_date_time, session.transaction_to_date_time)}</p>
        )}
        <p className="cluster__note">
          <a href="../account/">You can cancel access at any time</a> in Connected apps in your online banking.
        </p>
      </div>
    </section>
  );
}

function PrivacyAgreement(props: {
  url: string;
  checked: boolean;
  disabled: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="choice">
      <input
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <span className="choice__text">
        <span className="choice__name">
          I have read and agreed to the{' '}
          <a href={props.url} target="_blank" rel="noreferrer">
            Privacy Policy
          </a>
        </span>
      </span>
    </label>
  );
}

function toggled(set: ReadonlySet<string>, id: string, on: boolean): ReadonlySet<string> {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

interface ScopeGroupChoiceProps {
  readonly clientName: string;
  readonly groups: readonly ScopeGroup[];
  readonly ticked: ReadonlySet<string>;
  readonly disabled: boolean;
  readonly onChange: (ticked: ReadonlySet<string>) => void;
}

function ScopeGroupChoice({ clientName, groups, ticked, disabled, onChange }: ScopeGroupChoiceProps) {
  return (
    <fieldset className="card choices">
      <legend>Services {clientName} can use</legend>
      {groups.map((group) => (
        <CheckboxRow
          key={group.id}
          name={group.label}
          description={group.description}
          checked={ticked.has(group.id)}
          disabled={disabled}
          onChange={(on) => onChange(toggled(ticked, group.id, on))}
        />
      ))}
    </fieldset>
  );
}

interface AccountChoiceProps {
  readonly accounts: readonly CustomerAccount[];
  readonly chosen: ReadonlySet<string>;
  readonly disabled: boolean;
  readonly onChange: (chosen: ReadonlySet<string>) => void;
}

function AccountChoice({ accounts, chosen, disabled, onChange }: AccountChoiceProps) {
  const all = accounts.length > 0 && accounts.every((account) => chosen.has(account.account_id));
  const some = !all && accounts.some((account) => chosen.has(account.account_id));
  return (
    <fieldset className="card choices">
      <legend>Choose the accounts to share</legend>
      {accounts.length === 0 && <p>You have no accounts that can be shared.</p>}
      {accounts.length > 1 && (
        <CheckboxRow
          name="Select all"
          checked={all}
          mixed={some}
          disabled={disabled}
          onChange={(on) => onChange(new Set(on ? accounts.map((account) => account.account_id) : []))}
        />
      )}
      {accounts.map((account) => (
        <CheckboxRow
          key={account.account_id}
          name={
            <>
              {account.nickname} <span className="choice__number">{account.masked_number}</span>
            </>
          }
          description={describeAccount(account)}
          checked={chosen.has(account.account_id)}
          disabled={disabled}
          onChange={(on) => onChange(toggled(chosen, account.account_id, on))}
        />
      ))}
    </fieldset>
  );
}

/** A whole-row click target whose accessible name is `name` alone; the description is read as a description. */
function CheckboxRow(props: {
  name: ReactNode;
  description?: string;
  checked: boolean;
  /** Some but not all of what it stands for is chosen ("Select all"): shown and announced as mixed. */
  mixed?: boolean;
  disabled: boolean;
  onChange: (checked: boolean) => void;
}) {
  const nameId = useId();
  const descriptionId = useId();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (input.current) input.current.indeterminate = Boolean(props.mixed);
  }, [props.mixed]);
  return (
    <label className="choice">
      <input
        ref={input}
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        aria-labelledby={nameId}
        aria-describedby={props.description ? descriptionId : undefined}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <span className="choice__text">
        <span className="choice__name" id={nameId}>
          {props.name}
        </span>
        {props.description && (
          <span className="choice__description" id={descriptionId}>
            {props.description}
          </span>
        )}
      </span>
    </label>
  );
}
