/**
 * Synthesizes a tenant the way `npx cdk synth -c tenant=<name>` does: the context of cdk.json plus the
 * tenant selection, through the same `createTenantStack` the CDK app entry calls.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createTenantStack } from '../../lib/app';
import type { BankgateStack } from '../../lib/bankgate-stack';
import { PROJECT_ROOT } from '../../lib/paths';
import { TENANT_CONTEXT_KEY, TENANTS_CONTEXT_KEY } from '../../lib/tenant-config';

export type Json = Record<string, unknown>;

/**
 * One cloud assembly directory per test file: CDK caches bundled assets per output directory, so the
 * second tenant synthesized in a file reuses the first one's Lambda bundles and Vite build.
 */
const OUTDIR = mkdtempSync(join(tmpdir(), 'bankgate-cdk-test-'));

/** The `context` block of cdk.json: feature flags and `bankgate:tenants`. */
export function cdkJsonContext(): Json {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context;
}

/** The sample tenants declared in cdk.json. */
export function sampleTenants(): Record<string, Json> {
  return cdkJsonContext()[TENANTS_CONTEXT_KEY] as Record<string, Json>;
}

export interface SynthesizedTenant {
  readonly app: App;
  readonly stack: BankgateStack;
  readonly template: Template;
  /** Directory of the cloud assembly (bundled assets live under `asset.<hash>`). */
  readonly assemblyDir: string;
}

/** @param tenants replaces `bankgate:tenants` (default: the tenants of cdk.json). */
export function synthesizeTenant(tenant: string, tenants: Record<string, Json> = sampleTenants()): SynthesizedTenant {
  const app = new App({
    outdir: OUTDIR,
    context: { ...cdkJsonContext(), [TENANTS_CONTEXT_KEY]: tenants, [TENANT_CONTEXT_KEY]: tenant },
  });
  return withBundlingNotesLogged(() => {
    const stack = createTenantStack(app);
    const template = Template.fromStack(stack);
    return { app, stack, template, assemblyDir: app.synth().directory };
  });
}

/**
 * aws-cdk-lib writes "Bundling asset <path>..." straight to stderr for every bundle; during the (synchronous)
 * synthesis those lines go to the test file's log instead (console is the log under jest).
 */
function withBundlingNotesLogged<T>(synthesize: () => T): T {
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('Bundling asset ')) {
      console.log(chunk.trimEnd());
      return true;
    }
    return write.call(process.stderr, chunk, ...rest);
  }) as typeof write;
  try {
    return synthesize();
  } finally {
    process.stderr.write = write;
  }
}

/** Every resource of `type` in the template, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Json } & Json> {
  return template.findResources(type) as Record<string, { Properties: Json } & Json>;
}
