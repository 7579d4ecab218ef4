import type { ServerResponse } from 'node:http';
import type { ClientResponse } from './request-context.js';

// Traefik's own answers, byte for byte: Go's http.Error adds text/plain + nosniff and a newline,
// while proxy errors are written bare (status text, no Content-Type, no newline).

/** Go http.Error: `text/plain; charset=utf-8`, `X-Content-Type-Options: nosniff`, body + "\n". */
export function sendGoError(res: ClientResponse, status: number, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = body + '\n';
  (res as ServerResponse).writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Bare status answer: body is the status text, no Content-Type (Traefik's proxy error handler). */
export function sendBareStatus(res: ClientResponse, status: number, text: string): void {
  if (res.headersSent) {
    // The response already started streaming: the only honest signal left is to cut the connection.
    res.destroy();
    return;
  }
  (res as ServerResponse).writeHead(status, { 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export const sendNotFound = (res: ClientResponse): void => sendGoError(res, 404, '404 page not found');
export const sendNoAvailableServer = (res: ClientResponse): void => sendGoError(res, 503, 'no available server');
