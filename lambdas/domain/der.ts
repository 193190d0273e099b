/**
 * A strict reader for the few DER structures a certificate's identity needs (X.690: definite lengths,
 * minimal length octets, no trailing bytes). Every Lambda bundle reaches it through the client schema, so
 * it is this small reader instead of an ASN.1 library (asn1js alone added ~64 KiB to every bundle).
 * Anything malformed throws `DerError`.
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  readonly tag: number;
  readonly content: Uint8Array;
  /** The whole encoding, identifier and length included. */
  readonly encoded: Uint8Array;
}

export const TAG = {
  INTEGER: 0x02,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] EXPLICIT, constructed (the certificate version). */
  CONTEXT_0: 0xa0,
} as const;

function readOne(bytes: Uint8Array, at: number): { tlv: Tlv; next: number } {
  if (at + 2 > bytes.length) throw new DerError('truncated');
  const tag = bytes[at]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used here');
  let length = bytes[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new DerError('indefinite or oversized length');
    if (start + octets > bytes.length) throw new DerError('truncated');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + bytes[start + i]!;
    if (length < 0x80 || (octets > 1 && bytes[start] === 0)) throw new DerError('non-minimal length');
    start += octets;
  }
  const end = start + length;
  if (end > bytes.length) throw new DerError('truncated');
  return { tlv: { tag, content: bytes.subarray(start, end), encoded: bytes.subarray(at, end) }, next: end };
}

/** Exactly one TLV filling `bytes`. */
export function readTlv(bytes: Uint8Array): Tlv {
  const { tlv, next } = readOne(bytes, 0);
  if (next !== bytes.length) throw new DerError('trailing bytes');
  return tlv;
}

/** The TLVs inside a constructed value (SEQUENCE, SET, [0]). */
export function children(tlv: Tlv, expectedTag: number): Tlv[] {
  if (tlv.tag !== expectedTag) throw new DerError(`expected tag 0x${expectedTag.toString(16)}`);
  const items: Tlv[] = [];
  for (let at = 0; at < tlv.content.length; ) {
    const { tlv: item, next } = readOne(tlv.content, at);
    items.push(item);
    at = next;
  }
  return items;
}

/** An OBJECT IDENTIFIER as dotted decimal (X.690 §8.19). */
export function oidOf(tlv: Tlv): string {
  if (tlv.tag !== TAG.OID || tlv.content.length === 0) throw new DerError('expected an OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < tlv.content.length; i++) {
    const byte = tlv.content[i]!;
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal OID arc');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    } else if (i === tlv.content.length - 1) {
      throw new DerError('truncated OID');
    }
  }
  const first = arcs.shift()!;
  const [a, b] = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [a, b, ...arcs].join('.');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** The text of a directory string type (X.520 DirectoryString, IA5String), or undefined for other types. */
export function stringOf(tlv: Tlv): string | undefined {
  const { content } = tlv;
  try {
    switch (tlv.tag) {
      case TAG.UTF8_STRING:
        return utf8.decode(content);
      case TAG.PRINTABLE_STRING:
      case TAG.NUMERIC_STRING:
      case TAG.IA5_STRING:
      case TAG.VISIBLE_STRING:
        if (content.some((byte) => byte > 0x7f)) throw new DerError('non-ASCII byte in an ASCII string type');
        return latin1.decode(content);
      case TAG.TELETEX_STRING:
        // T.61 in theory; in practice certificates put Latin-1 here (RFC 5280 §4.1.2.4 deprecates it).
        return latin1.decode(content);
      case TAG.BMP_STRING:
        if (content.length % 2 !== 0) throw new DerError('odd BMPString length');
        return String.fromCharCode(
          ...Array.from({ length: content.length / 2 }, (_, i) => (content[2 * i]! << 8) | content[2 * i + 1]!),
        );
      case TAG.UNIVERSAL_STRING: {
        if (content.length % 4 !== 0) throw new DerError('bad UniversalString length');
        const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
        return String.fromCodePoint(...Array.from({ length: content.length / 4 }, (_, i) => view.getUint32(4 * i)));
      }
      default:
        return undefined;
    }
  } catch (error) {
    if (error instanceof DerError) throw error;
    throw new DerError('invalid string value');
  }
}
