import { type FormEvent, useEffect, useId, useState } from 'react';
import { ApiError } from '../api/http';
import { Alert, CallFailed, Status } from '../layout/Notice';
import type { ConsoleApi, KindUsage, TokenSettings, TokenUsage, Versioned } from './api';

const UNITS = [
  { id: 'days', label: 'days', seconds: 86_400 },
  { id: 'hours', label: 'hours', seconds: 3_600 },
  { id: 'minutes', label: 'minutes', seconds: 60 },
  { id: 'seconds', label: 'seconds', seconds: 1 },
] as const;
type Unit = (typeof UNITS)[number]['id'];

interface Duration {
  /** '' = the bank's default lifetime. */
  readonly amount: string;
  readonly unit: Unit;
}

interface Fields {
  readonly access: Duration;
  readonly accessUses: string;
  readonly refresh: Duration;
  readonly refreshUses: string;
}

/** A lifetime in the largest unit it is a whole number of. */
function durationOf(seconds: number | null): Duration {
  if (seconds === null) return { amount: '', unit: 'days' };
  const unit = UNITS.find((u) => seconds % u.seconds === 0)!;
  return { amount: String(seconds / unit.seconds), unit: unit.id };
}

const secondsOf = (d: Duration) =>
  d.amount.trim() === '' ? null : Number(d.amount) * UNITS.find((u) => u.id === d.unit)!.seconds;

const fieldsOf = (s: TokenSettings): Fields => ({
  access: durationOf(s.access_token_ttl),
  accessUses: String(s.access_token_max_uses),
  refresh: durationOf(s.refresh_token_ttl),
  refreshUses: String(s.refresh_token_max_uses),
});

function settingsOf(f: Fields): TokenSettings {
  return {
    access_token_ttl: secondsOf(f.access),
    access_token_max_uses: Number(f.accessUses),
    refresh_token_ttl: secondsOf(f.refresh),
    refresh_token_max_uses: Number(f.refreshUses),
  };
}

/** What of a change makes tokens live shorter or serve fewer uses. */
function shortenings(before: TokenSettings, after: TokenSettings): string[] {
  // From the bank's default (null) the page cannot tell: it names only what it knows gets shorter.
  const shorter = (b: number | null, a: number | null) => a !== null && b !== null && a < b;
  const fewer = (b: number, a: number) => a > 0 && (b === 0 || a < b);
  return [
    shorter(before.access_token_ttl, after.access_token_ttl) && 'access token validity',
    fewer(before.access_token_max_uses, after.access_token_max_uses) && 'access token uses',
    shorter(before.refresh_token_ttl, after.refresh_token_ttl) && 'refresh token validity',
    fewer(before.refresh_token_max_uses, after.refresh_token_max_uses) && 'refresh token uses',
  ].filter((what): what is string => typeof what === 'string');
}

function invalid(f: Fields): string | undefined {
  for (const [label, d] of [
    ['Access token validity', f.access],
    ['Refresh token validity', f.refresh],
  ] as const) {
    const n = Number(d.amount);
    if (d.amount.trim() !== '' && (!Number.isInteger(n) || n < 1))
      return `${label} must be a whole number of at least 1, or empty for the bank's default.`;
  }
  for (const [label, uses] of [
    ['Access token uses', f.accessUses],
    ['Refresh token uses', f.refreshUses],
  ] as const) {
    const n = Number(uses);
    if (uses.trim() === '' || !Number.isInteger(n) || n < 0) return `${label} must be a whole number, 0 for unlimited.`;
  }
  return undefined;
}

type Stored = Versioned<TokenSettings> & { readonly usage: TokenUsage };

const count = (n: number, one: string, many: string, complete: boolean) =>
  `${complete ? '' : 'at least '}${n} ${n === 1 ? one : many}`;

/** What the active tokens of one kind used so far: each token's quota runs over its own validity. */
function usageText(usage: KindUsage, kind: 'access' | 'refresh', complete: boolean): string {
  const noun = kind === 'access' ? 'access token' : 'refresh token';
  if (usage.active === 0) return `No active ${noun}s now.`;
  const used = kind === 'access' ? 'used' : 'refreshed';
  const busiest = usage.busiest;
  const closest =
    busiest && busiest.max_uses > 0
      ? ` The one closest to its limit: ${busiest.uses} of ${busiest.max_uses} ${kind === 'access' ? 'uses' : 'refreshes'}.`
      : '';
  return `Now ${count(usage.active, `active ${noun}`, `active ${noun}s`, complete)}, ${used} ${count(usage.uses, 'time', 'times', complete)} in all.${closest}`;
}

type Outcome =
  | { readonly kind: 'saved' }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'failed'; readonly error: unknown };

