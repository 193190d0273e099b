/**
 * The one wrapper every HTTP handler uses: a middy chain that gives each request an interaction id and
 * a request-scoped logger, enforces the body limit, sets protective headers, and renders every error in
 * the endpoint's protocol format. Handlers stay thin: they parse, call domain steps, and return.
 */
import { randomUUID } from 'node:crypto';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { isRetryable, OAuthError, ObError, ProtocolError, ServerError, TemporarilyUnavailable } from '../errors';
import { metrics, type RequestLog, requestLog } from './observability';
import { PAGE_CSP, renderPage } from './page';
import { header } from './request';
import { STRICT_TRANSPORT_SECURITY } from './strict-transport';

/** How errors are shown: OAuth JSON, OBErrorResponse1 JSON, or an HTML page (browser endpoints). */
export type ErrorFormat = 'oauth' | 'openbanking' | 'html';

export interface HttpHandlerOptions {
  readonly errors: ErrorFormat;
  /** @default 65536 (64 KiB) */
  readonly maxBodyBytes?: number;
}

export interface HttpRequest {
  readonly event: APIGatewayProxyEvent;
  readonly context: Context;
  /** `x-fapi-interaction-id`: the caller's, or a new UUID; echoed on the response. */
  readonly interactionId: string;
  /** Logger whose every line carries this request's interaction id. */
  readonly log: RequestLog;
}

export type HttpResponse = APIGatewayProxyResult;

const INTERACTION_ID = /^[A-Za-z0-9-]{1,64}$/;
const DEFAULT_MAX_BODY = 64 * 1024;

const BASE_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function noContent(headers: Record<string, string> = {}): HttpResponse {
  return { statusCode: 204, headers, body: '' };
}

/** 303 See Other, as FAPI 2.0 requires for redirects after POST. */
export function redirect(location: string, statusCode = 303, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { location, ...headers }, body: '' };
}

export function html(statusCode: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      ...headers,
    },
    body,
  };
}

/** What a person reads for an error of a browser endpoint: customer words; the protocol code goes in small print. */
function customerWords(known: ProtocolError): { title: string; paragraphs: string[] } {
  const again = 'Go back to the app you came from and start again from there.';
  if (!(known instanceof OAuthError) || known.status >= 500) {
    return { title: 'Something went wrong', paragraphs: ['We could not complete your request just now.', again] };
  }
  if (known.error === 'invalid_request_uri' && /expired|already used/.test(known.description)) {
    return {
      title: 'This link has expired or was already used',
      paragraphs: ['Links to sign in for an app work once, for a few minutes.', again],
    };
  }
  if (known.error === 'invalid_request_uri' || known.error === 'invalid_request_object') {
    return {
      title: 'This link is not valid',
      paragraphs: ['The link that brought you here was not made by an app we know, or was changed.', again],
    };
  }
  if (known.error === 'invalid_client' || known.error === 'unauthorized_client') {
    return {
      title: 'This app is not known to us',
      paragraphs: ['The app that sent you here is not registered with us, so we cannot let you sign in for it.', again],
    };
  }
  return {
    title: 'This link is not valid',
    paragraphs: ['The app that sent you here made a request we cannot accept.', again],
  };
}

function errorPage(known: ProtocolError, interactionId: string): string {
  const code = known instanceof OAuthError ? known.error : 'server_error';
  return renderPage(
    { bankName: process.env.BANKGATE_TENANT_NAME ?? 'Bankgate' },
    { ...customerWords(known), smallPrint: [`Error code: ${code}`, `Reference: ${interactionId}`] },
  );
}

/** Maps any error to the protocol's error response. Unknown errors never leak internals. */
export function renderError(error: unknown, format: ErrorFormat, interactionId: string): HttpResponse {
  let known: ProtocolError;
  if (error instanceof ProtocolError) {
    known = error;
  } else if (isRetryable(error)) {
    known = format === 'openbanking' ? ObError.unavailable() : new TemporarilyUnavailable();
  } else {
    known =
      format === 'openbanking'
        ? new ObError(500, 'Unexpected error', [{ ErrorCode: 'UK.OBIE.UnexpectedError', Message: 'Unexpected error' }])
        : new ServerError();
  }
  if (format === 'html') return html(known.status, errorPage(known, interactionId), known.headers);
  if (known instanceof ObError || format === 'openbanking') {
    const ob = known instanceof ObError ? known : toObError(known);
    return json(ob.status, { Code: ob.code, Id: interactionId, Message: ob.message, Errors: ob.errors }, ob.headers);
  }
  const oauth = known as OAuthError;
  return json(oauth.status, { error: oauth.error, error_description: oauth.description }, oauth.headers);
}

/** An OAuth error raised on an Open Banking API (bad bearer token) shown as OBErrorResponse1. */
function toObError(error: ProtocolError): ObError {
  const code =
    error.status === 401
      ? 'UK.OBIE.Unauthorised'
      : error.status === 403
        ? 'UK.OBIE.Forbidden'
        : 'UK.OBIE.Field.Invalid';
  const ob = new ObError(error.status, error.message, [{ ErrorCode: code, Message: error.message }]);
  Object.assign(ob.headers, error.headers);
  return ob;
}

/**
 * Wraps an endpoint function as a Lambda handler for API Gateway REST proxy events.
 * The same exported handler runs on Lambda and in the local sandbox.
 */
export function httpHandler(
  options: HttpHandlerOptions,
  endpoint: (request: HttpRequest) => Promise<HttpResponse>,
): middy.MiddyfiedHandler<APIGatewayProxyEvent, HttpResponse, Error, Context> {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const handler = middy<APIGatewayProxyEvent, HttpResponse, Error, Context>();
  // Where metrics are switched off (the sandbox) the middleware would only warn about empty metrics on every call.
  if (process.env.POWERTOOLS_METRICS_DISABLED !== 'true')
    handler.use(logMetrics(metrics, { captureColdStartMetric: true }));
  return handler.handler(async (event, context) => {
    const offered = header(event, 'x-fapi-interaction-id');
    const interactionId = offered && INTERACTION_ID.test(offered) ? offered : randomUUID();
    const log = requestLog({
      interactionId,
      requestId: context.awsRequestId,
      route: `${event.httpMethod} ${event.resource}`,
    });
    let response: HttpResponse;
    try {
      if (event.body && Buffer.byteLength(event.body) > maxBody * (event.isBase64Encoded ? 4 / 3 : 1)) {
        const tooLarge =
          options.errors === 'openbanking'
            ? ObError.field('UK.OBIE.Field.Invalid', `request body exceeds ${maxBody} bytes`, undefined, 413)
            : new OAuthError('invalid_request', `request body exceeds ${maxBody} bytes`, 413);
        throw tooLarge;
      }
      response = await endpoint({ event, context, interactionId, log });
    } catch (error) {
      if (error instanceof ProtocolError) {
        log.info('request refused', { status: error.status, error: error.message });
      } else {
        log.error('request failed', error as Error);
      }
      response = renderError(error, options.errors, interactionId);
    }
    const headers: Record<string, string | number | boolean> = {
      ...BASE_HEADERS,
      ...response.headers,
      'x-fapi-interaction-id': interactionId,
      'strict-transport-security': STRICT_TRANSPORT_SECURITY,
    };
    // A handler that sets its own cache policy (JWKS, discovery) must not also say `pragma: no-cache`.
    if (response.headers?.['cache-control'] !== undefined) delete headers.pragma;
    response.headers = headers;
    log.info('request completed', { status: response.statusCode });
    return response;
  });
}
