import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { halfHash, mintIdToken, REFRESH_TOKEN_EXPIRES_AT_CLAIM } from '../../lambdas/domain/id-token';
import { ISSUER, localKeyService, NOW } from './grants-fakes';

describe('halfHash', () => {
  it.each([
    // OpenID Connect Core 1.0, Appendix A.4 (c_hash) and A.3 (at_hash).
    [
      'c_hash of the OIDC Core example code',
      'Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk',
      'LDktKdoQak3Pk0cnXxCltA',
    ],
    ['at_hash of the OIDC Core example token', 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', '77QmUPtjPfzWtF2AnpK9RQ'],
  ])('computes the %s', (_name, value, expected) => {
    // Act
    const hash = halfHash(value);

    // Assess
    expect(hash).toBe(expected);
  });
});

describe('mintIdToken', () => {
  const base = { issuer: ISSUER, clientId: 'tpp-a', subject: 'cust-1', now: NOW, authTime: NOW - 30 };

  it.each(['PS256', 'ES256'] as const)('signs a %s ID token that verifies with the published key', async (alg) => {
    // Prepare
    const { keys, jwks } = await localKeyService(alg);

    // Act
    const idToken = await mintIdToken(keys, { ...base, acr: 'urn:openbanking:psd2:sca', consentId: 'aac-1' });

    // Assess
    const { payload, protectedHeader } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: 'tpp-a',
      currentDate: new Date(NOW * 1000),
      algorithms: [alg],
    });
    expect(protectedHeader).toEqual({ alg, kid: `local-${alg}`, typ: 'JWT' });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: 'cust-1',
      aud: 'tpp-a',
      exp: NOW + 300,
      iat: NOW,
      auth_time: NOW - 30,
      acr: 'urn:openbanking:psd2:sca',
      openbanking_intent_id: 'aac-1',
    });
  });

  it('carries the front-channel hashes, a long nonce intact and the refresh token expiry', async () => {
    // Prepare
    const { keys, jwks } = await localKeyService('PS256');
    const nonce = 'n-'.repeat(40);
    const input = {
      ...base,
      ttl: 120,
      nonce,
      code: 'Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk',
      state: 'af0ifjsldkj',
      accessToken: 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y',
      refreshTokenExpiresAt: NOW + 86_400,
    };

    // Act
    const idToken = await mintIdToken(keys, input);

    // Assess
    const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), { currentDate: new Date(NOW * 1000) });
    expect(payload.nonce).toBe(nonce);
    expect(nonce).toHaveLength(80);
    expect(payload.exp).toBe(NOW + 120);
    expect(payload.c_hash).toBe('LDktKdoQak3Pk0cnXxCltA');
    expect(payload.at_hash).toBe('77QmUPtjPfzWtF2AnpK9RQ');
    expect(payload.s_hash).toBe(halfHash('af0ifjsldkj'));
    expect(payload[REFRESH_TOKEN_EXPIRES_AT_CLAIM]).toBe(NOW + 86_400);
  });

  it('leaves out every optional claim that has no input', async () => {
    // Prepare
    const { keys } = await localKeyService('ES256');

    // Act
    const idToken = await mintIdToken(keys, base);

    // Assess
    expect(decodeProtectedHeader(idToken).typ).toBe('JWT');
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString('utf8'));
    expect(Object.keys(claims).sort()).toEqual(['aud', 'auth_time', 'exp', 'iat', 'iss', 'sub']);
  });
});
