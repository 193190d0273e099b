/**
 * Distinguished names for `tls_client_auth` (RFC 8705 §2.1.2) and issuer pins: the ONE place DNs are
 * parsed and compared. A DN is kept as its structure — the RDN sequence, each RDN a set of
 * (attribute type OID, prepared value) — and never joined back into a string, so a single CN whose value
 * contains `,` `+` `=` or escapes can never equal a DN of several RDNs.
 *
 * - Certificates: the RDN sequence comes from the DER `Name` (`fromDerName`, called by `certificate.ts`),
 *   not from the subjectDN string API Gateway reports.
 * - Registrations: `tls_client_auth_subject_dn` and the issuer DN are RFC 4514 strings, parsed once when
 *   the registration is written (`parseDn`); what does not parse is refused there.
 * - Order: RFC 4514 writes the most specific RDN first, the reverse of the DER sequence; `parseDn` reverses
 *   it. The other order (OpenSSL's `/C=../CN=..`, X.500 order) is NOT accepted: reading a DN both ways makes
 *   two different names equal (CN=GB,C=tpp vs C=GB,CN=tpp), so there is exactly one reading.
 * - Values are compared after RFC 4518 string preparation (`prepareValue`).
 */
import { children, DerError, oidOf, readTlv, stringOf, TAG, type Tlv } from './der';

/** One attribute: its type as a dotted OID and its value, prepared for comparison. */
export interface Ava {
  readonly type: string;
  /** The prepared string, or for a value with no string form the hex of its BER encoding. */
  readonly value: string;
  /** Set when `value` is BER hex (RFC 4514 `#` form, or a non-string value in a certificate). */
  readonly ber?: true;
}

/** A relative distinguished name: a set of attributes, kept sorted so equal sets are equal arrays. */
export type Rdn = readonly Ava[];

/** The RDN sequence in DER order (most general first, as in the certificate's `Name`). */
export type DistinguishedName = readonly Rdn[];

export class InvalidDn extends Error {
  override readonly name = 'InvalidDn';
}

// ---- Attribute types ----------------------------------------------------------------------------

/**
 * RFC 4514 §3 keywords plus the ones certificates of Open Banking directories use (RFC 4519, X.520,
 * PKCS #9 emailAddress, ETSI organizationIdentifier). Any other type is written as a dotted OID.
 */
const KEYWORDS: Readonly<Record<string, string>> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  TITLE: '2.5.4.12',
  BUSINESSCATEGORY: '2.5.4.15',
  GIVENNAME: '2.5.4.42',
  ORGANIZATIONIDENTIFIER: '2.5.4.97',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
};

/** Types whose equality rule ignores case (caseIgnoreMatch, caseIgnoreIA5Match: RFC 4517, RFC 4519). */
const CASE_IGNORE_TYPES = new Set(Object.values(KEYWORDS));

const NUMERIC_OID = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/;

function attributeType(text: string): string {
  const keyword = KEYWORDS[text.toUpperCase()];
  if (keyword) return keyword;
  if (NUMERIC_OID.test(text)) return text;
  throw new InvalidDn(`unknown attribute type "${text}" (write it as a dotted OID such as 2.5.4.97)`);
}

// ---- RFC 4518 string preparation ----------------------------------------------------------------

/** §2.2: code points mapped to nothing (soft hyphens, joiners, variation selectors, controls, ZWSP, BOM). */
const MAP_TO_NOTHING =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 4518 §2.2 lists these control code points.
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: combining marks and selectors are the point here.
  /[\u00AD\u1806\u034F\u180B-\u180D\uFE00-\uFE0F\uFFFC\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F\u06DD\u070F\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2063\u206A-\u206F\uFEFF\uFFF9-\uFFFB\u{1D173}-\u{1D17A}\u{E0001}\u{E0020}-\u{E007F}]/gu;
