import type { Handler, RequestContext, ResponseHeaders } from '../../../proxy/http/request-context.js';
import { requestContext, type RequestSpec } from '../../support/request-context.js';

/** What one request through a path middleware led to: what `next` saw, or the middleware's own answer. */
export interface Outcome {
  /** null when the middleware called next. */
  status: number | null;
  headers: ResponseHeaders;
  body: string;
  /** ctx as next saw it. */
  path: string;
  rawPath: string;
  rawQuery: string;
  /** Values of a request header in rawHeaders order. */
  requestHeader(name: string): string[];
}

export function runPathMiddleware(build: (next: Handler) => Handler, spec: RequestSpec & { requestLine?: string } = {}): Outcome {
  const out: Outcome = {
    status: null, headers: {}, body: '', path: '', rawPath: '', rawQuery: '',
    requestHeader: (name) => {
      const raw = ctx.req.rawHeaders;
      const values: string[] = [];
      for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === name.toLowerCase()) values.push(raw[i + 1] as string);
      return values;
    },
  };
  const base = requestContext(spec);
  const res = base.res;
  // The request line as sent (absolute form included); `url` is what the entrypoint kept of it.
  const ctx: RequestContext = { ...base, req: { ...base.req, url: spec.requestLine ?? spec.url ?? '/' } };
  const handler = build((c) => {
    out.path = c.path;
    out.rawPath = c.rawPath;
    out.rawQuery = c.rawQuery;
  });
  handler(ctx);
  if (res.headersSent) {
    out.status = res.statusCode;
    out.headers = res.headers;
    out.body = res.body;
  }
  return out;
}
