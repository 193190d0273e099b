/**
 * A fintech's connection to one bank, as fintechs build one: openid-client configured from the bank's
 * discovery document, every call to the bank's mTLS endpoints over an undici Agent that presents the
 * fintech's client certificate, private_key_jwt with its own signing key. Keys never leave this process.
 * Every exchange can be recorded (the TPP walkthrough shows them).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';

/** What a fintech holds for one bank: the bank's public addresses and its own registration there. */
export interface BankRegistration {
  readonly name: string;
  readonly issuer: string;
  readonly mtlsBaseUrl: string;
  /** PEM of the CA the bank's servers and the fintech's client certificate chain to. */
  readonly caPath: string;
  readonly clientId: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly signingJwkPath: string;
  readonly encryptionJwkPath: string;
}

export interface Exchange {
  readonly request: {
    readonly method: string;
    readonly url: string;
    readonly headers: Record<string, string>;
    readonly body?: string;
  };
  readonly response: { readonly status: number; readonly headers: Record<string, string>; readonly body: string };
}

export type Recorder = (exchange: Exchange) => void;

export interface BankConnection {
  readonly registration: BankRegistration;
  readonly config: oidc.Configuration;
  readonly signingKey: { readonly key: CryptoKey; readonly kid: string };
  readonly decryptionKey: CryptoKey;
  /** Server-side fetch over mTLS; `record` receives the request and the response. */
  fetch(url: string, init?: RequestInit, record?: Recorder): Promise<Response>;
  /** The same Configuration with every call recorded. */
  recording(record: Recorder): oidc.Configuration;
  close(): Promise<void>;
}

const headersOf = (headers: HeadersInit | undefined): Record<string, string> =>
  Object.fromEntries(new Headers(headers).entries());

const bodyOf = (body: unknown): string | undefined =>
  body === undefined || body === null ? undefined : body instanceof URLSearchParams ? body.toString() : String(body);

export async function connectBank(registration: BankRegistration): Promise<BankConnection> {
  const ca = readFileSync(registration.caPath);
  const agent = new Agent({
    connect: { ca, cert: readFileSync(registration.certPath), key: readFileSync(registration.keyPath) },
  });
  const send = async (url: string, init: RequestInit = {}, record?: Recorder): Promise<Response> => {
    const headers = headersOf(init.headers);
    // FAPI: the client may name the interaction; the bank echoes it (or its own) on the response.
    headers['x-fapi-interaction-id'] ??= randomUUID();
    const response = (await undiciFetch(url, {
      ...(init as object),
      headers,
      dispatcher: agent,
    })) as unknown as Response;
    if (record) {
      record({
        request: { method: init.method ?? 'GET', url, headers, body: bodyOf(init.body) },
        response: {
          status: response.status,
          headers: headersOf(response.headers),
          body: await response.clone().text(),
        },
      });
    }
    return response;
  };
  const signingJwk = JSON.parse(readFileSync(registration.signingJwkPath, 'utf8')) as JWK;
  const signingKey = {
    key: (await importJWK(signingJwk, signingJwk.alg ?? 'PS256')) as CryptoKey,
    kid: signingJwk.kid!,
  };
  const encryptionJwk = JSON.parse(readFileSync(registration.encryptionJwkPath, 'utf8')) as JWK;
  const decryptionKey = (await importJWK(encryptionJwk, 'RSA-OAEP-256')) as CryptoKey;
  const customFetch = ((url: string, init: RequestInit) => send(url, init)) as never;
  const config = await oidc.discovery(
    new URL(registration.issuer),
    registration.clientId,
    { use_mtls_endpoint_aliases: true },
    oidc.PrivateKeyJwt(signingKey),
    { [oidc.customFetch]: customFetch },
  );
  config[oidc.customFetch] = customFetch;
  return {
    registration,
    config,
    signingKey,
    decryptionKey,
    fetch: send,
    recording: (record) => {
      // Same metadata and client, a recording fetch: no second discovery round trip.
      const copy = new oidc.Configuration(
        config.serverMetadata(),
        registration.clientId,
        config.clientMetadata(),
        oidc.PrivateKeyJwt(signingKey),
      );
      copy[oidc.customFetch] = ((url: string, init: RequestInit) => send(url, init, record)) as never;
      return copy;
    },
    close: () => agent.close(),
  };
}