/** §2.2: tab, LF, VT, FF, CR, NEL and every other separator (Zs, Zl, Zp) map to SPACE. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 4518 §2.2 maps these controls to SPACE.
const MAP_TO_SPACE = /[\u0009-\u000D\u0085\p{Zs}\p{Zl}\p{Zp}]/gu;
/** §2.4: unassigned, private use, non-characters, lone surrogates and the replacement character. */
const PROHIBITED = /[\p{Cn}\p{Co}\p{Cs}\uFFFD]/u;

/** RFC 3454 B.2 case folding, as far as JavaScript's lower-casing differs from it. */
function caseFold(value: string): string {
  return value.toLowerCase().replace(/ς/g, 'σ').replace(/ß/g, 'ss');
}

/**
 * RFC 4518 §2: Map (incl. case folding for case-ignore types), NFKC, Prohibit, then insignificant space
 * handling (§2.6.1: leading and trailing spaces dropped, inner runs count as one). Undefined when the
 * value holds a prohibited code point: such a value matches nothing.
 */
export function prepareValue(value: string, ignoreCase: boolean): string | undefined {
  let prepared = value.replace(MAP_TO_NOTHING, '').replace(MAP_TO_SPACE, ' ');
  // Fold, normalise, and fold once more: NFKC can produce upper-case letters (B.2 includes that closure).
  prepared = ignoreCase ? caseFold(caseFold(prepared).normalize('NFKC')).normalize('NFKC') : prepared.normalize('NFKC');
  if (PROHIBITED.test(prepared)) return undefined;
  return prepared.trim().replace(/ +/g, ' ');
}

function stringAva(type: string, text: string): Ava | undefined {
  const value = prepareValue(text, CASE_IGNORE_TYPES.has(type));
  return value === undefined ? undefined : { type, value };
}

function avaOf(type: string, value: Tlv): Ava | undefined {
  const text = stringOf(value);
  if (text !== undefined) return stringAva(type, text);
  return { type, value: Buffer.from(value.encoded).toString('hex'), ber: true };
}

function sortRdn(avas: Ava[]): Rdn {
  return avas.sort((a, b) =>
    a.type !== b.type ? (a.type < b.type ? -1 : 1) : a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
  );
}

// ---- Certificates: the DER Name -------------------------------------------------------------------

/**
 * A certificate `Name` (RFC 5280 §4.1.2.4: SEQUENCE OF SET OF AttributeTypeAndValue) as its structure.
 * Undefined when it is not a well-formed Name or holds a value that matches nothing.
 */
