/**
 * Developer accounts: a fintech signs up (the bank reviews the sign-up), logs in with its own password,
 * and resubmits a returned sign-up. Plain use-cases over injected ports, tested with in-memory fakes.
 */

import type { DeveloperAccount, DeveloperStore, Review } from '../../ports/developers';
import * as z from '../../validation';
import { newIdentifier } from '../tokens';
import { DUMMY_PASSWORD_HASH, hashPassword, passwordProblem, verifyPassword } from './password';

export interface DeveloperDeps {
  readonly developers: DeveloperStore;
  /** Epoch seconds. */
  readonly now: () => number;
}

/** Field name -> what is wrong with it, in plain language (shown next to the field). */
export type FieldProblems = Partial<Record<'username' | 'organisation' | 'email' | 'password', string>>;

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,31}$/;

const SignUpForm = z.object({
  username: z.string(),
  organisation: z.string(),
  email: z.string(),
  password: z.string(),
});
export type SignUpForm = z.output<typeof SignUpForm>;

/** Attempts without any delay; then the delay doubles per failure (1 s, 2 s, 4 s ...) up to LOCK_MAX. */
export const FREE_ATTEMPTS = 5;
export const LOCK_MAX_SECONDS = 15 * 60;

/** The one answer to every failed log-in: no hint whether the username exists or is locked. */
export const LOG_IN_REFUSED =
  'The username or password is not correct, or there were too many attempts. Check them and try again in a minute.';

function profileProblems(form: Pick<SignUpForm, 'organisation' | 'email'>): FieldProblems {
  const problems: FieldProblems = {};
  const organisation = form.organisation.trim();
  if (organisation.length === 0) problems.organisation = 'Enter the name of your organisation.';
  else if (organisation.length > 200) problems.organisation = 'Use at most 200 characters.';
  if (!z.email().safeParse(form.email.trim()).success || form.email.length > 254) {
    problems.email = 'Enter an e-mail address like name@example.com.';
  }
  return problems;
}

/** Reads the sign-up form of an untyped JSON body; every field missing is an empty one. */
export function signUpForm(body: Record<string, unknown>): SignUpForm {
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
  return SignUpForm.parse({
    username: text('username'),
    organisation: text('organisation'),
    email: text('email'),
    password: text('password'),
  });
}

export type SignUpResult = { readonly account: DeveloperAccount } | { readonly problems: FieldProblems };

export async function signUp(deps: DeveloperDeps, form: SignUpForm): Promise<SignUpResult> {
  const username = form.username.trim().toLowerCase();
  const problems = profileProblems(form);
  if (!USERNAME_PATTERN.test(username)) {
    problems.username = 'Use 3 to 32 lower-case letters, digits, dots, dashes or underscores.';
  }
  const weak = passwordProblem(form.password, username);
  if (weak) problems.password = weak;
  if (Object.keys(problems).length > 0) return { problems };
  const at = new Date(deps.now() * 1000).toISOString();
  const reviewId = newIdentifier();
  const account: DeveloperAccount = {
    username,
    organisation: form.organisation.trim(),
    email: form.email.trim(),
    passwordHash: await hashPassword(form.password),
    status: 'reviewing',
    signUpReviewId: reviewId,
    createdAt: at,
    failedLogins: 0,
    lockedUntil: 0,
  };
  const review: Review = {
    reviewId,
    type: 'sign-up',
    developer: username,
    organisation: account.organisation,
    state: 'reviewing',
    submittedAt: at,
    submitted: { username, organisation: account.organisation, email: account.email },
    history: [{ at, event: 'submitted' }],
    version: 1,
  };
  // One conditional write decides between two sign-ups racing for one username.
  if (!(await deps.developers.signUp(account, review))) {
    return { problems: { username: 'This username is taken. Choose another one.' } };
  }
  return { account };
}

/** The lock-out after `failures` counted attempts: none for the first ones, then doubling, capped. */
export function lockoutSeconds(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(2 ** (failures - FREE_ATTEMPTS), LOCK_MAX_SECONDS);
}

/**
 * Log-in: the same answer and about the same time for an unknown username, a wrong password and a running
 * lock-out (a password is always verified, against a dummy hash when there is no account to verify).
 * Lock-outs are per account, short and growing: an attacker can slow one account's guesses, never shut
 * every account out for long.
 */
export async function logIn(
  deps: DeveloperDeps,
  username: string,
  password: string,
): Promise<DeveloperAccount | undefined> {
  const now = deps.now();
  const key = username.trim().toLowerCase();
  const account = USERNAME_PATTERN.test(key) ? await deps.developers.account(key) : undefined;
  const open = account !== undefined && account.lockedUntil <= now;
  // Counted before the password is checked, so parallel guesses cannot outrun the counter.
  const claimed =
    open &&
    (await deps.developers.claimLoginAttempt(
      key,
      account.failedLogins,
      now,
      now + lockoutSeconds(account.failedLogins + 1),
    ));
  const matches = await verifyPassword(password, claimed ? account.passwordHash : DUMMY_PASSWORD_HASH);
  if (!claimed || !matches) return undefined;
  await deps.developers.clearLoginAttempts(key);
  return account;
}

/** A returned sign-up, edited: back in the bank's queue with the new organisation and e-mail. */
export async function resubmitSignUp(
  deps: DeveloperDeps,
  username: string,
  form: Pick<SignUpForm, 'organisation' | 'email'>,
): Promise<{ readonly problems?: FieldProblems; readonly conflict?: boolean }> {
  const account = await deps.developers.account(username);
  const review = account && (await deps.developers.review(account.signUpReviewId));
  if (!account || !review || account.status !== 'returned' || review.state !== 'returned') return { conflict: true };
  const problems = profileProblems(form);
  if (Object.keys(problems).length > 0) return { problems };
  const at = new Date(deps.now() * 1000).toISOString();
  const changed = { username, organisation: form.organisation.trim(), email: form.email.trim() };
  const next: Review = {
    ...review,
    state: 'reviewing',
    organisation: changed.organisation,
    submittedAt: at,
    submitted: changed,
    history: [...review.history, { at, event: 'resubmitted' }],
    version: review.version + 1,
  };
  // Conditional on the review's version: a double click or a racing decision resubmits at most once.
  return (await deps.developers.resubmitSignUp(changed, next)) ? {} : { conflict: true };
}

/** What the fintech sees of its account (never the hash or the counters). */
export const profileOf = (account: DeveloperAccount) => ({
  username: account.username,
  organisation: account.organisation,
  email: account.email,
  status: account.status,
  comment: account.comment ?? null,
  member_since: account.createdAt,
});
