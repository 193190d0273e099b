/**
 * Cold-start proxies per Lambda handler: the minified bundle as CDK builds it (esbuild, ESM, node22,
 * `mainFields: ['module','main']`, same banner) and the time a fresh Node process takes to import it,
 * next to a baseline bundle that holds only the AWS SDK clients the handler's manifest entry needs
 * (the DynamoDB document client if it has tables, the KMS client if it uses keys): the floor any
 * handler with those dependencies pays.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { type HandlerSpec, handlers } from '../lambdas/routes';
import { handlerEnvironment } from '../sandbox/sandbox';

const ROOT = join(__dirname, '..');

export interface BundleRow {
  readonly id: string;
  readonly bytes: number;
  readonly importMs: number;
  readonly baseline: string;
  readonly baselineBytes: number;
  readonly baselineImportMs: number;
}

/** Lambda's environment with placeholder values: module scope may read it, nothing is called. */
const importEnvironment = {
  ...process.env,
  // Lambda runs Node 22; the SDK's Node 20 notice would be printed (and timed) on every import here.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ...handlerEnvironment({
    browserUrl: 'https://auth.bench.example',
    mtlsUrl: 'https://mtls.bench.example',
    keys: {
      signingAlg: 'PS256',
      signingKeyIds: {
        'id-token': 'bench-id-token',
        'gateway-response': 'bench-response',
        'upstream-caller': 'bench-caller',
      },
      encryptionKeyId: 'bench-encryption-key',
      macKeyIds: { 'paging-cursor': 'bench-paging-cursor' },
    },
    idpIssuer: 'https://idp.bench.example',
    idpClientSecret: 'bench',
    staffIdpClientSecret: 'bench',
    dynamoEndpoint: 'http://127.0.0.1:9',
    kmsEndpoint: 'http://127.0.0.1:9',
    caFile: '/dev/null',
    verbose: false,
  }),
};

/** `entry`: a handler path, or the source of a baseline entry (resolved from the repository root). */
async function bundle(
  entry: { path: string } | { source: string },
  outdir: string,
): Promise<{ file: string; bytes: number }> {
  const result = await build({
    ...('path' in entry
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.source, resolveDir: ROOT, sourcefile: 'baseline.ts', loader: 'ts' as const } }),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    // As lib/constructs/handler-functions.ts: the AWS SDK is the Lambda runtime's, so it stays an import here and
    // a fresh process loads it from node_modules (Lambda loads it from the runtime's own node_modules).
    external: ['@aws-sdk/*'],
    // CommonJS dependencies in an ES module still require() built-ins.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    outExtension: { '.js': '.mjs' },
    metafile: true,
    write: true,
    outdir,
    logLevel: 'error',
  });
  const [file, output] = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('.mjs'))!;
  return { file: join(ROOT, file), bytes: output.bytes };
}

/**
 * Median wall time of `await import(file)` in a fresh process, measured inside that process. One
 * unmeasured run first, so every measured run finds the file in the page cache (as a warm Lambda host would).
 */
function importTime(file: string, runs: number): number {
  const script = 'const t = performance.now(); await import(process.argv[1]); console.log(performance.now() - t);';
  const once = () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(file).href], {
        env: importEnvironment,
        encoding: 'utf8',
      }).trim(),
    );
  once();
  const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function baselineOf(spec: HandlerSpec): { name: string; source: string } {
  const dynamo = Object.keys(spec.tables).length > 0;
  const kms = spec.keys.length > 0;
  const lines = [
    ...(dynamo
      ? [
          "export { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
          "export { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
        ]
      : []),
    ...(kms ? ["export { KMSClient } from '@aws-sdk/client-kms';"] : []),
  ];
  const name = [dynamo ? 'dynamodb' : '', kms ? 'kms' : ''].filter(Boolean).join('+') || 'empty';
  return { name, source: `${lines.join('\n')}\nexport {};\n` };
}

export async function measureBundles(outRoot: string, importRuns: number): Promise<BundleRow[]> {
  const baselines = new Map<string, { file: string; bytes: number }>();
  const rows: BundleRow[] = [];
  for (const spec of handlers) {
    const baseline = baselineOf(spec);
    if (!baselines.has(baseline.name)) {
      baselines.set(
        baseline.name,
        await bundle({ source: baseline.source }, join(outRoot, 'baselines', baseline.name)),
      );
    }
    const base = baselines.get(baseline.name)!;
    const built = await bundle(
      { path: join(ROOT, 'lambdas', 'handlers', `${spec.id}.ts`) },
      join(outRoot, 'handlers', spec.id),
    );
    // Timed back to back, so a busy machine slows the pair alike and the ratio stays meaningful.
    rows.push({
      id: spec.id,
      bytes: built.bytes,
      importMs: importTime(built.file, importRuns),
      baseline: baseline.name,
      baselineBytes: base.bytes,
      baselineImportMs: importTime(base.file, importRuns),
    });
  }
  return rows;
}
