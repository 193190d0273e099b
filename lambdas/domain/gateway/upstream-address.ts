/**
 * Which hosts an upstream URL may point to (server-side request forgery guard). An upstream is an `https`
 * URL whose host is a DNS name (never an IP literal) resolving only to public unicast addresses: loopback,
 * link-local (169.254.0.0/16, where the instance metadata service answers), private, carrier-grade NAT,
 * unique-local, multicast and reserved ranges are refused. The check runs at registration and again at
 * every connection, inside the socket's own DNS lookup: the address checked is the address connected to,
 * so a name that re-resolves to an internal address later (DNS rebinding) is refused too.
 *
 * `privateHosts` lists DNS names that may resolve to non-public addresses (a deployment's explicit
 * allowlist; the sandbox sets `localhost` for its local backends). It never admits an IP literal.
 */
import { type LookupAddress, lookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Two lists: one BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules too.
const NOT_PUBLIC_V4 = new BlockList();
const NOT_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. 169.254.169.254 (instance metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
] as const) {
  NOT_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::ffff:0:0', 96], // IPv4-mapped: would reach any IPv4 address, public DNS never answers with it
  ['64:ff9b::', 96], // NAT64: reaches IPv4 addresses through a translator
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');
}

/** True for a public unicast IPv4/IPv6 address; false for anything else, including non-addresses. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !NOT_PUBLIC_V4.check(address, 'ipv4') : !NOT_PUBLIC_V6.check(address, 'ipv6');
}

export interface UpstreamHostPolicy {
  /** DNS names (lower case) allowed to resolve to non-public addresses. */
  readonly privateHosts: ReadonlySet<string>;
}

/** An upstream host the policy refuses; the message names the host and why, never a secret. */
export class UpstreamHostRefused extends Error {
  override readonly name = 'UpstreamHostRefused';
  readonly code = 'EUPSTREAMREFUSED';
}

/** The URL's host without IPv6 brackets, lower case. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();

/** Why `url` can never be an upstream (scheme, IP literal, credentials), or undefined. Needs no DNS. */
export function upstreamUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'https:') return 'upstream URLs must be https';
  if (isIP(hostOf(parsed)) !== 0) return 'the upstream host must be a DNS name, not an IP address';
  if (parsed.username || parsed.password) return 'the upstream URL must not carry credentials';
  return undefined;
}

type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    lookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/** Every address `hostname` resolves to, each allowed by the policy; else UpstreamHostRefused. */
export async function resolveUpstreamHost(
  hostname: string,
  policy: UpstreamHostPolicy,
  resolve: Resolve = systemResolve,
): Promise<LookupAddress[]> {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host) !== 0) throw new UpstreamHostRefused(`${host} is an IP address, not a DNS name`);
  const addresses = await resolve(host);
  if (addresses.length === 0) throw new UpstreamHostRefused(`${host} does not resolve`);
  if (!policy.privateHosts.has(host)) {
    // One internal address is enough to refuse: the connection could be made to any of them.
    const internal = addresses.find((a) => !isPublicAddress(a.address));
    if (internal) throw new UpstreamHostRefused(`${host} resolves to the non-public address ${internal.address}`);
  }
  return addresses;
}

/** Registration check: the URL is acceptable and its host resolves only to allowed addresses. */
export async function checkUpstreamUrl(url: string, policy: UpstreamHostPolicy, resolve?: Resolve): Promise<void> {
  const problem = upstreamUrlProblem(url);
  if (problem) throw new UpstreamHostRefused(problem);
  try {
    await resolveUpstreamHost(new URL(url).hostname, policy, resolve);
  } catch (error) {
    if (error instanceof UpstreamHostRefused) throw error;
    throw new UpstreamHostRefused(`${hostOf(new URL(url))} does not resolve`);
  }
}

/**
 * A `lookup` for sockets (https.Agent / tls.connect): resolves, checks every address, and hands the socket
 * exactly the checked addresses, so the connection is pinned to what was checked.
 */
export function guardedLookup(policy: UpstreamHostPolicy, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolveUpstreamHost(hostname, policy, resolve).then(
      (all) => {
        const wanted =
          options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        if (wanted.length === 0) {
          callback(
            Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
        } else if (options.all) {
          (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, wanted);
        } else {
          callback(null, wanted[0]!.address, wanted[0]!.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
