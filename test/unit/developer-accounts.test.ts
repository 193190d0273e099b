/**
 * Developer accounts (domain/developer/accounts.ts) and passwords (password.ts), against an in-memory
 * DeveloperStore with the same conditions as the DynamoDB one (new username, counter as read, version).
 */
import {
  type DeveloperDeps,
  FREE_ATTEMPTS,
  lockoutSeconds,
  logIn,
  resubmitSignUp,
  signUp,
} from '../../lambdas/domain/developer/accounts';
import { hashPassword, passwordProblem, verifyPassword } from '../../lambdas/domain/developer/password';
import type { DeveloperAccount, DeveloperStore, Review } from '../../lambdas/ports/developers';

// scrypt at its production cost (128 MiB, ~0.3 s a hash on one core; much slower on a loaded machine).
jest.setTimeout(180_000);

const GOOD = 'correct pony staple 42';

function memoryDevelopers() {
  const accounts = new Map<string, DeveloperAccount>();
  const reviews = new Map<string, Review>();
  const store: DeveloperStore = {
    account: async (username) => accounts.get(username),
    async signUp(account, review) {
      if (accounts.has(account.username)) return false;
      accounts.set(account.username, account);
      reviews.set(review.reviewId, review);
      return true;
    },
    async claimLoginAttempt(username, read, now, lockedUntil) {
      const account = accounts.get(username);
      if (!account || account.failedLogins !== read || account.lockedUntil > now) return false;
      accounts.set(username, { ...account, failedLogins: read + 1, lockedUntil });
      return true;
    },
    async clearLoginAttempts(username) {
      accounts.set(username, { ...accounts.get(username)!, failedLogins: 0, lockedUntil: 0 });
    },
    async resubmitSignUp(changed, review) {
      const account = accounts.get(changed.username)!;
      if (account.status !== 'returned' || reviews.get(review.reviewId)?.version !== review.version - 1) return false;
      accounts.set(changed.username, { ...account, ...changed, status: 'reviewing' });
      reviews.set(review.reviewId, review);
      return true;
    },
    async submit(review) {
      reviews.set(review.reviewId, review);
    },
    async resubmit(review) {
      const read = reviews.get(review.reviewId);
      if (read?.state !== 'returned' || read.version !== review.version - 1) return false;
      reviews.set(review.reviewId, review);
      return true;
    },
    review: async (id) => reviews.get(id),
    reviewsOf: async (developer) => [...reviews.values()].filter((r) => r.developer === developer).reverse(),
    openReviews: async () => [...reviews.values()].filter((r) => r.state === 'reviewing'),
  };
  return { store, accounts, reviews };
}

function setUp(now = 1_800_000_000) {
  const memory = memoryDevelopers();
  const clock = { now };
  const deps: DeveloperDeps = { developers: memory.store, now: () => clock.now };
  return { ...memory, deps, clock };
}

const form = (overrides: Partial<Record<string, string>> = {}) => ({
  username: 'tsp2',
  organisation: 'Enjoy Life',
  email: 'dev@enjoylife.example',
  password: GOOD,
  ...overrides,
});

describe('passwords', () => {
  it('hashes with scrypt, a salt per hash and the parameters, and verifies only the right password', async () => {
    const [a, b] = [await hashPassword(GOOD), await hashPassword(GOOD)];
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(GOOD, a)).toBe(true);
    expect(await verifyPassword(`${GOOD}!`, a)).toBe(false);
  });

  it('refuses short, common and username-based passwords', () => {
    expect(passwordProblem('short', 'tsp2')).toMatch(/at least 12/);
    expect(passwordProblem('Password1234', 'tsp2')).toMatch(/too easy/);
    expect(passwordProblem('my-tsp2-is-great', 'tsp2')).toMatch(/too easy/);
    expect(passwordProblem(GOOD, 'tsp2')).toBeUndefined();
  });
});

