/**
 * The mTLS truststore: the tenant's CA bundle uploaded to a private bucket that API Gateway reads when
 * the custom domain is created or updated. The object key carries the bundle's hash, so changing the
 * CAs in the configuration makes CloudFormation update the domain (API Gateway does not re-read an
 * object in place), and old bundles stay for rollbacks.
 */
import { createHash } from 'node:crypto';
import { RemovalPolicy } from 'aws-cdk-lib';
import type { MTLSConfig } from 'aws-cdk-lib/aws-apigateway';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { BUCKET_DEPLOYMENT_MEMORY_MB } from './deployment';

export interface TruststoreProps {
  readonly pem: string;
  readonly accessLogs: IBucket;
}

export class Truststore extends Construct {
  readonly bucket: Bucket;
  readonly mtls: MTLSConfig;
  /** Completes once the bundle is in the bucket: the custom domain must depend on it. */
  readonly upload: BucketDeployment;

  constructor(scope: Construct, id: string, props: TruststoreProps) {
    super(scope, id);
    const bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'truststore-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const key = `truststore-${createHash('sha256').update(props.pem).digest('hex').slice(0, 16)}.pem`;
    this.upload = new BucketDeployment(this, 'Upload', {
      destinationBucket: bucket,
      sources: [Source.data(key, props.pem)],
      // A rollback points the domain back at the previous bundle, which therefore must still exist.
      prune: false,
      memoryLimit: BUCKET_DEPLOYMENT_MEMORY_MB,
    });
    this.bucket = bucket;
    this.mtls = { bucket, key };
  }
}
