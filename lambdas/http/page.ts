/**
 * The one renderer for pages people read outside the portal site (error pages of browser endpoints,
 * the sandbox's landing and callback pages, the demo IdP's sign-in page): the bank's name and primary
 * colour, plain words first, a protocol code only in small print. Every value is HTML-escaped; no
 * scripts and no external resources, so the page works under `PAGE_CSP`.
 */

/** No scripts, no framing, no other origin; inline styles only (the page carries its own stylesheet). */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

const DEFAULT_COLOUR = '#0b5394';
const HEX_COLOUR = /^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$/;

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

export interface PageBranding {
  readonly bankName: string;
  /** `#rgb` / `#rrggbb`; anything else falls back to the default. */
  readonly primaryColour?: string | null;
  /** The bank's logo, SVG markup from its tenant configuration (a file in the repository), shown inline. */
  readonly logoSvg?: string;
}

export interface PageLink {
  readonly href: string;
  readonly label: string;
}

export interface PageContent {
  readonly title: string;
  /** Plain-language paragraphs, in order. */
  readonly paragraphs: readonly string[];
  readonly links?: readonly PageLink[];
  /** Label/value rows (e.g. the parameters a callback received). */
  readonly details?: readonly (readonly [string, string])[];
  /** Shown small at the end: the protocol error code, an interaction id. */
  readonly smallPrint?: readonly string[];
  /** Pre-rendered, already escaped HTML put after the paragraphs (the IdP's form). */
  readonly trustedHtml?: string;
}

export function renderPage(branding: PageBranding, content: PageContent): string {
  const colour =
    branding.primaryColour && HEX_COLOUR.test(branding.primaryColour) ? branding.primaryColour : DEFAULT_COLOUR;
  const bank = escapeHtml(branding.bankName);
  const paragraphs = content.paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n');
  const details = content.details?.length
    ? `<dl>${content.details.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd><code>${escapeHtml(value)}</code></dd>`).join('')}</dl>`
    : '';
  const links = content.links?.length
    ? `<ul class="links">${content.links.map((link) => `<li><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></li>`).join('')}</ul>`
    : '';
  const small = content.smallPrint?.length
    ? `<p class="small">${content.smallPrint.map(escapeHtml).join('<br>')}</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(content.title)} – ${bank}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1b1f24; }
  header { background: ${colour}; color: #fff; padding: .75rem 1.5rem; font-weight: 700; font-size: 1.15rem; display: flex; align-items: center; gap: .6rem; }
  .logo svg { display: block; height: 2rem; width: auto; }
  .app { font-size: 1.05rem; }
  main { max-width: 36rem; margin: 2.5rem auto; padding: 2rem; background: #fff; border-radius: 8px; }
  h1 { margin-top: 0; font-size: 1.5rem; }
  a { color: ${colour}; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
  dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { box-sizing: border-box; width: 100%; padding: .5rem; margin-top: .25rem; font-size: 1rem; }
  button { margin-top: 1.5rem; width: 100%; padding: .6rem; font-size: 1rem; background: ${colour}; color: #fff; border: 0; border-radius: 4px; }
  .error { color: #a4141b; font-weight: 600; }
  .small { margin-top: 2rem; font-size: .8rem; color: #57606a; }
</style>
</head>
<body>
<header>${branding.logoSvg ? `<span class="logo" aria-hidden="true">${branding.logoSvg}</span>` : ''}${bank}</header>
<main>
<h1>${escapeHtml(content.title)}</h1>
${paragraphs}
${content.trustedHtml ?? ''}
${details}
${links}
${small}
</main>
</body>
</html>
`;
}
