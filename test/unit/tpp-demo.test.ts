/**
 * The demo TPP (`npm run tpp-demo`) ends an expected failure with one plain line: no manifest, a sandbox
 * that is not running. (Access denied is covered by the callback page test and the same DemoStop path.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair } from 'jose';
import { createCertificateAuthority, issueCertificate } from '../../sandbox/pki';
import { demoTpps } from '../../sandbox/seed';
import { withoutNodeVersionLine } from '../support/node-line';

jest.setTimeout(30_000);

const run = (dataDir: string) =>
  promisify(execFile)(join('node_modules', '.bin', 'tsx'), ['sandbox/tpp-demo.ts'], {
    env: { ...process.env, BANKGATE_DATA_DIR: dataDir },
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bankgate-tpp-demo-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

it('says in one line that there is no manifest and how to get one', async () => {
  const { code, stderr } = await run(join(dataDir, 'none'));
  expect(code).toBe(1);
  expect(withoutNodeVersionLine(stderr)).toEqual([
    expect.stringMatching(/^No sandbox manifest at .*: start the sandbox first \(npm start\)\.$/),
  ]);
});

it('says in one line that the sandbox is not running', async () => {
  // Prepare: a manifest whose origins point at a closed port.
  const { privateKey } = await generateKeyPair('PS256', { extractable: true });
  const file = (name: string) => join(dataDir, name);
  await writeFile(file('jwk.json'), JSON.stringify({ ...(await exportJWK(privateKey)), alg: 'PS256', kid: 'k' }));
  const ca = await createCertificateAuthority({ country: 'TW', organization: 'Test', commonName: 'Test CA' });
  const leaf = await issueCertificate(ca, demoTpps[0]!.subject, { kind: 'client' });
  await Promise.all([
    writeFile(file('ca.pem'), ca.certPem),
    writeFile(file('cert.pem'), leaf.certPem),
    writeFile(file('key.pem'), leaf.keyPem),
  ]);
  const url = `https://localhost:${await freePort()}`;
  await writeFile(
    file('sandbox.json'),
    JSON.stringify({
      issuer: url,
      mtls_base_url: url,
      ca: file('ca.pem'),
      clients: [
        { client_id: 'tsp2', cert: file('cert.pem'), key: file('key.pem'), jwk: file('jwk.json'), redirect_uris: [] },
      ],
    }),
  );
  // Act
  const { code, stderr } = await run(dataDir);
  // Assess
  expect(code).toBe(1);
  expect(withoutNodeVersionLine(stderr)).toEqual([
    'The sandbox is not running (connection refused): start it with npm start.',
  ]);
});
