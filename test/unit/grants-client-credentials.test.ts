import { clientCredentialsGrant } from '../../lambdas/domain/grants/client-credentials';
import type { GrantRequest } from '../../lambdas/domain/grants/types';
import { CERTIFICATE_KEYS, memoryTokens, NOW, THUMBPRINT, tppClient } from './grants-fakes';

const JTI = { key: { purpose: 'jti' as const, clientId: 'tpp-a', value: 'assertion-jti-1' }, expiresAt: NOW + 60 };

function prepare() {
  const tokens = memoryTokens();
  const request: GrantRequest = {
    client: tppClient({ grantTypes: ['client_credentials'] }),
    params: new Map([['scope', 'accounts']]),
    certThumbprint: THUMBPRINT,
    certificateKeys: CERTIFICATE_KEYS,
    now: NOW,
    replayClaim: JTI,
  };
  const grant = () => clientCredentialsGrant(request, { tokens, defaultTtl: 300 });
  return { tokens, grant };
}

describe('client_credentials grant', () => {
  test("claims the assertion's jti in the same write as the token", async () => {
    // Prepare
    const { tokens, grant } = prepare();

    // Act
    const response = await grant();

    // Assess
    expect(response).toMatchObject({ token_type: 'Bearer', scope: 'accounts' });
    expect(tokens.records.size).toBe(1);
    expect(tokens.claims.get('tpp-a assertion-jti-1')).toBe(JTI.expiresAt);
  });

  test('refuses a replayed assertion as invalid_client and writes no token', async () => {
    // Prepare
    const { tokens, grant } = prepare();
    await grant();

    // Act
    const replay = grant();

    // Assess
    await expect(replay).rejects.toMatchObject({
      error: 'invalid_client',
      description: expect.stringMatching(/already been used/),
    });
    expect(tokens.records.size).toBe(1);
  });
});
