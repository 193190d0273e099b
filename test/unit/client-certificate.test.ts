/** The RFC 8705 certificate thumbprint read from the PEM that API Gateway forwards. */
import { createHash, X509Certificate } from 'node:crypto';
import { certificateThumbprint, clientCertificate } from '../../lambdas/http/request';
import { createThrowawayPki } from '../support/throwaway-pki';

describe('certificateThumbprint', () => {
  it('is base64url(sha256(DER)), the same as a full X.509 parse gives, whatever the PEM line breaks', async () => {
    // Prepare
    const { caCert, serverCert } = await createThrowawayPki();
    const reflowed = serverCert
      .replace(/\r?\n/g, '\r\n')
      .replace('-----BEGIN CERTIFICATE-----', '\n-----BEGIN CERTIFICATE-----');
    // Act
    const thumbprints = [serverCert, reflowed, caCert].map(certificateThumbprint);
    // Assess
    const expected = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
    expect(thumbprints).toEqual([expected(serverCert), expected(serverCert), expected(caCert)]);
    expect(thumbprints[0]).not.toEqual(thumbprints[2]);
  });

  it('refuses a value that is not a PEM certificate with a client error', () => {
    // Act / Assess
    for (const pem of ['', 'not a certificate', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----']) {
      expect(() => certificateThumbprint(pem)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });

  it('reads the certificate API Gateway verified from the request context', async () => {
    // Prepare
    const { serverCert } = await createThrowawayPki();
    const event = {
      requestContext: { identity: { clientCert: { clientCertPem: serverCert, subjectDN: 'CN=localhost' } } },
    } as never;
    // Act
    const certificate = clientCertificate(event);
    // Assess
    expect(certificate).toEqual({
      pem: serverCert,
      thumbprint: certificateThumbprint(serverCert),
    });
    expect(clientCertificate({ requestContext: { identity: {} } } as never)).toBeUndefined();
  });
});
