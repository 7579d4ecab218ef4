import { isBodilessStatus } from './bodiless-status.js';
import { reportFault } from './exchange-fault.js';
import { goStatusText } from './go-status-text.js';
import { http2Refuses } from './http2-status.js';
import { hasRepeatedHost, isValidHostHeader } from './request-target.js';
import { applyHeaderHooks, caughtBy, headStatus, removeResponseHeader, type BodySink, type RequestContext, type ResponseHeaders } from './request-context.js';

// The one writer of every answer pe-edge produces itself (errors, redirects, preflights, internal services).
// Traefik's own answers, byte for byte: Go's http.Error adds text/plain + nosniff and a newline,
// while proxy errors are written bare (status text, no Content-Type, no newline).
// Every answer goes through the header hooks the middlewares around it registered: in Traefik their
// response modifiers wrap the writer, so an outer `headers` middleware (custom headers, CORS, security
// headers) also decorates a 502, a 429, a 401 or /ping, not only the upstream's answers.

/**
 * Writes an answer produced by pe-edge. When the response has already started streaming, the only
 * honest signal left is to cut the connection; a client already gone gets nothing. Never throws.
 */
export function answer(ctx: RequestContext, status: number, headers: ResponseHeaders, body: string | Buffer): void {
  const res = ctx.res;
  if (res.clientGone || res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A status relayed as it came (forwardAuth's, circuitBreaker's responseCode) that node's HTTP/2 cannot send: the
  // forwarder's answer to such a server status, not a reset stream.
  if (http2Refuses(ctx, status)) {
    sendStatusText(ctx, 502);
    return;
  }
  // An errors middleware around the answer's producer replaces it (Traefik: its codeCatcher wraps the writer).
  const produced = status;
  status = headStatus(ctx, status);
  if (status !== produced && isBodilessStatus(status)) {
    // Re-statused (statusRewrites) to a status without a body: the head alone.
    removeResponseHeader(headers, 'content-length');
    body = '';
  }
  const catcher = caughtBy(ctx, status);
  if (catcher !== null) {
    catcher.serve(status);
    return;
  }
  try {
    applyHeaderHooks(ctx, status, headers);
  } catch (err) {
    reportFault(ctx, 'handler', err);
  }
  let headFailed = false;
  const sendHead = (): void => {
    const failed = res.sendHead(status, headers);
    if (failed === null) return;
    headFailed = true;
    reportFault(ctx, 'response', failed);
  };
  // A compress (or grpcWeb) middleware around the producer takes the body too, as Traefik's wrapped writer would.
  const bodyHook = ctx.response?.body ?? null;
  let sink: BodySink | null = null;
  try {
    sink = bodyHook === null ? null : bodyHook(status, headers, sendHead);
  } catch (err) {
    reportFault(ctx, 'handler', err);
  }
  if (sink !== null) {
    sink.end(body);
    return;
  }
  sendHead();
  if (!headFailed) res.end(body);
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
export function sendBareStatus(ctx: RequestContext, status: number, text: string, headers: ResponseHeaders = {}): void {
  headers['content-length'] = String(Buffer.byteLength(text));
  answer(ctx, status, headers, text);
}

/** Traefik's proxy-style answer: Go's text for the status as the body, no Content-Type (what oxy and Traefik's handlers write). */
export function sendStatusText(ctx: RequestContext, status: number, headers: ResponseHeaders = {}): void {
  sendBareStatus(ctx, status, goStatusText(status), headers);
}

/** Go's `http.Error(w, http.StatusText(code), code)`. */
export function sendGoStatusError(ctx: RequestContext, status: number): void {
  sendGoError(ctx, status, goStatusText(status));
}

/** An answer with a body and its type (API JSON, metrics text): Content-Length from the body. */
export function sendBody(ctx: RequestContext, status: number, contentType: string | null, body: string, headers: ResponseHeaders = {}): void {
  if (contentType !== null) headers['content-type'] = contentType;
  headers['content-length'] = String(Buffer.byteLength(body));
  answer(ctx, status, headers, body);
}

export const sendNotFound = (ctx: RequestContext): void => sendGoError(ctx, 404, '404 page not found');
export const sendNoAvailableServer = (ctx: RequestContext): void => sendGoError(ctx, 503, 'no available server');

/**
 * Go's net/http answer to a request head its server refuses before any handler runs (conn.serve writing a
 * statusError): the cause in the reason phrase and the body, no Date, no length, and the connection closes
 * after it. Traefik's handlers never see such a request, so no middleware hook applies: these are bytes for
 * the connection, written by the front that read the head.
 */
export function goHeadRefusal(status: number, cause: string): string {
  const text = `${status} ${goStatusText(status)}: ${cause}`;
  return `HTTP/1.1 ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${text}`;
}

/** Go's readRequest refuses a head with more than one Host line (server.go: "too many Host headers"). */
export const TOO_MANY_HOSTS = goHeadRefusal(400, 'too many Host headers');
export const MISSING_HOST = goHeadRefusal(400, 'missing required Host header');
export const MALFORMED_HOST = goHeadRefusal(400, 'malformed Host header');
/** Go's readRequest serves HTTP/1.x only (http1ServerSupportsRequest): a request line claiming HTTP/2.0 gets this. */
export const UNSUPPORTED_VERSION = goHeadRefusal(400, 'unsupported protocol version');

/**
 * Go's answer to a request whose Transfer-Encoding it does not support (conn.serve, unsupportedTEError): 501, and a
 * body that does not echo the value.
 */
export const UNSUPPORTED_TRANSFER_ENCODING =
  'HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nUnsupported transfer encoding';

/**
 * Go's refusal bytes for a request's Host lines (readRequest): more than one line, none on HTTP/1.1, or a
 * value with a byte no host may hold (httpguts.ValidHostHeader); null when the Host is acceptable.
 */
export function hostRefusal(rawHeaders: readonly string[], host: string | undefined, httpVersion: string): string | null {
  if (hasRepeatedHost(rawHeaders)) return TOO_MANY_HOSTS;
  if (host === undefined) return httpVersion === '1.1' ? MISSING_HOST : null;
  return isValidHostHeader(host) ? null : MALFORMED_HOST;
}

/**
 * Go's answer to an Expect other than 100-continue (server.go's sendExpectationFailed): 417 with no body, and the
 * connection closes after it.
 */
export function goExpectationFailed(): string {
  return `HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\nDate: ${new Date().toUTCString()}\r\n\r\n`;
}

/** Go's answer to a head it cannot parse (or one too large): the status and its text, as body too. */
export function goBareRefusal(status: number): string {
  const text = `${status} ${goStatusText(status)}`;
  return `HTTP/1.1 ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${text}`;
}
