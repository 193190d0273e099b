/**
 * HTTP Strict Transport Security (RFC 6797) for every HTTPS response of both API origins: handler
 * responses, API Gateway's mock integrations and gateway responses, and the sandbox's own answers.
 * Two years with subdomains, like the consent page's CloudFront policy.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=63072000; includeSubDomains';
