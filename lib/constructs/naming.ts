/** `bank-data` -> `BankData`: construct ids (and so logical ids) from the names in the shared definitions. */
export function pascalCase(value: string): string {
  return value.replace(/(^|[-_\s]+)([a-z0-9])/gi, (_, __, c: string) => c.toUpperCase());
}
