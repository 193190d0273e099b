/**
 * ECDSA signature encodings. KMS (like OpenSSL) returns an ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`;
 * JWS (RFC 7518 §3.4) wants the fixed-width concatenation r || s (32 + 32 bytes for ES256).
 */

const SEQUENCE = 0x30;
const INTEGER = 0x02;

/** DER ECDSA signature -> JOSE r || s, each integer left-padded to `partLength` bytes (32 for P-256). */
export function derToJose(der: Uint8Array, partLength = 32): Uint8Array {
  if (der[0] !== SEQUENCE) throw new Error('invalid DER ECDSA signature: not a SEQUENCE');
  const { length, offset } = readLength(der, 1);
  if (offset + length !== der.length) throw new Error('invalid DER ECDSA signature: wrong SEQUENCE length');
  const r = readInteger(der, offset);
  const s = readInteger(der, r.end);
  if (s.end !== der.length) throw new Error('invalid DER ECDSA signature: trailing bytes');
  const jose = new Uint8Array(2 * partLength);
  jose.set(leftPad(r.value, partLength), 0);
  jose.set(leftPad(s.value, partLength), partLength);
  return jose;
}

/** JOSE r || s -> DER ECDSA signature (minimal INTEGER encodings, as OpenSSL and KMS produce). */
export function joseToDer(jose: Uint8Array): Uint8Array {
  if (jose.length === 0 || jose.length % 2 !== 0) throw new Error('invalid JOSE ECDSA signature length');
  const half = jose.length / 2;
  const r = derInteger(jose.subarray(0, half));
  const s = derInteger(jose.subarray(half));
  return Uint8Array.of(SEQUENCE, ...derLength(r.length + s.length), ...r, ...s);
}

/** DER definite length: short form below 128, else 0x81 nn (enough for every NIST curve). */
function readLength(der: Uint8Array, at: number): { length: number; offset: number } {
  const first = der[at];
  if (first === undefined) throw new Error('invalid DER ECDSA signature: truncated');
  if (first < 0x80) return { length: first, offset: at + 1 };
  const long = der[at + 1];
  if (first !== 0x81 || long === undefined || long < 0x80) {
    throw new Error('invalid DER ECDSA signature: unsupported length encoding');
  }
  return { length: long, offset: at + 2 };
}

function derLength(length: number): number[] {
  return length < 0x80 ? [length] : [0x81, length];
}

/** One non-negative, minimally encoded INTEGER; returns its magnitude without the sign byte. */
function readInteger(der: Uint8Array, at: number): { value: Uint8Array; end: number } {
  if (der[at] !== INTEGER) throw new Error('invalid DER ECDSA signature: expected INTEGER');
  const { length, offset } = readLength(der, at + 1);
  const end = offset + length;
  if (length === 0 || end > der.length) throw new Error('invalid DER ECDSA signature: bad INTEGER length');
  const bytes = der.subarray(offset, end);
  if (bytes[0]! & 0x80) throw new Error('invalid DER ECDSA signature: negative INTEGER');
  if (bytes.length > 1 && bytes[0] === 0 && !(bytes[1]! & 0x80)) {
    throw new Error('invalid DER ECDSA signature: non-minimal INTEGER');
  }
  return { value: bytes[0] === 0 ? bytes.subarray(1) : bytes, end };
}

function leftPad(magnitude: Uint8Array, partLength: number): Uint8Array {
  if (magnitude.length > partLength) throw new Error('invalid DER ECDSA signature: INTEGER too large for curve');
  const padded = new Uint8Array(partLength);
  padded.set(magnitude, partLength - magnitude.length);
  return padded;
}

/** Minimal two's-complement encoding of an unsigned big-endian integer. */
function derInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const body = trimmed[0]! & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
  return Uint8Array.of(INTEGER, ...derLength(body.length), ...body);
}