describe('sign-up', () => {
  it('creates a reviewing account with its sign-up review in the queue', async () => {
    const { deps, reviews } = setUp();
    const result = await signUp(deps, form());
    expect('account' in result && result.account.status).toBe('reviewing');
    const [review] = [...reviews.values()];
    expect(review).toMatchObject({ type: 'sign-up', developer: 'tsp2', state: 'reviewing', version: 1 });
    expect(review!.submitted).toEqual({ username: 'tsp2', organisation: 'Enjoy Life', email: 'dev@enjoylife.example' });
  });

  it('names each bad field', async () => {
    const { deps, accounts } = setUp();
    const result = await signUp(deps, form({ username: 'A', organisation: ' ', email: 'no', password: 'short' }));
    expect(result).toEqual({
      problems: {
        username: expect.any(String),
        organisation: expect.any(String),
        email: expect.any(String),
        password: expect.stringMatching(/12/),
      },
    });
    expect(accounts.size).toBe(0);
  });

  it('refuses a taken username (case-insensitively) without touching the first account', async () => {
    const { deps, accounts } = setUp();
    await signUp(deps, form());
    const second = await signUp(deps, form({ username: 'TSP2', organisation: 'Someone Else' }));
    expect(second).toEqual({ problems: { username: 'This username is taken. Choose another one.' } });
    expect(accounts.get('tsp2')!.organisation).toBe('Enjoy Life');
  });
});

describe('log-in', () => {
  it('answers the same (undefined) for an unknown user and a wrong password; the right one logs in', async () => {
    const { deps } = setUp();
    await signUp(deps, form());
    expect(await logIn(deps, 'nobody', GOOD)).toBeUndefined();
    expect(await logIn(deps, 'tsp2', 'wrong password here')).toBeUndefined();
    expect((await logIn(deps, 'TSP2', GOOD))?.username).toBe('tsp2');
  });

  it('delays guesses per account, doubling and capped; a success resets the counter', async () => {
    const { deps, accounts, clock } = setUp();
    await signUp(deps, form());
    for (let i = 0; i < FREE_ATTEMPTS; i++) await logIn(deps, 'tsp2', 'wrong password here');
    expect(accounts.get('tsp2')).toMatchObject({ failedLogins: FREE_ATTEMPTS, lockedUntil: clock.now + 1 });
    // Locked: even the right password is refused (and not counted) until the delay has passed.
    expect(await logIn(deps, 'tsp2', GOOD)).toBeUndefined();
    expect(accounts.get('tsp2')!.failedLogins).toBe(FREE_ATTEMPTS);
    clock.now += 1;
    expect((await logIn(deps, 'tsp2', GOOD))?.username).toBe('tsp2');
    expect(accounts.get('tsp2')).toMatchObject({ failedLogins: 0, lockedUntil: 0 });
    expect([4, 5, 6, 7, 30].map(lockoutSeconds)).toEqual([0, 1, 2, 4, 900]);
  });

  it('counts parallel guesses: of attempts racing on one counter value, only one is checked', async () => {
    const { deps, accounts } = setUp();
    await signUp(deps, form());
    const results = await Promise.all(Array.from({ length: 4 }, () => logIn(deps, 'tsp2', GOOD)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(accounts.get('tsp2')!.failedLogins).toBe(0);
  });
});

describe('resubmission', () => {
  it('puts a returned sign-up back in the queue once with the edited fields', async () => {
    const { deps, accounts, reviews } = setUp();
    await signUp(deps, form());
    const account = accounts.get('tsp2')!;
    const review = reviews.get(account.signUpReviewId)!;
    accounts.set('tsp2', { ...account, status: 'returned', comment: 'Use your company e-mail' });
    reviews.set(review.reviewId, { ...review, state: 'returned', version: 2 });
    const [first, second] = await Promise.all([
      resubmitSignUp(deps, 'tsp2', { organisation: 'Enjoy Life Ltd', email: 'tsp2@enjoylife.example' }),
      resubmitSignUp(deps, 'tsp2', { organisation: 'Enjoy Life Ltd', email: 'tsp2@enjoylife.example' }),
    ]);
    expect([first, second].filter((r) => r.conflict)).toHaveLength(1);
    expect(accounts.get('tsp2')).toMatchObject({ status: 'reviewing', organisation: 'Enjoy Life Ltd' });
    expect(reviews.get(review.reviewId)!.history.map((e) => e.event)).toEqual(['submitted', 'resubmitted']);
  });

  it('refuses when nothing was returned', async () => {
    const { deps } = setUp();
    await signUp(deps, form());
    expect(await resubmitSignUp(deps, 'tsp2', { organisation: 'X', email: 'x@example.com' })).toEqual({
      conflict: true,
    });
  });
});
