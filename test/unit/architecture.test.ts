/**
 * The layering, checked over the TypeScript imports:
 * - the domain (`lambdas/domain/`) depends on neither the transport (`http/`) nor the AWS boundary
 *   (`adapters/`), nor on the handlers or the composition root that build them;
 * - the CDK app (`lib/`, `bin/`) imports no module that constructs runtime clients or loggers, directly or
 *   through other modules (it runs at synth time, where those must not exist);
 * - every handler is an ordered list of named steps (`runSteps`, or a portal's routes through
 *   `portalHandler`), except the one-expression JWKS handler.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const LAMBDAS = join(ROOT, 'lambdas');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Static and dynamic imports and re-exports; `import type` / `export type` are erased and left out when `values`. */
function importsOf(file: string, { values }: { values: boolean }): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm;
  for (const [, , typeOnly, specifier] of source.matchAll(statement)) {
    if (!(values && typeOnly)) specifiers.push(specifier!);
  }
  for (const [, specifier] of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specifiers.push(specifier!);
  for (const [, specifier] of source.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    specifiers.push(specifier!);
  }
  return specifiers;
}

/** A relative specifier as a file of this repository, or undefined for a package. */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base].find((path) => existsSync(path));
}

/** Constructs a logger, metrics, a tracer or an AWS SDK client when the module is evaluated or called. */
const RUNTIME_CONSTRUCTION = /\bnew\s+(Logger|Metrics|Tracer|[A-Z][A-Za-z]*Client)\s*\(|DynamoDBDocumentClient\.from\(/;

const constructsRuntime = (file: string) => RUNTIME_CONSTRUCTION.test(readFileSync(file, 'utf8'));

/** Every repository module `entry` loads at run time, with the import chain that reaches it. */
function valueClosure(entry: string): Map<string, string[]> {
  const reached = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const specifier of importsOf(file, { values: true })) {
      const target = resolveLocal(file, specifier);
      if (target && !reached.has(target)) {
        reached.set(target, [...reached.get(file)!, target]);
        queue.push(target);
      }
    }
  }
  return reached;
}

const repoPath = (file: string) => relative(ROOT, file);

describe('the domain depends on no transport and no adapter', () => {
  const forbidden = [
    join(LAMBDAS, 'http'),
    join(LAMBDAS, 'adapters'),
    join(LAMBDAS, 'handlers'),
    join(LAMBDAS, 'wiring.ts'),
  ];

  it('imports nothing from http/, adapters/, handlers/ or wiring.ts', () => {
    // Prepare
    const domain = sourceFiles(join(LAMBDAS, 'domain'));
    // Act
    const violations = domain.flatMap((file) =>
      importsOf(file, { values: false })
        .map((specifier) => resolveLocal(file, specifier))
        .filter((target): target is string => target !== undefined)
        .filter((target) => forbidden.some((layer) => target === layer || target.startsWith(`${layer}/`)))
        .map((target) => `${repoPath(file)} -> ${repoPath(target)}`),
    );
    // Assess
    expect(domain.length).toBeGreaterThan(20);
    expect(violations).toEqual([]);
  });

  it('would see such an import (the check is not vacuous)', () => {
    const handler = join(LAMBDAS, 'handlers', 'token.ts');
    const targets = importsOf(handler, { values: false }).map((specifier) => resolveLocal(handler, specifier));
    expect(targets).toEqual(expect.arrayContaining([join(LAMBDAS, 'http', 'handler.ts'), join(LAMBDAS, 'wiring.ts')]));
  });
});

describe('the CDK app constructs no runtime client or logger', () => {
  it('loads no module that constructs one, directly or transitively', () => {
    // Prepare
    const entries = [...sourceFiles(join(ROOT, 'lib')), ...sourceFiles(join(ROOT, 'bin'))];
    // Act
    const violations = entries.flatMap((entry) =>
      [...valueClosure(entry).entries()]
        .filter(([file]) => constructsRuntime(file))
        .map(([, chain]) => chain.map(repoPath).join(' -> ')),
    );
    // Assess
    expect(violations).toEqual([]);
  });

  it('recognises the modules that do construct them', () => {
    const observability = join(LAMBDAS, 'http', 'observability.ts');
    const wiring = join(LAMBDAS, 'wiring.ts');
    expect([observability, wiring].map(constructsRuntime)).toEqual([true, true]);
    // A handler reaches them through its imports: what lib/ must never do.
    expect(valueClosure(join(LAMBDAS, 'handlers', 'token.ts')).has(observability)).toBe(true);
  });
});

describe('handlers', () => {
  it('are each an ordered list of named steps', () => {
    // Prepare
    const handlers = sourceFiles(join(LAMBDAS, 'handlers')).filter((file) => !file.endsWith('jwks.ts'));
    // Act
    // Portal APIs are step lists through `portalHandler` (http/portal.ts), which runs each route's steps.
    const withoutSteps = handlers.filter((file) => !/\b(runSteps|portalHandler)\(/.test(readFileSync(file, 'utf8')));
    // Assess
    expect(handlers.length).toBeGreaterThanOrEqual(11);
    expect(withoutSteps.map(repoPath)).toEqual([]);
  });
});
