import { isWellFormedCodeVerifier, pkceMatches } from '../../lambdas/domain/grants/pkce';

// RFC 7636 Appendix B.
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE S256', () => {
  it('matches the RFC 7636 example verifier to its challenge', () => {
    expect(pkceMatches(RFC_VERIFIER, RFC_CHALLENGE)).toBe(true);
  });

  it.each([
    ['another verifier', `${RFC_VERIFIER.slice(0, -1)}Y`, RFC_CHALLENGE],
    ['the challenge itself as verifier (plain method)', RFC_CHALLENGE, RFC_CHALLENGE],
    ['a truncated challenge', RFC_VERIFIER, RFC_CHALLENGE.slice(0, 42)],
  ])('refuses %s', (_name, verifier, challenge) => {
    expect(pkceMatches(verifier, challenge)).toBe(false);
  });

  it.each([
    ['43 characters', 'a'.repeat(43), true],
    ['128 characters', '~._-'.repeat(32), true],
    ['42 characters', 'a'.repeat(42), false],
    ['129 characters', 'a'.repeat(129), false],
    ['a character outside the unreserved set', `${'a'.repeat(42)}+`, false],
    ['a space', `${'a'.repeat(42)} `, false],
  ])('judges a verifier of %s', (_name, verifier, wellFormed) => {
    expect(isWellFormedCodeVerifier(verifier)).toBe(wellFormed);
  });
});