/** The "Token Setting" tab: validity (number + unit) and uses of access and refresh tokens, saved on the version read. */
export function TokenSettingsForm({ api, clientId }: { api: ConsoleApi; clientId: string }) {
  const [stored, setStored] = useState<Stored | { error: unknown } | undefined>();
  const [fields, setFields] = useState<Fields | undefined>();
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [saving, setSaving] = useState(false);
  const previewId = useId();

  useEffect(() => {
    const abort = new AbortController();
    api.tokenSettings(clientId, abort.signal).then(
      (read) => {
        setStored(read);
        setFields(fieldsOf(read.value));
      },
      (error: unknown) => !abort.signal.aborted && setStored({ error }),
    );
    return () => abort.abort();
  }, [api, clientId]);

  if (!stored) return <Status>Loading token settings…</Status>;
  if ('error' in stored) return <CallFailed error={stored.error} action="load the token settings" />;
  if (!fields) return null;
  const current = stored;
  const problem = invalid(fields);
  const shortened = problem ? [] : shortenings(current.value, settingsOf(fields));

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!fields) return;
    if (problem) {
      setOutcome({ kind: 'invalid', message: problem });
      return;
    }
    setSaving(true);
    setOutcome(undefined);
    try {
      const settings = settingsOf(fields);
      // An empty validity is the bank's default: the field is left out, not sent as null.
      const saved = await api.saveTokenSettings(
        clientId,
        current.version,
        Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== null)),
      );
      setStored({ ...saved, usage: current.usage });
      setFields(fieldsOf(saved.value));
      setOutcome({ kind: 'saved' });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // Somebody saved first: show what is stored now, so nothing is overwritten unseen.
        const now = await api.tokenSettings(clientId);
        setStored(now);
        setFields(fieldsOf(now.value));
        setOutcome({ kind: 'conflict' });
      } else if (error instanceof ApiError && error.status === 400) {
        setOutcome({ kind: 'invalid', message: error.errorDescription ?? 'The settings were not accepted.' });
      } else {
        setOutcome({ kind: 'failed', error });
      }
    } finally {
      setSaving(false);
    }
  }

  const set = (change: Partial<Fields>) => {
    setFields({ ...fields, ...change });
    setOutcome(undefined);
  };
  const usage = (maxUses: number) => (maxUses === 0 ? 'unlimited' : `${maxUses} per token`);
  const { access_tokens, refresh_tokens, complete } = current.usage;
  const active = (n: number, noun: string) => count(n, `active ${noun}`, `active ${noun}s`, complete);

  return (
    <form onSubmit={(event) => void save(event)} noValidate aria-describedby={previewId}>
      {outcome?.kind === 'conflict' && (
        <Alert title="Another administrator changed these settings">
          Your change was not saved. The settings below are the ones stored now; make your change again if it is still
          needed.
        </Alert>
      )}
      {outcome?.kind === 'invalid' && <Alert title="These settings cannot be saved">{outcome.message}</Alert>}
      {outcome?.kind === 'failed' && <CallFailed error={outcome.error} action="save the token settings" />}
      <fieldset className="settings">
        <legend>Access token</legend>
        <DurationField label="Access token validity" value={fields.access} onChange={(access) => set({ access })} />
        <UsesField
          label="Access token uses"
          value={fields.accessUses}
          now={usage(current.value.access_token_max_uses)}
          used={usageText(access_tokens, 'access', complete)}
          onChange={(accessUses) => set({ accessUses })}
        />
      </fieldset>
      <fieldset className="settings">
        <legend>Refresh token</legend>
        <DurationField label="Refresh token validity" value={fields.refresh} onChange={(refresh) => set({ refresh })} />
        <UsesField
          label="Refresh token uses"
          value={fields.refreshUses}
          now={usage(current.value.refresh_token_max_uses)}
          used={usageText(refresh_tokens, 'refresh', complete)}
          onChange={(refreshUses) => set({ refreshUses })}
        />
      </fieldset>
      <div id={previewId} className="preview">
        {shortened.length > 0 ? (
          <p>
            <strong>This change shortens the {shortened.join(', ')}.</strong> It applies to new tokens from the next
            token request on; the {active(access_tokens.active, 'access token')} and{' '}
            {active(refresh_tokens.active, 'refresh token')} keep the validity and the number of uses they were issued
            with, until they expire or are revoked.
          </p>
        ) : (
          <p>Changes apply to tokens issued from the next request on; tokens already issued keep their limits.</p>
        )}
      </div>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={saving}>
          Save
        </button>
      </div>
      {outcome?.kind === 'saved' && <Status>Token settings saved</Status>}
    </form>
  );
}

function DurationField({
  label,
  value,
  onChange,
}: {
  label: string;
  value: Duration;
  onChange: (d: Duration) => void;
}) {
  const id = useId();
  const hint = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <p id={hint} className="field__hint">
        Empty: the bank's default lifetime.
      </p>
      <div className="field__row">
        <input
          id={id}
          type="number"
          min={1}
          step={1}
          inputMode="numeric"
          aria-describedby={hint}
          value={value.amount}
          onChange={(event) => onChange({ ...value, amount: event.target.value })}
        />
        <select
          aria-label={`${label} unit`}
          value={value.unit}
          onChange={(event) => onChange({ ...value, unit: event.target.value as Unit })}
        >
          {UNITS.map((unit) => (
            <option key={unit.id} value={unit.id}>
              {unit.label}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

function UsesField(props: {
  label: string;
  value: string;
  now: string;
  used: string;
  onChange: (uses: string) => void;
}) {
  const id = useId();
  const hint = useId();
  const used = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <p id={hint} className="field__hint">
        0 is unlimited. Stored now: {props.now}.
      </p>
      <p id={used} className="field__hint">
        {props.used}
      </p>
      <input
        id={id}
        type="number"
        min={0}
        step={1}
        inputMode="numeric"
        aria-describedby={`${hint} ${used}`}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </div>
  );
}
