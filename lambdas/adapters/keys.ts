/**
 * The process-wide KeyService. The KMS client is created once per cold start; its endpoint is the AWS
 * default, or AWS_ENDPOINT_URL_KMS when set (the SDK reads it itself; the sandbox points it at its local KMS).
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { config } from '../config';
import type { KeyService } from '../ports/keys';
import { createKmsKeyService } from './kms-keys';

const kms = new KMSClient({});

let instance: KeyService | undefined;

export function keyService(): KeyService {
  if (!instance) {
    const { signingKeyId, signingAlg, encryptionKeyId, publishedSigningKeyIds } = config();
    if (!signingKeyId) throw new Error('BANKGATE_SIGNING_KEY_ID is not set');
    instance = createKmsKeyService({ kms, signingKeyId, signingAlg, encryptionKeyId, publishedSigningKeyIds });
  }
  return instance;
}
