// The one RequestContext of unit tests: a request as the entrypoint would hand it to routing and middlewares,
// over plain objects and a RecordingResponse, with harmless defaults for everything a test does not say.
import type { ProxyRequest, RequestContext } from '../../proxy/http/request-context.js';
import { warnFault } from '../../proxy/http/exchange-fault.js';
import { canonicalHost, routingPath } from '../../proxy/http/request-target.js';
import { RecordingResponse } from './recording-response.js';

/** What a test says about a request; everything else gets a harmless default. */
export interface RequestSpec {
  /** Host header as the client sent it, port and case included (default `example.com`). */
  readonly host?: string;
  readonly method?: string;
  /** Request target: path plus optional `?query`. */
  readonly url?: string;
  /** Header lines in arrival order, as the client spelled them; a name may repeat. */
  readonly headers?: readonly (readonly [string, string])[];
  /** The peer's address (default 127.0.0.1). */
  readonly clientIp?: string;
  /** Build the req as the HTTP/2 front does: no headersDistinct, repeated fields joined in `headers`, lower-case raw names. */
  readonly http2?: boolean;
  /** Arrived over TLS (without a TLS connection's facts: tlsConnection stays null). */
  readonly tls?: boolean;
  /** The entrypoint trusts the peer's X-Forwarded-* headers. */
  readonly trustForwarded?: boolean;
}

/** A RequestContext for `spec`; its response records what a handler answered. */
export function requestContext(spec: RequestSpec = {}): RequestContext & { readonly res: RecordingResponse } {
  const hostHeader = spec.host ?? 'example.com';
  const lines: (readonly [string, string])[] = [['Host', hostHeader], ...(spec.headers ?? [])];
  const headers: Record<string, string | string[]> = {};
  const headersDistinct: Record<string, string[]> = {};
  const rawHeaders: string[] = [];
  for (const [name, value] of lines) {
    const key = name.toLowerCase();
    (headersDistinct[key] ??= []).push(value);
    const prev = headers[key];
    headers[key] = prev === undefined ? value : `${String(prev)}, ${value}`;
    rawHeaders.push(spec.http2 === true ? key : name, value);
  }
  const url = spec.url ?? '/';
  const method = spec.method ?? 'GET';
  const common = { headers, rawHeaders, url, method, httpVersion: spec.http2 === true ? '2.0' : '1.1', httpVersionMajor: spec.http2 === true ? 2 : 1, socket: {}, bodyStream: null };
  const req: ProxyRequest = spec.http2 === true ? common : { ...common, headersDistinct };
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  return {
    req,
    res: new RecordingResponse(),
    faults: warnFault,
    host: canonicalHost(hostHeader),
    hostHeader,
    method,
    path: routingPath(rawPath),
    rawPath,
    pathRewritten: false,
    receivedPath: rawPath,
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    clientIp: spec.clientIp ?? '127.0.0.1',
    clientPort: 40000,
    tls: spec.tls ?? false,
    tlsConnection: null,
    entryPoint: 'web',
    trustForwarded: spec.trustForwarded ?? false,
    upgrade: null,
    routerName: '',
    ownHeaders: null,
    omitForwardedFor: false,
    deletedForwarded: null,
    notAppendForwardedFor: false,
    username: '',
    retry: null,
    retries: 0,
    firstOnConnection: true,
    serviceName: '',
    serviceUrl: '',
    startedAt: 0n,
    body: null,
    streamedBody: null,
    response: null,
    bytesSent: 0,
  };
}
