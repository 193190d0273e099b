/** Plain-text tables and number formats for the bench output. */

export type Cell = string | number;

export function table(title: string, header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => row.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return ['', title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

export const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
export const ms = (value: number) => fixed(value, 2);
export const kib = (bytes: number) => fixed(bytes / 1024, 1);
export const mib = (bytes: number) => fixed(bytes / (1024 * 1024), 1);
export const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
