/** The DynamoDB adapters behind the store ports (built once per process by `wiring.ts`). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CertificateRevocationList } from '../../ports/certificate-revocation';
import type {
  AuthorizationStore,
  ClientStore,
  ConsentStore,
  OnceStore,
  PortalSessionStore,
  TokenStore,
} from '../../ports/store';
import { dynamoAuthorizationStore } from './authorizations';
import { dynamoClientStore } from './clients';
import { dynamoConsentStore } from './consents';
import { dynamoOnceStore } from './once';
import { dynamoPortalSessionStore } from './portal-sessions';
import { dynamoRevokedCertificates } from './revoked-certificates';
import { dynamoTokenStore } from './tokens';

export interface Stores {
  readonly clients: ClientStore;
  readonly consents: ConsentStore;
  readonly tokens: TokenStore;
  readonly once: OnceStore;
  readonly authorizations: AuthorizationStore;
  readonly portalSessions: PortalSessionStore;
  readonly revokedCertificates: CertificateRevocationList;
}

/** `tenant.idTokenSigningAlg`: registrations are checked against the tenant's ID token key. */
export function createStores(doc: DynamoDBDocumentClient, tenant: { idTokenSigningAlg?: string } = {}): Stores {
  return {
    clients: dynamoClientStore(doc, tenant.idTokenSigningAlg),
    consents: dynamoConsentStore(doc),
    tokens: dynamoTokenStore(doc),
    once: dynamoOnceStore(doc),
    authorizations: dynamoAuthorizationStore(doc),
    portalSessions: dynamoPortalSessionStore(doc),
    revokedCertificates: dynamoRevokedCertificates(doc),
  };
}
