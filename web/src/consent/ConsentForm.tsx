import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react';
import type { ConsentSession, ConsentSessionApi, CustomerAccount, Decision, ScopeGroup } from '../api/consent-session';
import { Alert, Status } from '../layout/Notice';
import { describeAccount, grantedScopes } from './choice';
import { describeExpiry, describeTransactionWindow } from './dates';
import { describePermissions } from './permissions';
import { describeProblem, type Problem } from './problems';

type Submission =
  | { readonly phase: 'idle'; readonly problem?: Problem }
  | { readonly phase: 'sending' }
  | { readonly phase: 'leaving' };

interface ConsentFormProps {
  readonly session: ConsentSession;
  readonly api: ConsentSessionApi;
  /** The session is gone (expired, unknown): the view replaces the form with the problem. */
  readonly onFinalProblem: (problem: Problem) => void;
}

/** What the fintech asks for, the customer's choices, and the Allow / Cancel decision. */
export function ConsentForm({ session, api, onFinalProblem }: ConsentFormProps) {
  const clientName = session.client.client_name;
  const scopeGroups = session.scope_groups ?? [];
  const [chosenAccounts, setChosenAccounts] = useState<ReadonlySet<string>>(new Set());
  const [tickedGroups, setTickedGroups] = useState<ReadonlySet<string>>(() => new Set(scopeGroups.map((g) => g.id)));
  const [submission, setSubmission] = useState<Submission>({ phase: 'idle' });
  // State updates land on the next render; the ref stops a second click that arrives before it.
  const inFlight = useRef(false);
  const hintId = useId();

  const busy = submission.phase !== 'idle';
  const noAccountChosen = chosenAccounts.size === 0;

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
    if (noAccountChosen) return;
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

      {submission.phase === 'idle' && submission.problem && (
        <Alert title={submission.problem.title}>{submission.problem.detail}</Alert>
      )}
      {submission.phase === 'sending' && <Status>Sending your answer…</Status>}
      {submission.phase === 'leaving' && <Status>Taking you back to {clientName}…</Status>}

      <div className="actions">
        {noAccountChosen && (
          <p className="actions__hint" id={hintId}>
            Choose at least one account to continue.
          </p>
        )}
        <button
          type="submit"
          className="button button--primary"
          disabled={busy || noAccountChosen}
          aria-describedby={noAccountChosen ? hintId : undefined}
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

function RequestedData({ session }: { session: ConsentSession }) {
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>What {session.client.client_name} will see</h2>
      {describePermissions(session.permissions).map((cluster) => (
        <div className="cluster" key={cluster.id}>
          <h3>{cluster.title}</h3>
          <ul>
            {cluster.items.map((item) => (
              <li key={item}>{item}</li>
            ))}
          </ul>
          {cluster.id === 'transactions' && (
            <p className="cluster__note">
              {describeTransactionWindow(session.transaction_from_date_time, session.transaction_to_date_time)}
            </p>
          )}
        </div>
      ))}
      <div className="cluster">
        <h3>How long access lasts</h3>
        <p>{describeExpiry(session.expiration_date_time)}</p>
        <p className="cluster__note">You can cancel access at any time in Online Banking.</p>
      </div>
    </section>
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
  return (
    <fieldset className="card choices">
      <legend>Choose the accounts to share</legend>
      {accounts.length === 0 && <p>You have no accounts that can be shared.</p>}
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
  disabled: boolean;
  onChange: (checked: boolean) => void;
}) {
  const nameId = useId();
  const descriptionId = useId();
  return (
    <label className="choice">
      <input
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
