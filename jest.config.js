/** Jest: @swc/jest transforms TS and the ESM-only deps (jose, middy, openid-client, ...). */
const common = {
  transform: { '^.+\\.[tj]sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  transformIgnorePatterns: [
    '/node_modules/(?!(@middy|jose|openid-client|oauth4webapi|oidc-provider|quick-lru|nanoid|@koa|koa|jsesc)/)',
  ],
  testEnvironment: 'node',
  // Output of the code under test goes to .local/test-logs/<file>.log; a failing file's log is named.
  setupFilesAfterEnv: ['<rootDir>/test/support/test-logs.ts'],
};

module.exports = {
  reporters: ['default', '<rootDir>/test/support/test-logs-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      // RSA key generation (PS256 fixtures) takes seconds on a busy 2-core CI machine; 5 s is not a bound on the code.
      testTimeout: 30_000,
    },
    { ...common, displayName: 'cdk', testMatch: ['<rootDir>/test/cdk/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      slowTestThreshold: 30,
    },
  ],
};
