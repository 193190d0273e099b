/**
 * cfn-lint (the AWS CloudFormation linter, a Python tool) over a synthesized template. Error-level findings
 * are what CloudFormation refuses at deploy time; warnings are reported unless accepted below with a reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';

export const CFN_LINT_INSTALL = 'pip install cfn-lint';

export interface CfnLintFinding {
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: readonly (string | number)[] };
}

/** Warnings aws-cdk-lib itself writes into every template, which the app cannot change, each with its reason. */
export const ACCEPTED_WARNINGS: Readonly<
  Record<string, { readonly why: string; readonly applies: (f: CfnLintFinding) => boolean }>
> = {
  W3005: {
    why: "aws-cdk-lib's Function adds DependsOn on its own role, which the Role property's GetAtt already implies",
    applies: (f) => f.Location.Path[0] === 'Resources' && f.Location.Path[2] === 'DependsOn',
  },
};

/** The `cfn-lint --version` line, or undefined when cfn-lint is not on PATH. */
export function cfnLintVersion(): string | undefined {
  const run = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** Every finding of cfn-lint on `template`, linted for the tenant's region. */
export function cfnLint(template: Template, region: string): CfnLintFinding[] {
  const file = join(mkdtempSync(join(tmpdir(), 'bankgate-cfn-lint-')), 'template.json');
  writeFileSync(file, JSON.stringify(template.toJSON()));
  const run = spawnSync('cfn-lint', ['--format', 'json', '--regions', region, '--', file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error || !run.stdout.trim().startsWith('[')) {
    throw new Error(`cfn-lint did not run: ${run.error?.message ?? run.stderr}`);
  }
  return JSON.parse(run.stdout) as CfnLintFinding[];
}

/** Findings that block a deploy or are not accepted, as short lines for a readable assertion diff. */
export function unacceptedFindings(findings: readonly CfnLintFinding[]): string[] {
  return findings
    .filter((f) => f.Level !== 'Informational' && !(f.Level === 'Warning' && ACCEPTED_WARNINGS[f.Rule.Id]?.applies(f)))
    .map((f) => `${f.Level} ${f.Rule.Id} at ${f.Location.Path.join('/')}: ${f.Message}`);
}
