/** Client key sets are imported once per JWKS content, and a re-registered JWKS takes effect at once. */
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { clientKeySet } from '../../lambdas/domain/client-keys';

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'ES256' } };
}

const sign = (key: CryptoKey, kid: string) =>
  new SignJWT({ sub: 'tpp' }).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().sign(key);

describe('clientKeySet', () => {
  it('reuses one key set for the same JWKS content, even from another object', async () => {
    // Prepare
    const { jwk } = await signingKey('k1');
    // Act
    const first = clientKeySet({ keys: [jwk] });
    const again = clientKeySet(JSON.parse(JSON.stringify({ keys: [jwk] })));
    // Assess
    expect(again).toBe(first);
  });

  it('verifies with a rotated key and refuses the retired one once the client re-registers', async () => {
    // Prepare
    const old = await signingKey('rotating');
    const next = await signingKey('rotating');
    const oldToken = await sign(old.privateKey, 'rotating');
    const nextToken = await sign(next.privateKey, 'rotating');
    await expect(jwtVerify(oldToken, clientKeySet({ keys: [old.jwk] }))).resolves.toBeDefined();
    // Act
    const rotated = clientKeySet({ keys: [next.jwk] });
    // Assess
    await expect(jwtVerify(nextToken, rotated)).resolves.toBeDefined();
    await expect(jwtVerify(oldToken, rotated)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});
