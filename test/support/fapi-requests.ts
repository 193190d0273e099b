/**
 * FAPI requests built by hand, for the tests whose point is a request the certified client library would
 * never send: form parameters, request objects, private_key_jwt assertions, PAR pushes, /authorize errors.
 */
import { randomUUID } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import { type Agent, fetch as undiciFetch } from 'undici';
import type { TestSandbox } from './sandbox';
import type { Tpp } from './tpp';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** RFC 6749 §4.1.2.1 / §5.2: the characters `error` and `error_description` may use. */
export const OAUTH_ERROR_CHARSET = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

/** The current time in the seconds of JWT time claims. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The key a test signs a JWT with in place of the client's own; `alg` defaults to PS256. */
export interface Signer {
  readonly key: CryptoKey | Uint8Array;
  readonly kid: string;
  readonly alg?: string;
}

const withoutUndefined = (claims: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined)) as JWTPayload;

/** Plain form parameters as a client sends them (claims as JSON text, undefined left out). */
export const asForm = (params: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(withoutUndefined(params)).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );

/** `tpp`'s request object for `audience`: valid iss/nbf/exp unless `claims` overrides them (undefined removes one). */
export function signRequestObject(
  tpp: Tpp,
  audience: string,
  claims: Record<string, unknown>,
  signer?: Signer,
): Promise<string> {
  const now = nowSeconds();
  const payload = withoutUndefined({ iss: tpp.clientId, aud: audience, nbf: now, exp: now + 300, ...claims });
  const { key, kid, alg = 'PS256' }: Signer = signer ?? { key: tpp.signingKey, kid: tpp.kid };
  return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'oauth-authz-req+jwt' }).sign(key);
}

/** `tpp`'s private_key_jwt assertion for `audience`: `claims` override (undefined drops), `signing` swaps alg/key. */
export function signClientAssertion(
  tpp: Tpp,
  audience: string,
  claims: JWTPayload = {},
  signing: { alg?: string; key?: CryptoKey } = {},
): Promise<string> {
  const now = nowSeconds();
  const payload = withoutUndefined({
    iss: tpp.clientId,
    sub: tpp.clientId,
    aud: audience,
    jti: randomUUID(),
    iat: now,
    exp: now + 60,
    ...claims,
  });
  return new SignJWT(payload)
    .setProtectedHeader({ alg: signing.alg ?? 'PS256', kid: tpp.kid })
    .sign(signing.key ?? tpp.signingKey);
}

/** The form fields of private_key_jwt client authentication with `assertion`, followed by `form`. */
export const assertionForm = (assertion: string, form: Record<string, string> = {}) => ({
  client_assertion_type: JWT_BEARER,
  client_assertion: assertion,
  ...form,
});

/** POST /par as `tpp` over mTLS, authenticated as it registered unless `anonymous`; `assertionClaims` alter its JWT. */
export async function pushAuthorizationRequest(
  sandbox: TestSandbox,
  tpp: Tpp,
  form: Record<string, string>,
  { assertionClaims = {}, anonymous = false }: { assertionClaims?: JWTPayload; anonymous?: boolean } = {},
) {
  const { issuer, mtls_base_url } = sandbox.manifest;
  let authentication: Record<string, string> = {};
  if (!anonymous) {
    authentication =
      sandbox.client(tpp.clientId).token_endpoint_auth_method === 'private_key_jwt'
        ? assertionForm(await signClientAssertion(tpp, issuer, assertionClaims))
        : { client_id: tpp.clientId };
  }
  const response = await tpp.fetch(`${mtls_base_url}/par`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form, ...authentication }).toString(),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** GET /authorize on the browser origin, as a browser would, without following redirects. */
export const authorizeInBrowser = (
  sandbox: TestSandbox,
  browser: Agent,
  query: Record<string, string>,
  headers: Record<string, string> = {},
) =>
  undiciFetch(`${sandbox.manifest.issuer}/authorize?${new URLSearchParams(query)}`, {
    headers,
    dispatcher: browser,
    redirect: 'manual',
  });

/** The customer sees an error page: 400, HTML titled with the error code, and no redirect at all. */
export async function expectErrorPage(response: Awaited<ReturnType<typeof authorizeInBrowser>>, error: string) {
  expect(response.status).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const page = await response.text();
  // Customer words first, the protocol code only in small print.
  expect(page).toMatch(/<h1>[A-Z][^<]+<\/h1>/);
  expect(page).toContain(`Error code: ${error}`);
  return page;
}
