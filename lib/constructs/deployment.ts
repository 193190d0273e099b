/**
 * CDK's S3 deployment function (BucketDeployment) uploads the truststore and the consent page. It is a
 * singleton that aws-cdk-lib creates and grants: this app controls neither its runtime nor its policy,
 * so its cdk-nag findings are acknowledged one by one here, each with the grant it comes from.
 */
import { type CfnElement, DefaultStackSynthesizer, type Stack, Validations } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

/** Every BucketDeployment in a stack with the same memory shares one function; another limit adds a second. */
export const BUCKET_DEPLOYMENT_MEMORY_MB = 512;

const SINGLETON_PREFIX = 'Custom::CDKBucketDeployment';

export function acknowledgeDeploymentFunction(stack: Stack, destinations: readonly IBucket[]): void {
  const qualifier =
    stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const placeholders: Record<string, string> = {
    Qualifier: qualifier,
    'AWS::AccountId': stack.account,
    'AWS::Region': stack.region,
  };
  const assetBucket = DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace(
    /\$\{([\w:]+)\}/g,
    (_, name: string) => placeholders[name],
  );
  const acknowledgements = [
    ...['s3:GetObject*', 's3:GetBucket*', 's3:List*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `aws-cdk-lib grantRead on the staged asset and grantReadWrite on the destination buckets expand to ${action}.`,
    })),
    ...['s3:DeleteObject*', 's3:Abort*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `aws-cdk-lib grantReadWrite on the destination buckets (truststore, consent page) expands to ${action}.`,
    })),
    {
      id: `AwsSolutions-IAM5[Resource::arn:${stack.partition}:s3:::${assetBucket}/*]`,
      reason: 'Reads the staged asset zip from the CDK bootstrap asset bucket of this account and region.',
    },
    ...destinations.map((bucket) => ({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>/*]`,
      reason: 'Writes the objects of a destination bucket owned by this stack.',
    })),
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "aws-cdk-lib's BucketDeployment grants cloudfront:CreateInvalidation/GetInvalidation on * in its shared singleton role; this app cannot scope it to the consent distribution.",
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'aws-cdk-lib attaches the basic execution policy so the deployment function can write its own logs.',
    },
    {
      id: 'AwsSolutions-L1',
      reason: 'The runtime of the deployment function is chosen by aws-cdk-lib; it runs only during deployments.',
    },
  ];
  for (const child of stack.node.children) {
    if (child.node.id.startsWith(SINGLETON_PREFIX)) Validations.of(child).acknowledge(...acknowledgements);
  }
}
