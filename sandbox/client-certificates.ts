/**
 * Sandbox only: the developer portal's "Issue sandbox certificate". A developer trying the sandbox gets a client
 * certificate and its key from the sandbox's TPP CA at once, for an application it is registering. The CA's key
 * stays in the sandbox process (`pki.ts`): this is no Lambda handler, the stack has no such route, and the
 * deployed `config.json` has no `sandbox` entry, so the portal shows the button only when the sandbox serves it.
 *
 * The sandbox chooses the subject: C of the CA, O = the organisation given, CN = the application's name plus
 * 128 random bits. Anybody reaching the sandbox may ask, so the random part makes a certificate that can never
 * carry the subject DN of a client registered before (tls_client_auth matches the DN).
 */
import { randomBytes } from 'node:crypto';
import { SANDBOX_CA_SUBJECT, type SandboxPki } from './pki';

/** Browser origin path of the sandbox's certificate issuance; `config.json` names it as `sandbox.clientCertificates`. */
export const CLIENT_CERTIFICATES_PATH = '/sandbox/client-certificates';

/** X.520 upper bounds: organizationName and commonName at most 64 characters. */
const MAX_NAME = 64;

/** Letters, digits, spaces and a few separators: a name the certificate and the DN string carry as it is. */
const printable = (value: unknown, fallback: string) => {
  const text = typeof value === 'string' ? value.replace(/[^A-Za-z0-9 .&'()-]/g, '').trim() : '';
  return text || fallback;
};

export interface IssuedSandboxCertificate {
  readonly subject_dn: string;
  readonly certificate_pem: string;
  readonly private_key_pem: string;
}

/** Issues a client certificate for `{ organisation, application_name }`; answers 400 for a body that is no JSON object. */
export async function issueSandboxCertificate(
  pki: Pick<SandboxPki, 'issueClientCertificate'>,
  body: Buffer,
): Promise<{ status: number; body: IssuedSandboxCertificate | { error: string; error_description: string } }> {
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (request === null || typeof request !== 'object' || Array.isArray(request)) throw new Error('not an object');
  } catch {
    return { status: 400, body: { error: 'invalid_request', error_description: 'send a JSON object' } };
  }
  const suffix = randomBytes(16).toString('hex');
  const name = printable(request.application_name, 'sandbox-app')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, MAX_NAME - suffix.length - 1);
  const subject = {
    country: SANDBOX_CA_SUBJECT.country,
    organization: printable(request.organisation, 'Sandbox Fintech').slice(0, MAX_NAME),
    commonName: `${name || 'app'}-${suffix}`,
  };
  const { certPem, keyPem, subjectDn } = await pki.issueClientCertificate(subject);
  return {
    status: 201,
    body: {
      subject_dn: subjectDn,
      certificate_pem: certPem,
      private_key_pem: keyPem,
    },
  };
}
