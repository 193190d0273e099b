import { InvalidClient, InvalidRequest, InvalidToken, ObError } from '../../lambdas/errors';
import { renderError } from '../../lambdas/http/handler';

describe('error rendering', () => {
  it('renders OAuth errors as RFC 6749 JSON with their status and headers', () => {
    const response = renderError(new InvalidToken('expired'), 'oauth', 'iid');
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ error: 'invalid_token', error_description: 'expired' });
    expect(response.headers?.['WWW-Authenticate']).toContain('invalid_token');
  });

  it('keeps echoed client input inside the RFC 6749 error_description character set', () => {
    // Prepare: a parameter name as a client could send it (quote, backslash, non-ASCII, newline)
    const error = new InvalidRequest('parameter a"\\bé\n must not be repeated');

    // Act
    const body = JSON.parse(renderError(error, 'oauth', 'iid').body);

    // Assess: %x20-21 / %x23-5B / %x5D-7E only
    expect(body.error_description).toBe('parameter a??b?? must not be repeated');
    expect(body.error_description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]*$/);
  });

  it('renders OBErrorResponse1 with Code, Id and Errors', () => {
    const response = renderError(ObError.notFound('Consent not found'), 'openbanking', 'iid-1');
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toEqual({
      Code: '404 Not Found',
      Id: 'iid-1',
      Message: 'Consent not found',
      Errors: [{ ErrorCode: 'UK.OBIE.Resource.NotFound', Message: 'Consent not found' }],
    });
  });

  it('shows an OAuth error raised on an Open Banking API in the OB format', () => {
    const response = renderError(new InvalidClient('nope'), 'openbanking', 'iid');
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).Errors[0].ErrorCode).toBe('UK.OBIE.Unauthorised');
  });

  it('never leaks internals of unknown errors', () => {
    const secret = new Error('connect to db at 10.0.0.1 failed: password=hunter2');
    for (const format of ['oauth', 'openbanking', 'html'] as const) {
      const response = renderError(secret, format, 'iid');
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toContain('hunter2');
      expect(response.body).not.toContain('10.0.0.1');
    }
  });

  it('maps throttling to 503 with Retry-After', () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    const oauth = renderError(throttled, 'oauth', 'iid');
    expect(oauth.statusCode).toBe(503);
    expect(oauth.headers?.['Retry-After']).toBe('1');
    expect(JSON.parse(oauth.body).error).toBe('temporarily_unavailable');
    const ob = renderError(throttled, 'openbanking', 'iid');
    expect(ob.statusCode).toBe(503);
    expect(JSON.parse(ob.body).Code).toBe('503 Service Unavailable');
  });

  it('maps a transaction cancelled for throttling to 503, and one cancelled by a condition to 500', () => {
    // Prepare
    const cancelled = (code: string) =>
      Object.assign(new Error('Transaction cancelled'), {
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'None' }, { Code: code }],
      });
    // Act
    const throttled = renderError(cancelled('ThrottlingError'), 'oauth', 'iid');
    const failed = renderError(cancelled('ConditionalCheckFailed'), 'oauth', 'iid');
    // Assess
    expect(throttled.statusCode).toBe(503);
    expect(throttled.headers?.['Retry-After']).toBe('1');
    expect(failed.statusCode).toBe(500);
  });
});
