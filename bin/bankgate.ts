#!/usr/bin/env node
/**
 * CDK app entry: `npx cdk synth|deploy -c tenant=<name>` builds the stack of one tenant declared under
 * `bankgate:tenants` in cdk.json. cdk-nag's AwsSolutions checks run over the whole app on every synthesis.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createTenantStack } from '../lib/app';
import { TenantConfigError } from '../lib/tenant-config';

const app = new App();
try {
  createTenantStack(app);
} catch (error) {
  if (!(error instanceof TenantConfigError)) throw error;
  // A configuration mistake is the engineer's to fix: the message, not a stack trace.
  console.error(error.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
