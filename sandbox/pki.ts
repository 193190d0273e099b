/**
 * The sandbox's PKI, generated on first start and reused afterwards (never regenerated if present):
 * the TPP CA (mTLS truststore, issuer of the server certificate), the bank's separate admin CA (also in the
 * truststore; issuer of admin clients' certificates only), a server certificate for localhost, and per demo
 * client a client certificate
 * plus a PS256 signing key (private_key_jwt assertions, request objects), an RSA-OAEP-256 encryption key
 * (gateway responses encrypted to the client) and the public JWKS of both.
 * Pure WebCrypto + @peculiar/x509: no openssl shell-outs.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { formatDn } from './event';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const subtle = webcrypto.subtle;
const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const PS256_ALGORITHM = {
  name: 'RSA-PSS',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;
const DAY_MS = 24 * 3600 * 1000;

/** Subject of a certificate, from the most general attribute to the most specific. */
export interface SubjectName {
  readonly country: string;
  readonly organization: string;
  readonly commonName: string;
}

export interface KeyAndCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ClientCredentials extends KeyAndCertificate {
  readonly clientId: string;
  /** Certificate subject as API Gateway reports it, e.g. "CN=enjoy-life-tpp,O=Enjoy Life,C=TW". */
  readonly subjectDn: string;
  /** Private PS256 signing JWK (with `kid`), for private_key_jwt assertions and request objects. */
  readonly signingJwkPath: string;
  readonly signingJwk: JWK;
  /** Private RSA-OAEP-256 JWK (`use: enc`): the client decrypts gateway JWE responses with it. */
  readonly encryptionJwkPath: string;
  readonly encryptionJwk: JWK;
  readonly jwksPath: string;
  /** The public halves (signing and encryption keys), registered with the client. */
  readonly jwks: { keys: JWK[] };
}

export interface SandboxPki {
  readonly ca: { readonly certPath: string; readonly certPem: string };
  /** The bank's admin CA: admin clients are pinned to it; TPP certificates never come from it. */
  readonly adminCa: { readonly certPath: string; readonly certPem: string };
  readonly server: KeyAndCertificate;
  readonly clients: Readonly<Record<string, ClientCredentials>>;
  /** A new client certificate and key from the TPP CA (the developer portal's "Issue sandbox certificate"). */
  issueClientCertificate(subject: SubjectName): Promise<{ certPem: string; keyPem: string; subjectDn: string }>;
}

export interface ClientIdentity {
  readonly clientId: string;
  readonly subject: SubjectName;
  /** `admin`: the certificate comes from the bank's admin CA; otherwise from the TPP CA. */
  readonly issuingCa?: 'admin';
}

/** A CA able to issue certificates (the sandbox's, or another one in tests). */
export interface CertificateAuthority {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: CryptoKey;
  readonly certPem: string;
  readonly keyPem: string;
}

function jsonName(subject: SubjectName): x509.JsonName {
  // DER order is most general first; formatDn reverses it for display.
  return [{ C: [subject.country] }, { O: [subject.organization] }, { CN: [subject.commonName] }];
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function importEcPrivateKey(pem: string): Promise<CryptoKey> {
  return subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), EC_ALGORITHM, true, ['sign']);
}

function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f; // positive INTEGER
  return Buffer.from(bytes).toString('hex');
}

function validity(years: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Date.now() - DAY_MS);
  return { notBefore, notAfter: new Date(notBefore.getTime() + years * 365 * DAY_MS) };
}

export async function createCertificateAuthority(subject: SubjectName): Promise<CertificateAuthority> {
  const keys = (await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: jsonName(subject),
    keys,
    signingAlgorithm: EC_ALGORITHM,
    ...validity(10),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certificate,
    privateKey: keys.privateKey,
    certPem: certificate.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
  };
}

export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  return {
    certificate: new x509.X509Certificate(certPem),
    privateKey: await importEcPrivateKey(keyPem),
    certPem,
    keyPem,
  };
}

type Purpose = { kind: 'server'; dnsNames: string[]; ipAddresses: string[] } | { kind: 'client' };

