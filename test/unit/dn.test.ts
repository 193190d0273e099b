import type { JsonName } from '@peculiar/x509';
import { certificateIdentity } from '../../lambdas/domain/certificate';
import { type DistinguishedName, dnEquals, InvalidDn, parseDn } from '../../lambdas/domain/dn';
import { createTestCa, issueTestCertificate, type TestCa } from '../support/throwaway-pki';

/** The subject structure of a freshly issued certificate with exactly this (DER-order) name. */
let ca: TestCa;
async function subjectOf(name: JsonName): Promise<DistinguishedName> {
  const { certPem } = await issueTestCertificate(ca, name);
  return certificateIdentity(certPem)!.subject;
}

const FINANCROO: JsonName = [{ C: ['GB'] }, { O: ['Financroo'] }, { CN: ['financroo-tpp'] }];
const REGISTERED = 'CN=financroo-tpp,O=Financroo,C=GB';

describe('distinguished names (tls_client_auth, issuer pins)', () => {
  beforeAll(async () => {
    ca = await createTestCa([{ C: ['GB'] }, { O: ['Test'] }, { CN: ['Test TPP CA'] }]);
  });

  it('matches a certificate subject to its registered RFC 4514 DN, however case and spaces differ', async () => {
    // Prepare
    const subject = await subjectOf(FINANCROO);
    // Act + Assess
    expect(dnEquals(subject, parseDn(REGISTERED))).toBe(true);
    expect(dnEquals(subject, parseDn('cn=FINANCROO-TPP , o=financroo,  C=gb'))).toBe(true);
    expect(dnEquals(subject, parseDn('2.5.4.3=financroo-tpp,2.5.4.10=Financroo,2.5.4.6=GB'))).toBe(true);
    // RFC 4518 insignificant space: inner runs count as one, leading/trailing spaces as none.
    expect(dnEquals(await subjectOf([{ C: ['GB'] }, { O: ['  Enjoy   Life '] }]), parseDn('O=Enjoy Life,C=GB'))).toBe(
      true,
    );
  });

  it('never matches the reversed RDN order (X.500 / OpenSSL order is not a second reading)', async () => {
    const subject = await subjectOf(FINANCROO);
    expect(dnEquals(subject, parseDn('C=GB,O=Financroo,CN=financroo-tpp'))).toBe(false);
    expect(() => parseDn('/C=GB/O=Financroo/CN=financroo-tpp')).toThrow(InvalidDn);
  });

  it('a single CN containing "," "=" and an OID-typed attribute never equals a DN of several RDNs', async () => {
    // Prepare: one RDN whose CN spells out the registered DN, and one with an OID-typed attribute in it.
    const spelled = await subjectOf([{ CN: ['financroo-tpp,O=Financroo,C=GB'] }]);
    const withOid = await subjectOf([{ C: ['GB'] }, { CN: ['financroo-tpp,2.5.4.97=PSDGB-FCA-123456'] }]);
    // Act + Assess
    expect(dnEquals(spelled, parseDn(REGISTERED))).toBe(false);
    expect(dnEquals(withOid, parseDn('2.5.4.97=PSDGB-FCA-123456,CN=financroo-tpp,C=GB'))).toBe(false);
    expect(dnEquals(withOid, parseDn('CN=financroo-tpp+2.5.4.97=PSDGB-FCA-123456,C=GB'))).toBe(false);
    // The only DN it equals is the one that escapes the separators as part of the value.
    expect(dnEquals(spelled, parseDn('CN=financroo-tpp\\,O\\=Financroo\\,C\\=GB'))).toBe(true);
    expect(dnEquals(withOid, parseDn('CN=financroo-tpp\\2C2.5.4.97=PSDGB-FCA-123456,C=GB'))).toBe(true);
  });

  it('matches an OID-typed attribute by its OID', async () => {
    const subject = await subjectOf([{ C: ['GB'] }, { '2.5.4.97': ['PSDGB-FCA-123456'] }, { CN: ['x'] }]);
    expect(dnEquals(subject, parseDn('CN=x,organizationIdentifier=PSDGB-FCA-123456,C=GB'))).toBe(true);
    expect(dnEquals(subject, parseDn('CN=x,2.5.4.97=psdgb-fca-123456,C=GB'))).toBe(true);
    expect(dnEquals(subject, parseDn('CN=x,2.5.4.5=PSDGB-FCA-123456,C=GB'))).toBe(false);
  });

  it('treats a multi-valued RDN as a set, and never as separate RDNs', async () => {
    const multi = await subjectOf([{ C: ['GB'] }, { CN: ['financroo-tpp'], O: ['Financroo'] }]);
    expect(dnEquals(multi, parseDn('O=Financroo+CN=financroo-tpp,C=GB'))).toBe(true);
    expect(dnEquals(multi, parseDn('CN=financroo-tpp+O=Financroo,C=GB'))).toBe(true);
    expect(dnEquals(multi, parseDn(REGISTERED))).toBe(false);
    expect(dnEquals(await subjectOf(FINANCROO), parseDn('CN=financroo-tpp+O=Financroo,C=GB'))).toBe(false);
  });

  it('reads escaped characters in a registered DN exactly once', async () => {
    const subject = await subjectOf([{ C: ['GB'] }, { O: ['Smith, Jones + Co <"UK">'] }, { CN: ['a\\b#1'] }]);
    expect(() => parseDn('CN=a\\\\b#1,O=Smith\\, Jones \\+ Co \\<\\"UK\\">,C=GB')).toThrow(/">" must be escaped/);
    expect(dnEquals(subject, parseDn('CN=a\\\\b#1,O=Smith\\, Jones \\+ Co \\<\\"UK\\"\\>,C=GB'))).toBe(true);
    expect(dnEquals(subject, parseDn('CN=a\\5Cb\\231,O=Smith\\2C Jones \\2B Co \\3C\\22UK\\22\\3E,C=GB'))).toBe(true);
  });

  it('never matches a certificate with an extra RDN at either end', async () => {
    const trailing = await subjectOf([...FINANCROO, { OU: ['payments'] }]);
    const leading = await subjectOf([{ DC: ['example'] }, ...FINANCROO]);
    expect(dnEquals(trailing, parseDn(REGISTERED))).toBe(false);
    expect(dnEquals(leading, parseDn(REGISTERED))).toBe(false);
  });

  it('does not fold look-alike Unicode into ASCII; NFKC compatibility forms are the same name (RFC 4518)', async () => {
    // Cyrillic а (U+0430) for Latin a; dotless ı (U+0131) for i: different names.
    expect(dnEquals(await subjectOf([{ CN: ['finаncroo-tpp'] }]), parseDn('CN=financroo-tpp'))).toBe(false);
    expect(dnEquals(await subjectOf([{ CN: ['fınancroo-tpp'] }]), parseDn('CN=financroo-tpp'))).toBe(false);
    // Zero-width characters are mapped to nothing; full-width letters are NFKC-equal to ASCII.
    expect(dnEquals(await subjectOf([{ CN: ['fin\u200Bancroo-tpp'] }]), parseDn('CN=financroo-tpp'))).toBe(true);
    expect(dnEquals(await subjectOf([{ CN: ['ｆｉｎａｎｃｒｏｏ-tpp'] }]), parseDn('CN=financroo-tpp'))).toBe(true);
    // A hex-escaped UTF-8 value is the same text.
    expect(dnEquals(await subjectOf([{ CN: ['Zürich'] }]), parseDn('CN=Z\\C3\\BCrich'))).toBe(true);
  });

  it('refuses a registered DN that does not parse, naming the problem', () => {
    for (const bad of [
      '',
      'not a dn',
      'CN=a;O=b',
      'CN=a,,O=b',
      'CN=a\\',
      'CN=a\\zz',
      'XX=a',
      'CN=',
      'CN="a"',
      'CN=\\FF',
    ]) {
      expect(() => parseDn(bad)).toThrow(InvalidDn);
    }
  });

  it('reads issuer, serial number and thumbprint of a presented certificate', async () => {
    const { certPem } = await issueTestCertificate(ca, FINANCROO, '00ff10');
    const identity = certificateIdentity(certPem)!;
    expect(dnEquals(identity.issuer, parseDn('CN=Test TPP CA,O=Test,C=GB'))).toBe(true);
    expect(identity.serialNumber).toBe('ff10');
    expect(identity.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(certificateIdentity('-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----')).toBeUndefined();
  });
});
