import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { derToJose, joseToDer } from '../../lambdas/domain/jose-signature';

const hex = (value: string) => Uint8Array.from(Buffer.from(value.replace(/\s/g, ''), 'hex'));
const toHex = (value: Uint8Array) => Buffer.from(value).toString('hex');
const repeat = (byte: string, count: number) => byte.repeat(count);

describe('derToJose / joseToDer', () => {
  it('maps a DER signature whose integers need a sign byte to 32 + 32 bytes and back', () => {
    // Prepare: r and s both have the high bit set, so DER prefixes each with 0x00 (33-byte INTEGERs).
    const r = `80${repeat('11', 31)}`;
    const s = `ff${repeat('22', 31)}`;
    const der = hex(`3046 0221 00${r} 0221 00${s}`);

    // Act
    const jose = derToJose(der);
    const back = joseToDer(jose);

    // Assess
    expect(toHex(jose)).toBe(r + s);
    expect(toHex(back)).toBe(toHex(der));
  });

  it('left-pads short integers (leading zero bytes of r or s) to the fixed width', () => {
    // Prepare: r is 31 bytes (its top byte was zero), s is the single byte 0x01.
    const r = `7f${repeat('33', 30)}`;
    const der = hex(`3024 021f ${r} 0201 01`);

    // Act
    const jose = derToJose(der);

    // Assess
    expect(toHex(jose)).toBe(`00${r}${repeat('00', 31)}01`);
    expect(toHex(joseToDer(jose))).toBe(toHex(der));
  });

  it('encodes a zero half as the one-byte INTEGER 0', () => {
    // Prepare
    const jose = new Uint8Array(64);
    jose[63] = 5;

    // Act
    const der = joseToDer(jose);

    // Assess
    expect(toHex(der)).toBe('3006020100020105');
    expect(toHex(derToJose(der))).toBe(toHex(jose));
  });

  it('uses the long length form for large curves (P-521: 66-byte halves)', () => {
    // Prepare
    const jose = new Uint8Array(132).fill(0xff);

    // Act
    const der = joseToDer(jose);

    // Assess: 2 × (2 + 67) = 138 content bytes > 127.
    expect(toHex(der.subarray(0, 3))).toBe('30818a');
    expect(toHex(derToJose(der, 66))).toBe(toHex(jose));
  });

  it('round-trips any r || s', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (jose) => {
        expect(toHex(derToJose(joseToDer(jose)))).toBe(toHex(jose));
      }),
    );
  });

  it('agrees with OpenSSL in both directions for real P-256 signatures', () => {
    // Prepare
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const messages = Array.from({ length: 20 }, (_, i) => createHash('sha256').update(String(i)).digest());

    for (const message of messages) {
      // Act
      const fromDer = derToJose(sign('sha256', message, privateKey));
      const fromJose = joseToDer(sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }));

      // Assess
      expect(fromDer).toHaveLength(64);
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, fromDer)).toBe(true);
      expect(verify('sha256', message, publicKey, fromJose)).toBe(true);
    }
  });

  it.each([
    ['not a SEQUENCE', '3106 020101 020101'],
    ['SEQUENCE length longer than the input', '3007 020101 020101'],
    ['bytes after the SEQUENCE', '3006 020101 020101 00'],
    ['extra bytes inside the SEQUENCE', '3007 020101 020101 00'],
    ['INTEGER missing', '3003 020101'],
    ['negative INTEGER', '3006 020181 020101'],
    ['non-minimal INTEGER (needless 0x00)', '3007 02020001 020101'],
    ['empty INTEGER', '3005 0200 020101'],
    ['INTEGER wider than the curve', `3027 0222 01${repeat('00', 32)} 020101`],
    ['non-minimal long length form', '308106 020101 020101'],
    ['empty input', ''],
  ])('rejects a malformed DER signature: %s', (_, der) => {
    // Prepare
    const input = hex(der);

    // Act
    const convert = () => derToJose(input);

    // Assess
    expect(convert).toThrow(/invalid DER ECDSA signature/);
  });

  it.each([0, 63])('rejects a JOSE signature of %i bytes', (length) => {
    // Prepare
    const input = new Uint8Array(length);

    // Act
    const convert = () => joseToDer(input);

    // Assess
    expect(convert).toThrow(/invalid JOSE ECDSA signature length/);
  });
});
