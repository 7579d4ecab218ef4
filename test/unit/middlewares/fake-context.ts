import type { RequestContext, ResponseHeaders } from '../../../proxy/http/request-context.js';
import { warnFault } from '../../../proxy/http/exchange-fault.js';
import { RecordingResponse } from '../../support/recording-response.js';

/** What a middleware wrote itself, when it answered instead of calling next. */
export interface Answer {
  status: number;
  headers: ResponseHeaders;
  body: string;
}

export interface FakeRequest {
  method?: string;
  host?: string;
  tls?: boolean;
  trustForwarded?: boolean;
  /** Raw header pairs as the client spelled them. */
  headers?: [string, string][];
}

/** A RequestContext over plain objects: enough for middlewares that read headers and answer or call next. */
export function fakeContext(r: FakeRequest = {}): { ctx: RequestContext; answer: () => Answer | null } {
  const raw: string[] = [];
  const headers: Record<string, string | string[]> = {};
  const hostHeader = r.host ?? 'app.test';
  for (const [name, value] of [['Host', hostHeader], ...(r.headers ?? [])] as [string, string][]) {
    raw.push(name, value);
    const lower = name.toLowerCase();
    const current = headers[lower];
    headers[lower] = current === undefined ? value : `${String(current)}, ${value}`;
  }
  const res = new RecordingResponse();
  const ctx: RequestContext = {
    req: { headers, rawHeaders: raw, method: r.method ?? 'GET', url: '/', httpVersion: '1.1', httpVersionMajor: 1, socket: {}, bodyStream: null },
    res,
    faults: warnFault,
    host: hostHeader.replace(/:\d+$/, '').toLowerCase(),
    hostHeader,
    method: r.method ?? 'GET',
    path: '/',
    rawPath: '/',
    rawQuery: '',
    clientIp: '192.0.2.7',
    clientPort: 40000,
    tls: r.tls ?? false,
    tlsConnection: null,
    entryPoint: 'web',
    trustForwarded: r.trustForwarded ?? false,
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
    bytesSent: 0,
    response: null,
    upgrade: null,
  };
  return { ctx, answer: () => (res.headersSent ? { status: res.statusCode, headers: res.headers, body: res.body } : null) };
}

/** The upstream response headers as the forwarder would send them after the middlewares' hooks. */
export function runResponseHooks(ctx: RequestContext, status: number, upstream: ResponseHeaders): ResponseHeaders {
  const out = { ...upstream };
  const hooks = ctx.response?.headers ?? [];
  for (let i = hooks.length - 1; i >= 0; i--) (hooks[i] as (s: number, h: ResponseHeaders) => void)(status, out);
  return out;
}
