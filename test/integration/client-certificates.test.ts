/**
 * tls_client_auth against the sandbox over real mutual TLS: who a certificate is comes from its DER subject
 * and issuer, so hostile certificates from the truststore's own CA are refused, and the bank's admin client
 * is accepted only with a certificate of the bank's admin CA.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonName } from '@peculiar/x509';
import { Agent, fetch } from 'undici';
import { loadCertificateAuthority } from '../../sandbox/pki';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { issueTestCertificate, type TestCa } from '../support/throwaway-pki';

jest.setTimeout(90_000);

let sandbox: TestSandbox;
let tppCa: TestCa;
const agents: Agent[] = [];

const FINANCROO: JsonName = [{ C: ['GB'] }, { O: ['Financroo'] }, { CN: ['financroo-tpp'] }];
const BANK_ADMIN: JsonName = [{ C: ['TW'] }, { O: ['TPI Bank'] }, { CN: ['tpi-bank-admin'] }];

async function tokenRequest(
  credentials: { cert: string | Buffer; key: string | Buffer },
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const agent = new Agent({ connect: { ca: sandbox.caPem, ...credentials } });
  agents.push(agent);
  const response = await fetch(`${sandbox.manifest.mtls_base_url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
    dispatcher: agent,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A certificate the TPP CA of the truststore really issued, with exactly this subject. */
async function fromTppCa(subject: JsonName) {
  const { certPem, keyPem } = await issueTestCertificate(tppCa, subject);
  return { cert: certPem, key: keyPem };
}

const demoCredentials = (clientId: string) => {
  const { cert, key } = sandbox.client(clientId);
  return { cert: readFileSync(cert), key: readFileSync(key) };
};

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const pki = join(sandbox.dataDir, 'pki');
  tppCa = await loadCertificateAuthority(
    readFileSync(join(pki, 'ca.pem'), 'utf8'),
    readFileSync(join(pki, 'ca-key.pem'), 'utf8'),
  );
});

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await sandbox?.stop();
});

describe('tls_client_auth over mutual TLS', () => {
  it('issues a token for the registered subject, in any spelling of the same DER name', async () => {
    const ok = await tokenRequest(await fromTppCa(FINANCROO), { client_id: 'tpp-fapi1', scope: 'accounts' });
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('Bearer');
  });

  it.each([
    ['the reversed RDN order', [...FINANCROO].reverse()],
    ['one CN that spells out the registered DN', [{ CN: ['financroo-tpp,O=Financroo,C=GB'] }]],
    ['a multi-valued RDN', [{ C: ['GB'] }, { O: ['Financroo'], CN: ['financroo-tpp'] }]],
    ['an extra trailing RDN', [...FINANCROO, { OU: ['x'] }]],
    ['a look-alike Cyrillic letter', [{ C: ['GB'] }, { O: ['Financroo'] }, { CN: ['finаncroo-tpp'] }]],
  ] as [string, JsonName][])('refuses a truststore certificate with %s', async (_name, subject) => {
    const refused = await tokenRequest(await fromTppCa(subject), { client_id: 'tpp-fapi1', scope: 'accounts' });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
  });
});

describe('the bank administrators client', () => {
  it('gets an admin token with its certificate from the bank admin CA', async () => {
    const ok = await tokenRequest(demoCredentials('bank-admin'), { client_id: 'bank-admin', scope: 'admin' });
    expect(ok.status).toBe(200);
    const manifestAdminCa = readFileSync(sandbox.manifest.admin_ca, 'utf8');
    expect(manifestAdminCa).toContain('BEGIN CERTIFICATE');
  });

  it("refuses a certificate with bank-admin's subject issued by the TPP CA", async () => {
    const refused = await tokenRequest(await fromTppCa(BANK_ADMIN), { client_id: 'bank-admin', scope: 'admin' });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client' });
    expect(String(refused.body.error_description)).toMatch(/not issued by the CA this client is pinned to/);
  });
});
