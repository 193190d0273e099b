/** The gateway's SSRF guard for upstream hosts (address ranges, DNS answers, the socket lookup that pins them) and its HTTPS transport. */
import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import type { RequestListener } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { guardedJwksFetch, MAX_JWKS_BYTES } from '../../lambdas/adapters/jwks-fetch';
import type { JwksFetch } from '../../lambdas/domain/client-keys';
import {
  httpsTransport,
  MAX_UPSTREAM_RESPONSE_BYTES,
  UpstreamResponseTooLarge,
  type UpstreamTransport,
  UpstreamUnavailable,
} from '../../lambdas/domain/gateway/upstream';
import {
  checkUpstreamUrl,
  guardedLookup,
  isPublicAddress,
  UpstreamHostRefused,
  upstreamUrlProblem,
} from '../../lambdas/domain/gateway/upstream-address';
import { createThrowawayPki } from '../support/throwaway-pki';

const NO_PRIVATE_HOSTS = { privateHosts: new Set<string>() };
const answers =
  (table: Record<string, string[]>) =>
  async (hostname: string): Promise<LookupAddress[]> =>
    (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('which addresses an upstream may have', () => {
  it('admits public unicast addresses and refuses loopback, link-local, private, unique-local and reserved ones', () => {
    expect(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'].map(isPublicAddress)).toEqual([true, true, true]);
    const internal = [
      '127.0.0.1',
      '127.8.9.10',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'fd00:ec2::254',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      'not-an-address',
    ];
    expect(internal.filter(isPublicAddress)).toEqual([]);
  });

  it('refuses plain http, IP literals (also allowlisted ones) and credentials in the URL without DNS', () => {
    expect(upstreamUrlProblem('https://core.bank.test/x')).toBeUndefined();
    expect(upstreamUrlProblem('http://core.bank.test/x')).toBe('upstream URLs must be https');
    for (const url of ['https://127.0.0.1/x', 'https://[::1]/x', 'https://169.254.169.254/', 'https://2130706433/']) {
      expect(upstreamUrlProblem(url)).toBe('the upstream host must be a DNS name, not an IP address');
    }
    expect(upstreamUrlProblem('https://user:pw@core.bank.test/')).toBe('the upstream URL must not carry credentials');
  });

  it('at registration, refuses a name with any internal address unless the deployment allowlists it', async () => {
    // Prepare
    const resolve = answers({
      'core.bank.test': ['93.184.216.34'],
      'metadata.bank.test': ['93.184.216.34', '169.254.169.254'],
      localhost: ['127.0.0.1'],
    });
    const sandbox = { privateHosts: new Set(['localhost']) };
    // Act
    const results = await Promise.allSettled([
      checkUpstreamUrl('https://core.bank.test/x', NO_PRIVATE_HOSTS, resolve),
      checkUpstreamUrl('https://metadata.bank.test/x', NO_PRIVATE_HOSTS, resolve),
      checkUpstreamUrl('https://localhost:8443/x', NO_PRIVATE_HOSTS, resolve),
      checkUpstreamUrl('https://localhost:8443/x', sandbox, resolve),
      checkUpstreamUrl('https://127.0.0.1/x', sandbox, resolve),
      checkUpstreamUrl('https://nowhere.bank.test/x', NO_PRIVATE_HOSTS, resolve),
    ]);
    // Assess
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual([
      'ok',
      'metadata.bank.test resolves to the non-public address 169.254.169.254',
      'localhost resolves to the non-public address 127.0.0.1',
      'ok',
      'the upstream host must be a DNS name, not an IP address',
      'nowhere.bank.test does not resolve',
    ]);
    expect(results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof UpstreamHostRefused)).toBe(
      true,
    );
  });

  it('at connection, hands the socket only the addresses it checked: a rebinding to an internal address is refused', async () => {
    // Prepare: the name was public at registration; now it answers with the metadata address.
    let answer = ['93.184.216.34'];
    const lookup = guardedLookup(NO_PRIVATE_HOSTS, async () => answer.map((address) => ({ address, family: 4 })));
    const connect = (options: { all?: boolean; family?: number }) =>
      new Promise<unknown>((resolve, reject) =>
        lookup('core.bank.test', options as never, (error, address, family) =>
          error ? reject(error) : resolve(options.all ? address : { address, family }),
        ),
      );
    // Act
    const first = await connect({ all: true });
    const single = await connect({});
    answer = ['169.254.169.254'];
    const rebound = await connect({ all: true }).catch((error: Error) => error);
    // Assess
    expect(first).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect(single).toEqual({ address: '93.184.216.34', family: 4 });
    expect(rebound).toBeInstanceOf(UpstreamHostRefused);
    expect((rebound as Error).message).toBe('core.bank.test resolves to the non-public address 169.254.169.254');
  });
});

/** An HTTPS server on 127.0.0.1 with a throwaway CA's certificate for localhost; counts its connections. */
async function localServer(listener: RequestListener) {
  const pki = await createThrowawayPki();
  const server = createServer({ key: pki.serverKey, cert: pki.serverCert }, listener);
  const local = {
    pki,
    origin: '',
    connections: 0,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('connection', () => {
    local.connections += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  local.origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  return local;
}

describe('the HTTPS transport to upstreams', () => {
  let local: Awaited<ReturnType<typeof localServer>>;

  beforeAll(async () => {
    local = await localServer((request, response) => {
      const size = request.url === '/big' ? MAX_UPSTREAM_RESPONSE_BYTES + 1 : 2;
      response.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(size));
    });
  });
  afterAll(() => local.close());

  const get = (transport: UpstreamTransport, path: string) =>
    transport(new URL(`${local.origin}${path}`), { method: 'GET', headers: {} });

  it('refuses, before connecting, a name resolving to loopback that the deployment does not allowlist', async () => {
    // Prepare
    const transport = httpsTransport({ policy: NO_PRIVATE_HOSTS, extraCa: local.pki.caCert });
    const before = local.connections;
    // Act
    const refused = await get(transport, '/small').catch((error: unknown) => error);
    // Assess
    expect(refused).toBeInstanceOf(UpstreamUnavailable);
    expect(refused).toMatchObject({ status: 503, reason: 'EUPSTREAMREFUSED' });
    expect(local.connections).toBe(before);
  });

  it('calls an allowlisted name and caps the answer: one byte over 1 MiB is a 502', async () => {
    // Prepare
    const transport = httpsTransport({ policy: { privateHosts: new Set(['localhost']) }, extraCa: local.pki.caCert });
    // Act
    const small = await get(transport, '/small');
    const big = await get(transport, '/big').catch((error: unknown) => error);
    // Assess
    expect(small).toMatchObject({ status: 200, contentType: 'application/json' });
    expect(Buffer.from(small.body).toString()).toBe('xx');
    expect(big).toBeInstanceOf(UpstreamResponseTooLarge);
    expect(big).toMatchObject({ status: 502, error: 'server_error' });
  });
});

describe("the GET of a client's jwks_uri", () => {
  let local: Awaited<ReturnType<typeof localServer>>;

  beforeAll(async () => {
    local = await localServer((request, response) => {
      if (request.url === '/moved') {
        response.writeHead(302, { location: 'https://169.254.169.254/' }).end();
        return;
      }
      const body = request.url === '/big' ? 'x'.repeat(MAX_JWKS_BYTES + 1) : '{"keys":[]}';
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  afterAll(() => local.close());

  const get = (fetchJwks: JwksFetch, path: string) =>
    fetchJwks(`${local.origin}${path}`, {
      method: 'GET',
      headers: new Headers(),
      redirect: 'manual',
      signal: AbortSignal.timeout(3000),
    });

  it('refuses, before connecting, a name resolving to loopback that the deployment does not allowlist', async () => {
    // Prepare
    const fetchJwks = guardedJwksFetch({ policy: NO_PRIVATE_HOSTS, extraCa: local.pki.caCert });
    const before = local.connections;
    // Act
    const refused = await get(fetchJwks, '/jwks').catch((error: unknown) => error);
    // Assess
    expect(refused).toBeInstanceOf(UpstreamHostRefused);
    expect(local.connections).toBe(before);
  });

  it('fetches from an allowlisted name, answers a redirect as it is (not followed) and caps the size at 64 KiB', async () => {
    // Prepare
    const fetchJwks = guardedJwksFetch({ policy: { privateHosts: new Set(['localhost']) }, extraCa: local.pki.caCert });
    // Act
    const jwks = await get(fetchJwks, '/jwks');
    const moved = await get(fetchJwks, '/moved');
    const big = await get(fetchJwks, '/big').catch((error: unknown) => error);
    // Assess
    expect(jwks.status).toBe(200);
    expect(await jwks.json()).toEqual({ keys: [] });
    expect(moved.status).toBe(302);
    expect(String(big)).toMatch(/more than 65536 bytes/);
  });
});
