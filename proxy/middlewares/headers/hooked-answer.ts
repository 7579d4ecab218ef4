import type { ServerResponse } from 'node:http';
import type { RequestContext, ResponseHeaders } from '../../http/request-context.js';

/**
 * Writes an answer a middleware produced itself (preflight, Bad Host, 401) through the header hooks
 * the middlewares around it registered: in Traefik their response modifiers wrap every writer, so an
 * outer `headers` middleware also decorates these answers.
 */
export function answerThroughHooks(ctx: RequestContext, status: number, headers: ResponseHeaders, body: string): void {
  const res = ctx.res as ServerResponse;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const hooks = ctx.response;
  if (hooks !== null) {
    for (let i = hooks.headers.length - 1; i >= 0; i--) (hooks.headers[i] as (s: number, h: ResponseHeaders) => void)(status, headers);
  }
  res.writeHead(status, headers);
  res.end(body);
}

/** Go's http.Error as it reaches the client through the hooks: text/plain, nosniff, body + "\n". */
export function goErrorThroughHooks(ctx: RequestContext, status: number, text: string): void {
  const body = text + '\n';
  answerThroughHooks(ctx, status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(body)),
  }, body);
}
