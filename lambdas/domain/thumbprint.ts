/**
 * A certificate's DER bytes and RFC 8705 `x5t#S256`, straight from the PEM body: every bound-token use
 * needs the thumbprint, and a full X.509 parse per request is the costliest step of a token call. Kept
 * apart from `certificate.ts` so handlers that only check a binding do not bundle the ASN.1 parser.
 */
import { createHash } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/** The DER bytes of the first certificate in a PEM text, or undefined. */
export function certificateDer(pem: string): Buffer | undefined {
  const body = PEM_CERTIFICATE.exec(pem)?.[1];
  return body ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : undefined;
}

/** RFC 8705 `x5t#S256`: base64url(sha256(DER)). */
export function derThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}
