import type { ServerResponse } from 'node:http';
import type { RequestContext } from '../http/request-context.js';

/** Success as Go's json.Encoder writes it: JSON plus a newline. */
export function writeJson(ctx: RequestContext, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  (ctx.res as ServerResponse).writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  ctx.res.end(text);
}

/** Go's http.Error: text/plain even when the body is JSON, trailing newline. */
export function writeError(ctx: RequestContext, status: number, body: string): void {
  const text = `${body}\n`;
  (ctx.res as ServerResponse).writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(text) });
  ctx.res.end(text);
}

export function writeMessage(ctx: RequestContext, status: number, message: string): void {
  writeError(ctx, status, JSON.stringify({ message }));
}
