import { presentHeaders } from '../../../proxy/http/proxy-exchange.js';
import type { RequestContext, ResponseHeaders } from '../../../proxy/http/request-context.js';
import { requestContext, type RequestSpec } from '../../support/request-context.js';

/** What a middleware wrote itself, when it answered instead of calling next. */
export interface Answer {
  status: number;
  headers: ResponseHeaders;
  body: string;
}

/**
 * The unit tests' one RequestContext (test/support/request-context.ts) with the middleware tests' defaults (host
 * app.test, peer 192.0.2.7), and what the middleware answered itself, if it did.
 */
export function fakeContext(r: RequestSpec = {}): { ctx: RequestContext; answer: () => Answer | null } {
  const ctx = requestContext({ host: 'app.test', clientIp: '192.0.2.7', ...r });
  const res = ctx.res;
  return { ctx, answer: () => (res.headersSent ? { status: res.statusCode, headers: res.headers, body: res.body } : null) };
}

/** The upstream response headers as the forwarder would send them after the middlewares' hooks. */
export function runResponseHooks(ctx: RequestContext, status: number, upstream: ResponseHeaders): ResponseHeaders {
  const out = { ...upstream };
  const hooks = ctx.response?.headers ?? [];
  for (let i = hooks.length - 1; i >= 0; i--) (hooks[i] as (s: number, h: ResponseHeaders) => void)(status, out);
  // What a client receives: removed headers (undefined) are not sent.
  return presentHeaders(out);
}
