/** A throwaway CA and a localhost server certificate, made per test run so tests need no sandbox PKI on disk. */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { Name as AsnName, AttributeTypeAndValue, AttributeValue, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

export interface ThrowawayPki {
  readonly caCert: string;
  readonly serverKey: string;
  readonly serverCert: string;
}

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export async function createThrowawayPki(): Promise<ThrowawayPki> {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3600_000);

  const caKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Throwaway Test CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });

  const serverKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });

  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    caCert: ca.toString('pem'),
    serverKey: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
    serverCert: server.toString('pem'),
  };
}

export interface TestCa {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: CryptoKey;
  readonly certPem: string;
}

/** A throwaway CA named `name` (RFC 4514 string or @peculiar/x509 JSON name). */
export async function createTestCa(name: string | x509.JsonName): Promise<TestCa> {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  return { certificate, privateKey: keys.privateKey, certPem: certificate.toString('pem') };
}

const TEST_OIDS: Record<string, string> = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  DC: '0.9.2342.19200300.100.1.25',
};

/**
 * A Name holding exactly these values, as UTF8Strings: @peculiar/x509's own JSON names re-parse values as
 * DN text, which would unescape or drop the very characters a hostile-name test needs.
 */
function exactName(name: x509.JsonName): x509.Name {
  const rdns = name.map(
    (rdn) =>
      new RelativeDistinguishedName(
        Object.entries(rdn).flatMap(([type, values]) =>
          values.map(
            (value) =>
              new AttributeTypeAndValue({
                type: TEST_OIDS[type] ?? type,
                value: new AttributeValue({ utf8String: value }),
              }),
          ),
        ),
      ),
  );
  return new x509.Name(new AsnName(rdns));
}

/**
 * A client certificate issued by `ca` with exactly the subject given — hostile ones included: a JSON name
 * lists RDNs in DER order (most general first), each RDN an object of attribute type (C, O, OU, CN, DC or
 * a dotted OID) to values.
 */
export async function issueTestCertificate(
  ca: TestCa,
  subject: x509.JsonName,
  serialNumber = '0a1b2c',
): Promise<{ certPem: string; keyPem: string }> {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: exactName(subject),
    issuer: ca.certificate.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: algorithm,
    extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: certificate.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}
