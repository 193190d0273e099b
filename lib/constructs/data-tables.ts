/**
 * Every DynamoDB table in `lambdas/tables.ts`, the same definitions the sandbox creates in dynalite:
 * on-demand, TTL where the definition has one, point-in-time recovery, deletion protection, encrypted
 * with a customer-managed key, and retained when the stack is deleted (consents and audit are records).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  Billing,
  ProjectionType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { allTables, type KeyAttribute, type TableDefinition, type TableKey, tables } from '../../lambdas/tables';
import { pascalCase } from './naming';

export interface DataTablesProps {
  readonly tenant: string;
}

export class DataTables extends Construct {
  /** Customer-managed key for every table (symmetric, yearly rotation). */
  readonly key: Key;
  private readonly byName = new Map<string, TableV2>();

  constructor(scope: Construct, id: string, props: DataTablesProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      alias: `alias/bankgate/${props.tenant}/data`,
      description: `Bankgate ${props.tenant}: DynamoDB table encryption`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const definition of allTables) {
      this.byName.set(definition.name, this.createTable(props.tenant, definition));
    }
  }

  /** The table created from `tables[key]`. */
  table(key: TableKey): TableV2 {
    return this.byName.get(tables[key].name)!;
  }

  /** Every table with its definition, in definition order. */
  get all(): readonly { readonly definition: TableDefinition; readonly table: TableV2 }[] {
    return allTables.map((definition) => ({ definition, table: this.byName.get(definition.name)! }));
  }

  /** `TABLE_*` environment variables: every table's physical name, under the name handlers read. */
  get environment(): Record<string, string> {
    return Object.fromEntries(this.all.map(({ definition, table }) => [definition.envVar, table.tableName]));
  }

  private createTable(tenant: string, definition: TableDefinition): TableV2 {
    return new TableV2(this, pascalCase(definition.name), {
      tableName: `bankgate-${tenant}-${definition.name}`,
      partitionKey: attribute(definition.partitionKey),
      sortKey: definition.sortKey && attribute(definition.sortKey),
      globalSecondaryIndexes: definition.indexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey && attribute(index.sortKey),
        ...(typeof index.projection === 'object'
          ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection.include] }
          : { projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY }),
      })),
      timeToLiveAttribute: definition.ttlAttribute,
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.customerManagedKey(this.key),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}
