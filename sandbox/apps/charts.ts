/**
 * Bar charts as SVG, each with a data table as its text alternative: the chart is an image named by its
 * title, the table (role `table`) carries the same numbers for screen readers, copying and tests.
 */
import { type Html, html } from './html';

export interface Bar {
  readonly label: string;
  readonly value: number;
}

const money = (value: number) => value.toFixed(2);

export function barChart(id: string, title: string, currency: string, bars: readonly Bar[]): Html {
  if (bars.length === 0) return html`<p>No spending in ${currency} for this selection.</p>`;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const row = 26;
  const labelWidth = 150;
  const barWidth = 360;
  const height = bars.length * row + 10;
  return html`<figure>
<svg role="img" aria-labelledby="${`${id}-title`}" width="${labelWidth + barWidth + 110}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 110} ${height}">
<title id="${`${id}-title`}">${title} (${currency}), as a bar chart; the table below has the same figures</title>
${bars.map((bar, i) => {
  const width = Math.max(1, Math.round((bar.value / max) * barWidth));
  const y = i * row + 5;
  return html`<text x="0" y="${y + 15}">${bar.label}</text>
<rect x="${labelWidth}" y="${y}" width="${width}" height="18" fill="#6b3fa0"></rect>
<text x="${labelWidth + width + 6}" y="${y + 15}">${money(bar.value)}</text>`;
})}
</svg>
</figure>`;
}

export function dataTable(caption: string, firstColumn: string, rows: readonly (Bar & { currency: string })[]): Html {
  return html`<table>
<caption>${caption}</caption>
<thead><tr><th scope="col">${firstColumn}</th><th scope="col" class="amount">Amount</th><th scope="col">Currency</th></tr></thead>
<tbody>
${rows.map(
  (r) => html`<tr><th scope="row">${r.label}</th><td class="amount">${money(r.value)}</td><td>${r.currency}</td></tr>`,
)}
</tbody>
</table>`;
}
