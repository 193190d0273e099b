/**
 * Server-rendered pages for the demo fintechs: an `html` tagged template that escapes every interpolated
 * value (only `Html` from another `html` template passes through), a page layout, and HTTP helpers.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeText = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

const render = (value: Value): string => {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeText(String(value));
};

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  return new Html(strings.reduce((out, part, i) => out + part + (i < values.length ? render(values[i]!) : ''), ''));
}

/** No scripts at all; styles inline; forms post to this origin only; nothing frames the page. */
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'";

export interface PageOptions {
  readonly title: string;
  readonly appName: string;
  /** Theme colour of the fintech's header. */
  readonly brand: string;
  readonly nav?: Html;
  readonly body: Html;
}

export function page({ title, appName, brand, nav, body }: PageOptions): string {
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – ${appName}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f6f7f9; line-height: 1.45; }
  header { background: ${brand}; color: #fff; padding: 0.75rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
  header a, header button.link { color: #fff; }
  header .app { font-weight: 700; font-size: 1.2rem; margin-right: auto; }
  main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
  section { background: #fff; border: 1px solid #d5d9e0; border-radius: 6px; padding: 1rem 1.25rem; margin: 1rem 0; }
  h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 0; } h3 { font-size: 1.05rem; }
  table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
  th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #e2e5ea; vertical-align: top; }
  td.amount, th.amount { text-align: right; font-variant-numeric: tabular-nums; }
  .credit { color: #0b6b2e; } .debit { color: #9b1c1c; }
  pre { background: #f0f2f5; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; font-size: 0.85rem; }
  .error, [role=alert] { border-left: 4px solid #9b1c1c; background: #fdecec; padding: 0.5rem 0.75rem; }
  .ok { border-left: 4px solid #0b6b2e; background: #e8f5ec; padding: 0.5rem 0.75rem; }
  button, .button { background: ${brand}; color: #fff; border: 0; border-radius: 4px; padding: 0.5rem 1rem; font-size: 1rem; cursor: pointer; text-decoration: none; display: inline-block; }
  button.secondary { background: #fff; color: ${brand}; border: 1px solid ${brand}; }
  button.link { background: none; border: 0; padding: 0; text-decoration: underline; font-size: 1rem; }
  label { display: block; margin: 0.3rem 0; } input[type=text], input[type=password], select { font-size: 1rem; padding: 0.35rem; }
  fieldset { border: 1px solid #d5d9e0; border-radius: 4px; margin: 0.5rem 0; }
  .inline { display: inline; } .row { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-end; }
  svg text { font-size: 12px; fill: #1b1b1b; }
</style>
</head>
<body>
<header><span class="app">${appName}</span>${nav}</header>
<main id="main">
${body}
</main>
</body>
</html>`}`;
}

export function sendPage(res: ServerResponse, status: number, markup: string, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(markup);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}) {
  res.writeHead(303, { location, 'cache-control': 'no-store', ...headers }).end();
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// ---- Sessions ---------------------------------------------------------------------------------------

export interface Session<T> {
  readonly id: string;
  /** Sent back with every form (hidden field `csrf`), compared in constant time. */
  readonly csrf: string;
  data: T;
}

/**
 * In-memory sessions behind an HttpOnly, Secure, SameSite=Lax cookie (the bank's redirect back is a
 * top-level GET, which Lax lets through; cross-site POSTs are not). 256-bit random ids.
 */
export class Sessions<T> {
  private readonly sessions = new Map<string, Session<T>>();
  constructor(
    private readonly cookieName: string,
    private readonly initial: () => T,
  ) {}

  get(req: IncomingMessage): Session<T> | undefined {
    const cookie = req.headers.cookie ?? '';
    const id = cookie
      .split(';')
      .map((part) => part.trim().split('='))
      .find(([name]) => name === this.cookieName)?.[1];
    return id ? this.sessions.get(id) : undefined;
  }

  /** The request's session, or a new one with its Set-Cookie header. */
  ensure(req: IncomingMessage): { session: Session<T>; setCookie?: string } {
    const existing = this.get(req);
    if (existing) return { session: existing };
    const session: Session<T> = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      data: this.initial(),
    };
    this.sessions.set(session.id, session);
    return { session, setCookie: `${this.cookieName}=${session.id}; Path=/; HttpOnly; Secure; SameSite=Lax` };
  }

  destroy(session: Session<T>): string {
    this.sessions.delete(session.id);
    return `${this.cookieName}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
  }
}

export function csrfOk(session: Session<unknown>, form: URLSearchParams): boolean {
  const sent = Buffer.from(form.get('csrf') ?? '');
  const expected = Buffer.from(session.csrf);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

export const csrfField = (session: Session<unknown>) => html`<input type="hidden" name="csrf" value="${session.csrf}">`;
