/**
 * What handler-level tests invoke Lambda handlers against: the sandbox's in-process dynalite (with the
 * TransactWriteItems the admin changes need) and its local KMS with a tenant's keys, plus the environment
 * CDK gives the functions. Call it before the handler modules are imported: they read it at module scope.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import * as x509 from '@peculiar/x509';
import type { APIGatewayEventClientCertificate } from 'aws-lambda';
import { certificateThumbprint } from '../../lambdas/http/request';
import { allTables } from '../../lambdas/tables';
import { ensureTables, sandboxTableName, startLocalDynamo } from '../../sandbox/dynamo';
import { clientCertIdentity } from '../../sandbox/event';
import { ensureTenantKeys, keyEnvironment } from '../../sandbox/kms/bootstrap';
import { startLocalKms } from '../../sandbox/kms/server';

const REGION = 'eu-west-2';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface HandlerEnvironment {
  close(): Promise<void>;
}

/** `name` labels the data dir and the KMS key aliases. */
export async function startHandlerEnvironment(opts: { name: string; issuer: string }): Promise<HandlerEnvironment> {
  const dataDir = await mkdtemp(join(tmpdir(), `bankgate-${opts.name}-`));
  const dynamo = await startLocalDynamo({ port: 0 });
  const kms = await startLocalKms({ dataDir, port: 0 });
  const [tenantKeys] = await Promise.all([
    ensureTenantKeys(new KMSClient({ endpoint: kms.url, region: REGION, credentials: CREDENTIALS }), {
      signingAlg: 'PS256',
      prefix: `${opts.name}-tests`,
    }),
    ensureTables(new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials: CREDENTIALS })),
  ]);
  Object.assign(process.env, {
    ...Object.fromEntries(allTables.map((table) => [table.envVar, sandboxTableName(table)])),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_KMS: kms.url,
    BANKGATE_ISSUER: opts.issuer,
    BANKGATE_MTLS_BASE_URL: 'https://mtls.bank.test',
    ...keyEnvironment(tenantKeys),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  return {
    close: async () => {
      await Promise.all([kms.close(), dynamo.close()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A self-signed client certificate as API Gateway passes it on; the mTLS layer, not the handlers, picks the CAs. */
export async function selfSignedClientCertificate(
  subjectDn: string,
): Promise<{ clientCert: APIGatewayEventClientCertificate; thumbprint: string }> {
  const keyPair = await webcrypto.subtle.generateKey(ecdsa, false, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: subjectDn,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys: keyPair,
    signingAlgorithm: ecdsa,
  });
  const pem = certificate.toString('pem');
  return { clientCert: clientCertIdentity(new X509Certificate(pem)), thumbprint: certificateThumbprint(pem) };
}
