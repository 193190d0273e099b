/** The client's authentication requirements (prompt, max_age, essential acr) against what the bank's IdP returned. */

import {
  checkAuthentication,
  clientErrorForIdpError,
  idpLoginParameters,
  parseAcrRequest,
  parsePrompt,
} from '../../lambdas/domain/authentication-requirements';
import type { AuthorizationRequest } from '../../lambdas/domain/authorization';

const SCA = 'urn:openbanking:psd2:sca';
const NOW = 1_800_000_000;
const request = (extra: Partial<AuthorizationRequest> = {}): AuthorizationRequest => ({
  clientId: 'tsp2',
  redirectUri: 'https://tpp.example/cb',
  responseType: 'code',
  responseMode: 'query',
  scope: 'openid',
  codeChallenge: 'x'.repeat(43),
  codeChallengeMethod: 'S256',
  ...extra,
});
const errorOf = (act: () => void) => {
  try {
    act();
    return undefined;
  } catch (error) {
    return (error as { error: string }).error;
  }
};

describe('parsing the requirements', () => {
  it('accepts known prompt values, refuses unknown ones and none combined with another', () => {
    expect(parsePrompt('login consent')).toEqual(['login', 'consent']);
    expect(parsePrompt(undefined)).toBeUndefined();
    expect(errorOf(() => parsePrompt('none login'))).toBe('invalid_request');
    expect(errorOf(() => parsePrompt('always'))).toBe('invalid_request');
  });

  it('reads the essential acr from the claims parameter, the voluntary one from acr_values', () => {
    expect(parseAcrRequest({ essential: true, values: [SCA] }, undefined)).toEqual({
      acrValues: [SCA],
      acrEssential: true,
    });
    expect(parseAcrRequest(undefined, `${SCA} urn:openbanking:psd2:ca`)).toEqual({
      acrValues: [SCA, 'urn:openbanking:psd2:ca'],
    });
    expect(errorOf(() => parseAcrRequest({ essential: true, value: 'urn:example:loa:4' }, undefined))).toBe(
      'unmet_authentication_requirements',
    );
  });

  it('forwards acr, prompt (not consent: the consent page is Bankgate’s) and max_age to the IdP', () => {
    expect(idpLoginParameters(request({ acrValues: [SCA], prompt: ['login', 'consent'], maxAge: 0 }))).toEqual({
      acrValues: SCA,
      prompt: 'login',
      maxAge: 0,
    });
    expect(idpLoginParameters(request({ prompt: ['consent'] }))).toEqual({});
  });
});

describe('checking what the IdP returned', () => {
  const at = { startedAt: NOW - 30, now: NOW };

  it('passes a sign-in that meets every requirement', () => {
    const strict = request({ acrValues: [SCA], acrEssential: true, maxAge: 60, prompt: ['login'] });
    expect(() => checkAuthentication(strict, { acr: SCA, authTime: NOW - 20 }, at)).not.toThrow();
  });

  it('refuses another acr, an older sign-in than max_age, a reused session despite prompt=login', () => {
    const unmet = 'unmet_authentication_requirements';
    const essential = request({ acrValues: [SCA], acrEssential: true });
    expect(errorOf(() => checkAuthentication(essential, { acr: 'urn:openbanking:psd2:ca', authTime: NOW }, at))).toBe(
      unmet,
    );
    expect(errorOf(() => checkAuthentication(essential, { authTime: NOW }, at))).toBe(unmet);
    expect(errorOf(() => checkAuthentication(request({ maxAge: 60 }), { authTime: NOW - 600 }, at))).toBe(unmet);
    expect(errorOf(() => checkAuthentication(request({ prompt: ['login'] }), { authTime: NOW - 600 }, at))).toBe(unmet);
    // A voluntary acr is a wish: another one passes.
    const voluntary = request({ acrValues: [SCA] });
    expect(() => checkAuthentication(voluntary, { acr: 'urn:openbanking:psd2:ca', authTime: NOW }, at)).not.toThrow();
  });

  it('answers prompt=none with interaction_required once signed in: the consent page cannot be skipped', () => {
    expect(errorOf(() => checkAuthentication(request({ prompt: ['none'] }), { authTime: NOW - 600 }, at))).toBe(
      'interaction_required',
    );
  });

  it('relays the IdP’s prompt=none errors, and reads them as a cancelled sign-in otherwise', () => {
    expect(clientErrorForIdpError('login_required', request({ prompt: ['none'] }))?.error).toBe('login_required');
    expect(clientErrorForIdpError('login_required', request())?.error).toBe('access_denied');
    expect(clientErrorForIdpError('access_denied', request())?.error).toBe('access_denied');
    expect(clientErrorForIdpError('server_error', request())).toBeUndefined();
  });
});
