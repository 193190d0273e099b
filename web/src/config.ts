/** Settings the deployment writes to `config.json` next to `index.html`: one build serves every bank tenant. */
export interface RuntimeConfig {
  /** Origin (and optional path prefix) of the browser API, e.g. `https://auth.bank.example`; '' = same origin. */
  readonly apiBaseUrl: string;
  /** The bank's name, shown in the page header. */
  readonly tenantName: string;
}

/** Loads `config.json` relative to the page, so the SPA works under any path prefix. */
export async function loadRuntimeConfig(signal?: AbortSignal): Promise<RuntimeConfig> {
  const response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store', signal });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return parseRuntimeConfig(await response.json());
}

export function parseRuntimeConfig(value: unknown): RuntimeConfig {
  const { apiBaseUrl, tenantName } = (value ?? {}) as Record<string, unknown>;
  if (typeof apiBaseUrl !== 'string' || typeof tenantName !== 'string' || tenantName.trim() === '') {
    throw new Error('config.json must hold { apiBaseUrl: string, tenantName: string }');
  }
  return { apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''), tenantName };
}
