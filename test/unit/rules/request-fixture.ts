import type { ProxyRequest, RequestContext } from '../../../proxy/http/request-context.js';
import { warnFault } from '../../../proxy/http/exchange-fault.js';
import { routingPath } from '../../../proxy/http/request-target.js';
import { RecordingResponse } from '../../support/recording-response.js';

/** What a test says about a request; everything else gets a harmless default. */
export interface RequestSpec {
  /** Host header as the client sent it, port and case included. */
  readonly host?: string;
  readonly method?: string;
  /** Request target: path plus optional `?query`. */
  readonly url?: string;
  /** Header lines in arrival order; a name may repeat. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly clientIp?: string;
  /** Build the fake req like HTTP/2 compat does: no headersDistinct, repeated fields joined in `headers`. */
  readonly http2?: boolean;
}

/** Canonical host as the entrypoint computes it: port and brackets off, trimmed, lower-case, one trailing dot off. */
export function canonicalHost(hostHeader: string): string {
  let h = hostHeader.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end < 0 ? h : h.slice(1, end);
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(':') === colon) h = h.slice(0, colon);
  }
  h = h.toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** The routing path, as the entrypoint derives ctx.path. */
export function matcherPath(rawPath: string): string {
  return routingPath(rawPath);
}

export function requestContext(spec: RequestSpec = {}): RequestContext {
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
    rawHeaders.push(spec.http2 ? key : name, value);
  }
  const common = { headers, rawHeaders, url: spec.url ?? '/', method: spec.method ?? 'GET', httpVersion: spec.http2 ? '2.0' : '1.1', httpVersionMajor: spec.http2 ? 2 : 1, socket: {}, bodyStream: null };
  const req: ProxyRequest = spec.http2 ? common : { ...common, headersDistinct };
  const url = spec.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  return {
    req,
    res: new RecordingResponse(),
    faults: warnFault,
    host: canonicalHost(hostHeader),
    hostHeader,
    method: spec.method ?? 'GET',
    path: matcherPath(rawPath),
    rawPath,
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    clientIp: spec.clientIp ?? '127.0.0.1',
    clientPort: 40000,
    tls: false,
    tlsConnection: null,
    entryPoint: 'web',
    trustForwarded: false,
    upgrade: null,
    routerName: '',
    ownHeaders: null,
    omitForwardedFor: false,
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