export function fromDerName(name: Tlv): DistinguishedName | undefined {
  try {
    const rdns: Rdn[] = [];
    for (const set of children(name, TAG.SEQUENCE)) {
      const avas: Ava[] = [];
      for (const pair of children(set, TAG.SET)) {
        const fields = children(pair, TAG.SEQUENCE);
        if (fields.length !== 2) return undefined;
        const ava = avaOf(oidOf(fields[0]!), fields[1]!);
        if (!ava) return undefined;
        avas.push(ava);
      }
      if (avas.length === 0) return undefined;
      rdns.push(sortRdn(avas));
    }
    return rdns;
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}

// ---- Registrations: RFC 4514 strings --------------------------------------------------------------

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
/** RFC 4514 §3: characters that may follow a backslash as themselves. */
const ESCAPABLE = ' "#+,;<>\\=';
/** Characters that end a value unless escaped (`;` is RFC 1779's separator: refused, not read as `,`). */
const UNESCAPED_FORBIDDEN = '"+,;<>\\';

class Rfc4514Reader {
  private at = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.at >= this.text.length;
  }

  private peek(): string | undefined {
    return this.text[this.at];
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.at++;
  }

  private fail(why: string): never {
    throw new InvalidDn(`${why} at position ${this.at + 1}`);
  }

  /** RDN *( "," RDN ) — spaces around separators are tolerated (they are insignificant after §2.6.1). */
  readDn(): DistinguishedName {
    const rdns: Rdn[] = [this.readRdn()];
    while (!this.done) {
      if (this.peek() !== ',') this.fail('expected "," between RDNs');
      this.at++;
      rdns.push(this.readRdn());
    }
    // RFC 4514 §2.1: the string starts with the last RDN of the sequence.
    return rdns.reverse();
  }

  private readRdn(): Rdn {
    const avas: Ava[] = [this.readAva()];
    while (this.peek() === '+') {
      this.at++;
      avas.push(this.readAva());
    }
    return sortRdn(avas);
  }

  private readAva(): Ava {
    this.skipSpaces();
    const start = this.at;
    while (!this.done && /[A-Za-z0-9.-]/.test(this.peek()!)) this.at++;
    const typeText = this.text.slice(start, this.at);
    if (typeText === '') this.fail('expected an attribute type');
    const type = attributeType(typeText);
    this.skipSpaces();
    if (this.peek() !== '=') this.fail(`expected "=" after ${typeText}`);
    this.at++;
    this.skipSpaces();
    const ava = this.peek() === '#' ? this.readHexValue(type) : this.readStringValue(type);
    this.skipSpaces();
    return ava;
  }

  /** `#` hexstring: the BER encoding of the value (RFC 4514 §2.4). */
  private readHexValue(type: string): Ava {
    this.at++;
    const start = this.at;
    while (!this.done && /[0-9A-Fa-f]/.test(this.peek()!)) this.at++;
    const hex = this.text.slice(start, this.at);
    if (hex.length === 0 || hex.length % 2 !== 0) this.fail('a #-value must be an even number of hex digits');
    let value: Tlv;
    try {
      value = readTlv(Buffer.from(hex, 'hex'));
      const ava = avaOf(type, value);
      if (ava) return ava;
    } catch (error) {
      if (!(error instanceof DerError)) throw error;
      this.fail('a #-value must be one DER-encoded value');
    }
    this.fail('the value holds characters that can never match');
  }

  private readStringValue(type: string): Ava {
    const bytes: number[] = [];
    while (!this.done) {
      const ch = this.peek()!;
      if (ch === ',' || ch === '+') break;
      if (ch === '\\') {
        const pair = this.text.slice(this.at + 1, this.at + 3);
        if (HEX_PAIR.test(pair)) {
          bytes.push(Number.parseInt(pair, 16));
          this.at += 3;
        } else if (pair.length > 0 && ESCAPABLE.includes(pair[0]!)) {
          bytes.push(...Buffer.from(pair[0]!));
          this.at += 2;
        } else {
          this.fail('a backslash must escape a special character or two hex digits');
        }
        continue;
      }
      if (UNESCAPED_FORBIDDEN.includes(ch)) this.fail(`"${ch}" must be escaped`);
      // One code point (a character beyond the BMP is two UTF-16 units).
      const char = String.fromCodePoint(this.text.codePointAt(this.at)!);
      bytes.push(...Buffer.from(char));
      this.at += char.length;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    } catch {
      this.fail('escaped bytes are not valid UTF-8');
    }
    if (text.length === 0) this.fail('empty attribute value');
    const ava = stringAva(type, text);
    if (!ava) this.fail('the value holds characters that can never match');
    return ava;
  }
}

/**
 * Parses an RFC 4514 DN ("CN=tpp,O=Enjoy Life,C=TW") into its structure, or throws `InvalidDn` saying why.
 * Used where a DN is registered, never per request.
 */
export function parseDn(text: string): DistinguishedName {
  if (text.trim() === '') throw new InvalidDn('empty distinguished name');
  return new Rfc4514Reader(text).readDn();
}

// ---- Comparison -----------------------------------------------------------------------------------

function avaEquals(a: Ava, b: Ava): boolean {
  return a.type === b.type && a.value === b.value && a.ber === b.ber;
}

/**
 * RFC 4517 distinguishedNameMatch: the same number of RDNs, in the same order, each with the same set
 * of attributes whose values match. An empty name matches nothing.
 */
export function dnEquals(a: DistinguishedName, b: DistinguishedName): boolean {
  if (a.length === 0 || a.length !== b.length) return false;
  return a.every((rdn, i) => {
    const other = b[i]!;
    return rdn.length === other.length && rdn.every((ava, j) => avaEquals(ava, other[j]!));
  });
}
