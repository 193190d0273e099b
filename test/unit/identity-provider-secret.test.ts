/**
 * In AWS the IdP client secret stays in Secrets Manager: functions receive its ARN and read it once,
 * at the first login of a cold start.
 */
import { mockClient } from 'aws-sdk-client-mock';

const ISSUER = 'https://idp.bank.example';
const ARN = 'arn:aws:secretsmanager:eu-west-2:111111111111:secret:bankgate-idp-AbCdEf';

const discoveryDocument = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/auth`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: `${ISSUER}/jwks`,
};

type SecretsModule = typeof import('@aws-sdk/client-secrets-manager');
type WiringModule = typeof import('../../lambdas/identity-wiring');

/** A fresh module registry per test: the process-wide identity provider and the SDK class it uses, mocked. */
async function freshAdapter() {
  let sdk!: SecretsModule;
  let composition!: WiringModule;
  await jest.isolateModulesAsync(async () => {
    sdk = await import('@aws-sdk/client-secrets-manager');
    composition = await import('../../lambdas/identity-wiring');
  });
  return {
    secrets: mockClient(sdk.SecretsManagerClient),
    GetSecretValueCommand: sdk.GetSecretValueCommand,
    identityProvider: () => composition.identityWiring.identityProvider,
  };
}

describe('wiring.identityProvider with BANKGATE_IDP_CLIENT_SECRET_ARN', () => {
  let fetchSpy: jest.SpyInstance;

  beforeEach(() => {
    process.env = {
      ...process.env,
      AWS_REGION: 'eu-west-2',
      BANKGATE_ISSUER: 'https://auth.bank.example',
      BANKGATE_MTLS_BASE_URL: 'https://mtls.bank.example',
      BANKGATE_IDP_ISSUER: ISSUER,
      BANKGATE_IDP_CLIENT_ID: 'bankgate',
      BANKGATE_IDP_CLIENT_SECRET_ARN: ARN,
    };
    delete process.env.BANKGATE_IDP_CLIENT_SECRET;
    fetchSpy = jest
      .spyOn(globalThis, 'fetch')
      .mockImplementation(
        async () =>
          new Response(JSON.stringify(discoveryDocument), { headers: { 'content-type': 'application/json' } }),
      );
  });

  afterEach(() => fetchSpy.mockRestore());

  it('reads the secret from Secrets Manager once, then starts logins', async () => {
    // Prepare
    const { secrets, GetSecretValueCommand, identityProvider } = await freshAdapter();
    secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'idp-client-secret' });
    // Act
    const first = await identityProvider().startLogin({ redirectUri: 'https://auth.bank.example/login/callback' });
    await identityProvider().startLogin({ redirectUri: 'https://auth.bank.example/login/callback' });
    // Assess
    expect(new URL(first.url).searchParams.get('client_id')).toBe('bankgate');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(first.url).not.toContain('idp-client-secret');
  });

  it('fails the login clearly when the secret is empty, and tries again on the next one', async () => {
    // Prepare
    const { secrets, GetSecretValueCommand, identityProvider } = await freshAdapter();
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: '' }).resolves({ SecretString: 'now-set' });
    // Act + Assess
    await expect(identityProvider().startLogin({ redirectUri: 'https://a.example/cb' })).rejects.toThrow(
      /client secret is empty/,
    );
    await expect(identityProvider().startLogin({ redirectUri: 'https://a.example/cb' })).resolves.toMatchObject({
      url: expect.stringContaining(`${ISSUER}/auth`),
    });
  });
});
