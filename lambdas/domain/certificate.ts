/**
 * Who a presented client certificate is: read from its DER (the PEM API Gateway passes as
 * `clientCert.clientCertPem`), never from the subjectDN/issuerDN strings next to it. API Gateway has
 * already verified the chain against the truststore; this module names the certificate.
 */
import { X509Certificate } from 'node:crypto';
import { children, DerError, readTlv, TAG } from './der';
import { type DistinguishedName, fromDerName } from './dn';
import { certificateDer, derThumbprint } from './thumbprint';

export interface CertificateIdentity {
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  /** The serial number as lower-case hex of the INTEGER's value, without a sign-padding zero byte. */
  readonly serialNumber: string;
  /** RFC 8705 `x5t#S256`: base64url(sha256(DER)). */
  readonly thumbprint: string;
}

/**
 * Subject, issuer, serial number and thumbprint of a certificate (RFC 5280 §4.1: Certificate ::= SEQUENCE
 * { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, ... } }).
 * Undefined for anything that is not a well-formed certificate.
 */
export function certificateIdentity(pem: string): CertificateIdentity | undefined {
  const der = certificateDer(pem);
  if (!der) return undefined;
  try {
    const [tbs] = children(readTlv(der), TAG.SEQUENCE);
    if (!tbs) return undefined;
    const fields = children(tbs, TAG.SEQUENCE);
    if (fields[0]?.tag === TAG.CONTEXT_0) fields.shift();
    const [serial, , issuerName, , subjectName] = fields;
    if (serial?.tag !== TAG.INTEGER || serial.content.length === 0 || !issuerName || !subjectName) return undefined;
    const issuer = fromDerName(issuerName);
    const subject = fromDerName(subjectName);
    if (!issuer || !subject) return undefined;
    const serialBytes =
      serial.content.length > 1 && serial.content[0] === 0 ? serial.content.subarray(1) : serial.content;
    return { subject, issuer, serialNumber: Buffer.from(serialBytes).toString('hex'), thumbprint: derThumbprint(der) };
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}

/**
 * True when `caPem` issued the certificate: the CA's subject is the certificate's issuer and the CA's key
 * verifies its signature (node:crypto, no bundle cost). Used for issuer pins by CA certificate.
 */
export function issuedBy(pem: string, caPem: string): boolean {
  try {
    const certificate = new X509Certificate(pem);
    const ca = new X509Certificate(caPem);
    return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
  } catch {
    return false;
  }
}
