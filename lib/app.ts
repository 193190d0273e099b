/**
 * Composition of the CDK app: reads the selected tenant from the context (`-c tenant=<name>`) and the
 * tenants from cdk.json, validates the configuration and creates that tenant's stack. Tests call this
 * with an `App` whose context they control.
 */
import type { App } from 'aws-cdk-lib';
import { BankgateStack, stackName } from './bankgate-stack';
import { PROJECT_ROOT } from './paths';
import { resolveTenant, TENANT_CONTEXT_KEY, TENANTS_CONTEXT_KEY } from './tenant-config';

export function createTenantStack(app: App): BankgateStack {
  const tenant = resolveTenant(
    app.node.tryGetContext(TENANTS_CONTEXT_KEY),
    app.node.tryGetContext(TENANT_CONTEXT_KEY),
    PROJECT_ROOT,
  );
  return new BankgateStack(app, stackName(tenant.name), {
    tenant,
    env: { account: tenant.account, region: tenant.region },
    description: `Bankgate tenant ${tenant.name} (${tenant.displayName}): FAPI authorization server and Open Banking API gateway`,
    tags: { 'bankgate:tenant': tenant.name },
  });
}
