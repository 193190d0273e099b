/**
 * The customer's browser session for one authorization request: an HttpOnly, Secure, SameSite=Lax
 * cookie `<loginId>.<secret>`. The store keeps only sha256(secret). Lax (not Strict) because the
 * browser must send it on the top-level redirect back from the bank's identity provider.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOGIN_TTL } from '../domain/authorization';
import { cookieValues } from './request';

export const LOGIN_COOKIE = '__Host-bankgate_login';

export function loginCookie(loginId: string, secret: string): string {
  return `${LOGIN_COOKIE}=${loginId}.${secret}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${LOGIN_TTL}`;
}

export function clearedLoginCookie(): string {
  return `${LOGIN_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`;
}

/** The login id and secret from the request's cookie, if present and well formed. */
export function readLoginCookie(event: APIGatewayProxyEvent): { loginId: string; secret: string } | undefined {
  for (const value of cookieValues(event, LOGIN_COOKIE)) {
    const match = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (match) return { loginId: match[1]!, secret: match[2]! };
  }
  return undefined;
}
