import { dnEquals, normalizeDn } from '../../lambdas/domain/dn';

describe('DN normalisation (tls_client_auth)', () => {
  it('matches the same DN written with different spacing, case and attribute spellings', () => {
    // Prepare
    const registered = 'CN=enjoy-life-tpp, O=Enjoy Life, C=TW';
    // Act + Assess
    expect(dnEquals('cn=Enjoy-Life-TPP,o=enjoy   life,c=tw', registered)).toBe(true);
    expect(dnEquals('2.5.4.3=enjoy-life-tpp,2.5.4.10=Enjoy Life,2.5.4.6=TW', registered)).toBe(true);
    expect(dnEquals('commonName=enjoy-life-tpp;organizationName=Enjoy Life;countryName=TW', registered)).toBe(true);
  });

  it('matches OpenSSL slash form and X.500 (reversed) order', () => {
    expect(dnEquals('/C=TW/O=Enjoy Life/CN=enjoy-life-tpp', 'CN=enjoy-life-tpp,O=Enjoy Life,C=TW')).toBe(true);
    expect(dnEquals('C=TW,O=Enjoy Life,CN=enjoy-life-tpp', 'CN=enjoy-life-tpp,O=Enjoy Life,C=TW')).toBe(true);
  });

  it('handles escaped separators and quoted values', () => {
    expect(normalizeDn('CN=Smith\\, John,O="Acme, Inc",C=GB')).toBe('CN=smith, john,O=acme, inc,C=gb');
    expect(dnEquals('CN=Smith\\2C John,O=Acme\\, Inc,C=GB', 'CN=Smith\\, John,O="Acme, Inc",C=GB')).toBe(true);
  });

  it('treats multi-valued RDNs as unordered sets', () => {
    expect(dnEquals('CN=a+OU=b,O=c', 'OU=b+CN=a,O=c')).toBe(true);
  });

  it('does not match a different subject, a prefix, a re-grouped DN or garbage', () => {
    expect(dnEquals('CN=enjoy-life-tpp,O=Enjoy Life,C=GB', 'CN=enjoy-life-tpp,O=Enjoy Life,C=TW')).toBe(false);
    expect(dnEquals('CN=enjoy-life-tpp,O=Enjoy Life', 'CN=enjoy-life-tpp,O=Enjoy Life,C=TW')).toBe(false);
    expect(dnEquals('CN=a+OU=b,O=c', 'CN=a,OU=b,O=c')).toBe(false);
    expect(dnEquals('', '')).toBe(false);
    expect(dnEquals('not a dn', 'CN=x')).toBe(false);
  });
});
