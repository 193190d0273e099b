/**
 * Distinguished-name normalisation for `tls_client_auth` (RFC 8705 §2.1.2): the certificate subject
 * that API Gateway reports and the `tls_client_auth_subject_dn` a client registered must compare equal
 * however each side spelled it. This is the ONE place DNs are normalised.
 */

/** Attribute type aliases (RFC 4514 short names, OIDs and common spellings) -> canonical short name. */
const TYPE_ALIASES: Record<string, string> = {
  '2.5.4.3': 'CN',
  COMMONNAME: 'CN',
  '2.5.4.6': 'C',
  COUNTRYNAME: 'C',
  '2.5.4.7': 'L',
  LOCALITYNAME: 'L',
  '2.5.4.8': 'ST',
  S: 'ST',
  STATEORPROVINCENAME: 'ST',
  '2.5.4.10': 'O',
  ORGANIZATIONNAME: 'O',
  '2.5.4.11': 'OU',
  ORGANIZATIONALUNITNAME: 'OU',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.97': 'ORGANIZATIONIDENTIFIER',
  '1.2.840.113549.1.9.1': 'EMAILADDRESS',
  E: 'EMAILADDRESS',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

export type Rdn = readonly (readonly [type: string, value: string])[];

/** Splits on an unescaped separator, honouring `\x` escapes and double-quoted values. */
function splitUnescaped(input: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '\\' && i + 1 < input.length) {
      current += ch + input[i + 1];
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (!quoted && separators.includes(ch)) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeValue(raw: string): string {
  let value = raw.trim();
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
  // RFC 4514 escapes: "\," and hex pairs "\2C".
  value = value.replace(/\\([0-9A-Fa-f]{2})|\\(.)/g, (_, hex: string | undefined, ch: string | undefined) =>
    hex ? String.fromCharCode(Number.parseInt(hex, 16)) : ch!,
  );
  return value;
}

function canonicalType(type: string): string {
  const upper = type
    .trim()
    .toUpperCase()
    .replace(/^OID\./, '');
  return TYPE_ALIASES[upper] ?? upper;
}

/** Values compare case-insensitively with whitespace runs collapsed (caseIgnoreMatch, RFC 4517). */
function canonicalValue(value: string): string {
  return unescapeValue(value).normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Parses a DN written as RFC 4514 ("CN=a,O=b,C=GB"), with spaces or semicolons, or OpenSSL's
 * slash form ("/C=GB/O=b/CN=a"), into RDNs of canonical (type, value) pairs in written order.
 */
export function parseDn(dn: string): Rdn[] {
  const text = dn.trim();
  if (text === '') return [];
  const slashForm = text.startsWith('/');
  const rdnTexts = slashForm ? splitUnescaped(text.slice(1), '/') : splitUnescaped(text, ',;');
  return rdnTexts.map((rdnText) =>
    splitUnescaped(rdnText, '+')
      .map((ava): readonly [string, string] => {
        const eq = ava.indexOf('=');
        if (eq <= 0) throw new Error('malformed distinguished name');
        return [canonicalType(ava.slice(0, eq)), canonicalValue(ava.slice(eq + 1))];
      })
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** The canonical string form: RFC 4514 order (most specific first). */
export function normalizeDn(dn: string, order: 'rfc4514' | 'reversed' = 'rfc4514'): string {
  const rdns = parseDn(dn);
  if (order === 'reversed') rdns.reverse();
  return rdns.map((rdn) => rdn.map(([t, v]) => `${t}=${v}`).join('+')).join(',');
}

/**
 * True when two DNs name the same subject. The written order may be RFC 4514 (most specific first)
 * or X.500/OpenSSL order (most general first); both spellings of the same sequence match.
 */
export function dnEquals(a: string, b: string): boolean {
  try {
    const left = normalizeDn(a);
    if (left === '') return false;
    return left === normalizeDn(b) || left === normalizeDn(b, 'reversed');
  } catch {
    return false;
  }
}