/** Issues an ECDSA P-256 end-entity certificate signed by `ca`. */
export async function issueCertificate(
  ca: CertificateAuthority,
  subject: SubjectName,
  purpose: Purpose,
): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([
      purpose.kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    ]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
  ];
  if (purpose.kind === 'server') {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...purpose.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...purpose.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: jsonName(subject),
    issuer: ca.certificate.subjectName,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: EC_ALGORITHM,
    ...validity(5),
    extensions,
  });
  return { certPem: certificate.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** A PS256 private JWK with `kid` (its RFC 7638 thumbprint), `alg` and `use`. */
async function createSigningJwk(): Promise<JWK> {
  const keys = (await subtle.generateKey(PS256_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const { kty, n, e, d, p, q, dp, dq, qi } = (await subtle.exportKey('jwk', keys.privateKey)) as JWK;
  const kid = await calculateJwkThumbprint({ kty, n, e });
  return { kty, kid, use: 'sig', alg: 'PS256', n, e, d, p, q, dp, dq, qi };
}

const RSA_OAEP_256_ALGORITHM = {
  name: 'RSA-OAEP',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;

/** An RSA-OAEP-256 private JWK with `kid`, `alg` and `use: enc`. */
async function createEncryptionJwk(): Promise<JWK> {
  const keys = (await subtle.generateKey(RSA_OAEP_256_ALGORITHM, true, ['encrypt', 'decrypt'])) as CryptoKeyPair;
  const { kty, n, e, d, p, q, dp, dq, qi } = (await subtle.exportKey('jwk', keys.privateKey)) as JWK;
  const kid = await calculateJwkThumbprint({ kty, n, e });
  return { kty, kid, use: 'enc', alg: 'RSA-OAEP-256', n, e, d, p, q, dp, dq, qi };
}

function publicJwk({ kty, kid, use, alg, n, e }: JWK): JWK {
  return { kty, kid, use, alg, n, e };
}

async function writePrivate(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
}

/** Reads a set of files, or creates them all with `create` when any is missing or `renew` is set. */
async function reuseOrCreate<T extends Record<string, string>>(
  paths: { [K in keyof T]: string },
  create: () => Promise<T>,
  renew = false,
): Promise<T> {
  const entries = Object.entries(paths) as [keyof T, string][];
  if (!renew && entries.every(([, path]) => existsSync(path))) {
    const loaded = await Promise.all(entries.map(async ([key, path]) => [key, await readFile(path, 'utf8')] as const));
    return Object.fromEntries(loaded) as T;
  }
  const created = await create();
  for (const [key, path] of entries) {
    await writePrivate(path, created[key]!);
  }
  return created;
}

export const SANDBOX_CA_SUBJECT: SubjectName = {
  country: 'TW',
  organization: 'Bankgate Sandbox',
  commonName: 'Bankgate Sandbox CA',
};
/** The bank's own CA for its administrators' certificates (one per tenant data dir). */
export const SANDBOX_ADMIN_CA_SUBJECT: SubjectName = {
  country: 'TW',
  organization: 'Bankgate Sandbox',
  commonName: 'Bankgate Sandbox Bank Admin CA',
};
const SERVER_SUBJECT: SubjectName = { country: 'TW', organization: 'Bankgate Sandbox', commonName: 'localhost' };

/** Loads a CA from its two files, or creates both; `created` tells whether what it issued must be renewed. */
async function ensureCertificateAuthority(
  paths: { certPem: string; keyPem: string },
  subject: SubjectName,
): Promise<{ authority: CertificateAuthority; created: boolean }> {
  let created: CertificateAuthority | undefined;
  const files = await reuseOrCreate(paths, async () => {
    created = await createCertificateAuthority(subject);
    return { certPem: created.certPem, keyPem: created.keyPem };
  });
  return { authority: created ?? (await loadCertificateAuthority(files.certPem, files.keyPem)), created: !!created };
}

/**
 * Loads the sandbox PKI from `dir`, creating whatever is missing: the CA, the localhost server
 * certificate, and per client its certificate, signing JWK and JWKS.
 */
export async function ensurePki(dir: string, clients: readonly ClientIdentity[]): Promise<SandboxPki> {
  await mkdir(join(dir, 'clients'), { recursive: true });
  const caPaths = { certPem: join(dir, 'ca.pem'), keyPem: join(dir, 'ca-key.pem') };
  const tppCa = await ensureCertificateAuthority(caPaths, SANDBOX_CA_SUBJECT);
  const authority = tppCa.authority;
  // Certificates of a previous CA would no longer be trusted: a new CA renews everything it issues.
  const renew = tppCa.created;
  const adminCaPaths = { certPem: join(dir, 'admin-ca.pem'), keyPem: join(dir, 'admin-ca-key.pem') };
  const adminCa = await ensureCertificateAuthority(adminCaPaths, SANDBOX_ADMIN_CA_SUBJECT);

  const serverPaths = { certPem: join(dir, 'server.pem'), keyPem: join(dir, 'server-key.pem') };
  const server = await reuseOrCreate(
    serverPaths,
    () =>
      issueCertificate(authority, SERVER_SUBJECT, {
        kind: 'server',
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1', '::1'],
      }),
    renew,
  );

  const issued: Record<string, ClientCredentials> = {};
  for (const { clientId, subject, issuingCa } of clients) {
    const clientDir = join(dir, 'clients', clientId);
    await mkdir(clientDir, { recursive: true });
    const paths = {
      certPem: join(clientDir, 'cert.pem'),
      keyPem: join(clientDir, 'key.pem'),
      signingJwk: join(clientDir, 'signing-key.jwk.json'),
      jwks: join(clientDir, 'jwks.json'),
    };
    const issuer = issuingCa === 'admin' ? adminCa : tppCa;
    // A data dir from before the admin CA had its admin certificate from the TPP CA: reissue it.
    const wrongIssuer =
      existsSync(paths.certPem) &&
      new x509.X509Certificate(await readFile(paths.certPem, 'utf8')).issuer !== issuer.authority.certificate.subject;
    const files = await reuseOrCreate(
      paths,
      async () => {
        const { certPem, keyPem } = await issueCertificate(issuer.authority, subject, { kind: 'client' });
        const signingJwk = await createSigningJwk();
        return {
          certPem,
          keyPem,
          signingJwk: `${JSON.stringify(signingJwk, null, 2)}\n`,
          jwks: `${JSON.stringify({ keys: [publicJwk(signingJwk)] }, null, 2)}\n`,
        };
      },
      renew || issuer.created || wrongIssuer,
    );
    // Its own file set: a data dir from before encryption keys existed keeps its certificate and signing key.
    const encryptionJwkPath = join(clientDir, 'encryption-key.jwk.json');
    const encryption = await reuseOrCreate(
      { jwk: encryptionJwkPath },
      async () => ({ jwk: `${JSON.stringify(await createEncryptionJwk(), null, 2)}\n` }),
      renew,
    );
    const signingJwk = JSON.parse(files.signingJwk) as JWK;
    const encryptionJwk = JSON.parse(encryption.jwk) as JWK;
    const jwks = { keys: [publicJwk(signingJwk), publicJwk(encryptionJwk)] };
    const jwksFile = `${JSON.stringify(jwks, null, 2)}\n`;
    if (files.jwks !== jwksFile) await writePrivate(paths.jwks, jwksFile);
    issued[clientId] = {
      clientId,
      subjectDn: formatDn(new x509.X509Certificate(files.certPem).subjectName),
      certPath: paths.certPem,
      keyPath: paths.keyPem,
      certPem: files.certPem,
      keyPem: files.keyPem,
      signingJwkPath: paths.signingJwk,
      signingJwk,
      encryptionJwkPath,
      encryptionJwk,
      jwksPath: paths.jwks,
      jwks,
    };
  }

  return {
    ca: { certPath: caPaths.certPem, certPem: authority.certPem },
    adminCa: { certPath: adminCaPaths.certPem, certPem: adminCa.authority.certPem },
    server: {
      certPath: serverPaths.certPem,
      keyPath: serverPaths.keyPem,
      certPem: server.certPem,
      keyPem: server.keyPem,
    },
    clients: issued,
    async issueClientCertificate(subject) {
      const issued = await issueCertificate(authority, subject, { kind: 'client' });
      return { ...issued, subjectDn: formatDn(new x509.X509Certificate(issued.certPem).subjectName) };
    },
  };
}
