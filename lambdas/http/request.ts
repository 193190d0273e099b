/** Reading API Gateway REST (v1) proxy events: headers, bodies, the mTLS client certificate. */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ClientCertificate } from '../domain/client-auth';
import { certificateDer, derThumbprint } from '../domain/thumbprint';
import { InvalidRequest, ObError } from '../errors';

export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** Every value of the cookie `name` the request carries (single- and multi-value Cookie headers). */
export function cookieValues(event: APIGatewayProxyEvent, name: string): string[] {
  return [header(event, 'cookie'), ...(event.multiValueHeaders?.cookie ?? event.multiValueHeaders?.Cookie ?? [])]
    .filter((c): c is string => typeof c === 'string')
    .flatMap((c) => c.split(';'))
    .map((cookie) => cookie.trim().split('=', 2))
    .filter(([cookieName, value]) => cookieName === name && value)
    .map(([, value]) => value!);
}

/** The body's bytes as the client sent them (API Gateway base64-encodes binary bodies). */
export function rawBodyBytes(event: APIGatewayProxyEvent): Buffer {
  return Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
}

export function rawBody(event: APIGatewayProxyEvent): string {
  return event.isBase64Encoded ? rawBodyBytes(event).toString('utf8') : (event.body ?? '');
}

/** The Content-Type's media type, lower case, without parameters. */
export function mediaType(event: APIGatewayProxyEvent): string {
  return (header(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * An `application/x-www-form-urlencoded` body as a map. RFC 6749 §3.2: parameters must not repeat;
 * empty values count as absent.
 */
export function formBody(event: APIGatewayProxyEvent): Map<string, string> {
  if (mediaType(event) !== 'application/x-www-form-urlencoded') {
    throw new InvalidRequest('content-type must be application/x-www-form-urlencoded');
  }
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(rawBody(event))) {
    if (params.has(key)) throw new InvalidRequest(`parameter ${key} must not be repeated`);
    if (value !== '') params.set(key, value);
  }
  return params;
}

/**
 * A JSON body for the OAuth-format JSON APIs (consent page API, admin API); wrong media type or malformed
 * JSON -> invalid_request. Requiring JSON also forces a CORS preflight for any cross-site attempt.
 */
export function oauthJsonBody(event: APIGatewayProxyEvent): unknown {
  if (mediaType(event) !== 'application/json') throw new InvalidRequest('content-type must be application/json');
  try {
    return JSON.parse(rawBody(event));
  } catch {
    throw new InvalidRequest('request body is not valid JSON');
  }
}

/** A JSON object body for Open Banking APIs; wrong media type or malformed JSON -> OBErrorResponse1. */
export function jsonBody(event: APIGatewayProxyEvent): Record<string, unknown> {
  const type = mediaType(event);
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ObError(415, 'content-type must be application/json', [
      { ErrorCode: 'UK.OBIE.Header.Invalid', Message: 'content-type must be application/json', Path: 'content-type' },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody(event));
  } catch {
    throw ObError.field('UK.OBIE.Resource.InvalidFormat', 'Request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw ObError.field('UK.OBIE.Resource.InvalidFormat', 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** The ETag of an entity version (RFC 9110 §8.8.3): a strong tag, `"<version>"`. */
export function versionTag(version: number): Record<string, string> {
  return { etag: `"${version}"` };
}

/**
 * The version named by `If-Match` (RFC 9110 §13.1.1): a change conditional on the version the caller read.
 * Absent: unconditional (only this request's own read counts). Anything but one of our tags is a bad request.
 */
export function ifMatchVersion(event: APIGatewayProxyEvent): number | undefined {
  const value = header(event, 'if-match');
  if (value === undefined) return undefined;
  const match = /^"(\d{1,15})"$/.exec(value.trim());
  if (!match) throw new InvalidRequest('If-Match must be one ETag this API answered, e.g. "3"');
  return Number(match[1]);
}

/** The client certificate API Gateway verified against the truststore (mTLS custom domain). */
export function clientCertificate(event: APIGatewayProxyEvent): ClientCertificate | undefined {
  // Only the PEM is used: the subjectDN/issuerDN strings beside it are a lossy rendering of the DER names.
  const cert = (event.requestContext?.identity as { clientCert?: { clientCertPem?: string } })?.clientCert;
  if (!cert?.clientCertPem) return undefined;
  return {
    pem: cert.clientCertPem,
    thumbprint: certificateThumbprint(cert.clientCertPem),
  };
}

/**
 * The hash of the certificate's DER bytes, read straight from the PEM body: API Gateway has already
 * verified the certificate, and a full X.509 parse per request is the costliest step of a token call.
 */
export function certificateThumbprint(pem: string): string {
  const der = certificateDer(pem);
  if (!der) throw new InvalidRequest('the client certificate is not a PEM certificate');
  return derThumbprint(der);
}
