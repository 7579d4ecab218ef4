import type { ServerResponse } from 'node:http';
import { applyHeaderHooks, type RequestContext, type ResponseHeaders } from './request-context.js';

// Traefik's own answers, byte for byte: Go's http.Error adds text/plain + nosniff and a newline,
// while proxy errors are written bare (status text, no Content-Type, no newline).
// Every answer pe-edge writes itself goes through the header hooks the middlewares around it registered:
// in Traefik their response modifiers wrap the writer, so an outer `headers` middleware (custom headers,
// CORS, security headers) also decorates a 502, a 429 or a 401, not only the upstream's answers.

/**
 * Writes an answer produced by pe-edge (an error, a redirect, a preflight). When the response has
 * already started streaming, the only honest signal left is to cut the connection.
 */
export function answer(ctx: RequestContext, status: number, headers: ResponseHeaders, body: string): void {
  const res = ctx.res as ServerResponse;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  applyHeaderHooks(ctx, status, headers);
  res.writeHead(status, headers);
  res.end(body);
}

/** Go http.Error: `text/plain; charset=utf-8`, `X-Content-Type-Options: nosniff`, body + "\n". */
export function sendGoError(ctx: RequestContext, status: number, text: string): void {
  const body = text + '\n';
  answer(ctx, status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(body)),
  }, body);
}

/** Bare status answer: body is the status text, no Content-Type (Traefik's proxy error handler). */
export function sendBareStatus(ctx: RequestContext, status: number, text: string): void {
  answer(ctx, status, { 'content-length': String(Buffer.byteLength(text)) }, text);
}

export const sendNotFound = (ctx: RequestContext): void => sendGoError(ctx, 404, '404 page not found');
export const sendNoAvailableServer = (ctx: RequestContext): void => sendGoError(ctx, 503, 'no available server');
