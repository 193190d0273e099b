/**
 * The one way store keys are composed from parts (`jti:<clientId>:<jti>`, `idem:<clientId>:<key>`,
 * `grant:<clientId>:<subject>`): each part percent-encoded (RFC 3986 §2.1), so no part can contain the `:`
 * separator and no two part lists give one key — client ids may contain `:` (`a:b` + `c` vs `a` + `b:c`).
 * Parts of plain characters (letters, digits, `-_.!~*'()`) encode to themselves, so keys written before
 * this encoding stay readable.
 */
export function storeKey(kind: string, ...parts: readonly string[]): string {
  return [kind, ...parts.map(encodeURIComponent)].join(':');
}
