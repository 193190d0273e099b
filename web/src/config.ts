/**
 * Settings the deployment writes to `config.json` at the site root: one build serves every bank tenant and
 * every portal page (`/consent/`, `/account/`, ...) reads the same file.
 */
export interface RuntimeConfig {
  /** Origin (and optional path prefix) of the browser API, e.g. `https://auth.bank.example`; '' = same origin. */
  readonly apiBaseUrl: string;
  /** The bank's name, shown in the page header. */
  readonly tenantName: string;
  readonly branding: Branding;
  /** What only the local sandbox offers (never in a deployed config.json): its certificate issuance path. */
  readonly sandbox: { readonly clientCertificates: string } | null;
}

export interface Branding {
  /** The bank's logo on the portal site itself (CSP: no third-party origin), e.g. `/branding/logo.svg`. */
  readonly logoUrl: string | null;
  /** `#rrggbb`, dark enough for white text (checked when the tenant config is validated). */
  readonly primaryColour: string | null;
  /** The bank's privacy policy: linked from every page, and agreed to on the consent page. */
  readonly privacyPolicyUrl: string | null;
}

/** Loads `config.json` from the site root (the portal pages live one level below it). */
export async function loadRuntimeConfig(signal?: AbortSignal): Promise<RuntimeConfig> {
  const response = await fetch(new URL('../config.json', document.baseURI), { cache: 'no-store', signal });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return parseRuntimeConfig(await response.json());
}

const COLOUR = /^#[0-9a-fA-F]{6}$/;

/** Only the site's own paths: an absolute URL would be a request to another origin. */
const sameSitePath = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith('/') && !value.startsWith('//');

export function parseRuntimeConfig(value: unknown): RuntimeConfig {
  const { apiBaseUrl, tenantName, branding, sandbox } = (value ?? {}) as Record<string, unknown>;
  if (typeof apiBaseUrl !== 'string' || typeof tenantName !== 'string' || tenantName.trim() === '') {
    throw new Error('config.json must hold { apiBaseUrl: string, tenantName: string }');
  }
  const { logoUrl, primaryColour, privacyPolicyUrl } = (branding ?? {}) as Record<string, unknown>;
  const { clientCertificates } = (sandbox ?? {}) as Record<string, unknown>;
  return {
    apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''),
    tenantName,
    sandbox: sameSitePath(clientCertificates) ? { clientCertificates } : null,
    branding: {
      logoUrl: sameSitePath(logoUrl) ? logoUrl : null,
      primaryColour: typeof primaryColour === 'string' && COLOUR.test(primaryColour) ? primaryColour : null,
      privacyPolicyUrl:
        typeof privacyPolicyUrl === 'string' && privacyPolicyUrl.startsWith('https://') ? privacyPolicyUrl : null,
    },
  };
}
