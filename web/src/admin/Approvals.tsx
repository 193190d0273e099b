/**
 * Approvals: what fintechs submitted in the developer portal (sign-ups, applications, API applications),
 * oldest first, with Approve, Return (a comment is required) and Deny. Each decision is confirmed in a dialog,
 * audited, and shown in the fintech's Status.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import { ApiError } from '../api/http';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { type ReviewEvent, ReviewHistory } from '../components/ReviewHistory';
import { CallFailed, Status } from '../layout/Notice';
import type { ConsoleApi } from './api';

export type Decision = 'approve' | 'return' | 'deny';

export interface Review {
  readonly review_id: string;
  readonly type: 'sign-up' | 'application' | 'api-application';
  readonly developer: string;
  readonly organisation: string;
  readonly state: string;
  readonly submitted_at: string;
  readonly submitted: Record<string, unknown>;
  readonly history: readonly ReviewEvent[];
}

const TYPES = [
  { type: 'sign-up', label: 'Sign-up' },
  { type: 'application', label: 'Application' },
  { type: 'api-application', label: 'API application' },
] as const;

const DECISION_TEXT: Record<Decision, { button: string; question: string; done: string }> = {
  approve: { button: 'Approve', question: 'Approve this submission?', done: 'approved' },
  return: { button: 'Return', question: 'Return this submission with your comment?', done: 'returned' },
  deny: { button: 'Deny', question: 'Deny this submission? The fintech cannot resubmit it.', done: 'denied' },
};

const when = (iso: string) =>
  `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export function Approvals({ api }: { api: ConsoleApi }) {
  const [reload, setReload] = useState(0);
  const [state, setState] = useState<{ items?: readonly Review[]; error?: unknown }>({});
  const [done, setDone] = useState<string>();

  useEffect(() => {
    const abort = new AbortController();
    api.reviews(abort.signal).then(
      ({ items }) => setState({ items }),
      (error: unknown) => !abort.signal.aborted && setState({ error }),
    );
    return () => abort.abort();
  }, [api, reload]);

  if (state.error) return <CallFailed error={state.error} action="show the approvals queue" />;
  if (!state.items) return <Status>Loading…</Status>;
  return (
    <>
      {done && <Status>{done}</Status>}
      {TYPES.map(({ type, label }) => {
        const items = state.items!.filter((review) => review.type === type);
        return (
          <section key={type} aria-label={label}>
            <h2>
              {label} ({items.length})
            </h2>
            {items.length === 0 ? (
              <p>Nothing waits for a decision.</p>
            ) : (
              items.map((review) => (
                <ReviewCard
                  key={review.review_id}
                  api={api}
                  review={review}
                  label={label}
                  onDecided={(text) => {
                    setDone(text);
                    setReload(reload + 1);
                  }}
                />
              ))
            )}
          </section>
        );
      })}
    </>
  );
}

function ReviewCard({
  api,
  review,
  label,
  onDecided,
}: {
  api: ConsoleApi;
  review: Review;
  label: string;
  onDecided: (text: string) => void;
}) {
  const [comment, setComment] = useState('');
  const [asking, setAsking] = useState<Decision>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>();
  const [commentError, setCommentError] = useState<string>();
  const commentId = useId();
  const headingId = useId();

  function ask(decision: Decision, event?: FormEvent) {
    event?.preventDefault();
    if (decision === 'return' && !comment.trim()) {
      setCommentError('Write a comment: the fintech needs to know what to change.');
      return;
    }
    setCommentError(undefined);
    setAsking(decision);
  }

  async function decide(decision: Decision) {
    setBusy(true);
    setProblem(undefined);
    try {
      await api.decide(review.review_id, decision, comment.trim() || undefined);
      setAsking(undefined);
      onDecided(`${label} of ${review.organisation} (${review.developer}) ${DECISION_TEXT[decision].done}.`);
    } catch (error) {
      setAsking(undefined);
      setProblem(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="review" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {review.organisation} ({review.developer}), submitted {when(review.submitted_at)}
      </h3>
      <dl>
        {Object.entries(review.submitted).map(([field, value]) => (
          <div key={field}>
            <dt>{field.replaceAll('_', ' ')}</dt>
            <dd>
              {Array.isArray(value) ? (
                <ul>
                  {value.map((item) => (
                    <li key={shown(item)}>
                      {typeof item === 'object' && item !== null && 'name' in item
                        ? `${String(item.name)}: ${String((item as { method?: string }).method)} ${String((item as { path?: string }).path)}`
                        : shown(item)}
                    </li>
                  ))}
                </ul>
              ) : (
                shown(value)
              )}
            </dd>
          </div>
        ))}
      </dl>
      {review.history.length > 1 && (
        <details>
          <summary>History</summary>
          <ReviewHistory history={review.history} when={when} />
        </details>
      )}
      {problem ? (
        problem instanceof ApiError && problem.status === 409 ? (
          <CallFailed error={problem} action="record the decision: someone decided it already" />
        ) : (
          <CallFailed error={problem} action="record the decision" />
        )
      ) : null}
      <form onSubmit={(event) => ask('return', event)} noValidate>
        <div className="field">
          <label htmlFor={commentId}>Comment for the fintech</label>
          <textarea
            id={commentId}
            rows={2}
            value={comment}
            aria-invalid={commentError ? true : undefined}
            aria-describedby={commentError ? `${commentId}-error` : undefined}
            onChange={(event) => setComment(event.target.value)}
          />
          {commentError && (
            <span id={`${commentId}-error`} className="field__error">
              {commentError}
            </span>
          )}
        </div>
        <div className="review__actions">
          <button type="button" className="button button--primary" onClick={() => ask('approve')}>
            Approve
          </button>
          <button type="submit" className="button button--secondary">
            Return
          </button>
          <button type="button" className="button button--danger" onClick={() => ask('deny')}>
            Deny
          </button>
        </div>
      </form>
      {asking && (
        <ConfirmDialog
          title={DECISION_TEXT[asking].question}
          confirmLabel={DECISION_TEXT[asking].button}
          cancelLabel="Cancel"
          destructive={asking === 'deny'}
          busy={busy}
          onConfirm={() => void decide(asking)}
          onCancel={() => setAsking(undefined)}
        >
          {label} of {review.organisation} ({review.developer}).
          {comment.trim() ? ` Your comment: “${comment.trim()}”` : ''}
        </ConfirmDialog>
      )}
    </article>
  );
}
