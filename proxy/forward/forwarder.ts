import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { applyHeaderHooks, type RequestContext } from '../http/request-context.js';
import { sendBareStatus } from '../http/traefik-responses.js';
import { buildUpstreamHeaders } from './request-headers.js';
import { noteRetry, retryPolicyOf } from './retry-policy.js';
import { classifyUpstreamError, errorCode } from './upstream-errors.js';
import type { UpstreamPool } from './upstream-transport.js';

/** One server of a load balancer, resolved at build time. */
export interface Upstream {
  /** The server URL as configured (used in logs, API, access log ServiceURL). */
  readonly url: string;
  readonly pool: UpstreamPool;
  /** host:port of the server, sent as Host when passHostHeader is false. */
  readonly authority: string;
  /** Server URL path joined in front of the request path (servers[].preservePath), '' otherwise. */
  readonly basePath: string;
}

/**
 * Where a request goes when its upstream failed before answering. Built once per service; pe-edge
 * retries on another server (Traefik answers 502 unless a retry middleware is configured).
 */
export interface UpstreamFailover {
  /**
   * Another upstream to try after `failed`, or undefined when `attempt` retries are enough. `retries`
   * (a retry middleware's budget) raises the default budget and allows `failed` again when it is the only one.
   */
  next(failed: Upstream, attempt: number, retries?: number): Upstream | undefined;
  /** Set-Cookie for a sticky service when the request moved to `upstream`, else null. */
  setCookieFor(upstream: Upstream): string | null;
}

/** Failures that happen before the request reached the server: safe to send elsewhere. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);
/** Failures after sending: only requests that may be repeated (RFC 9110 idempotent methods). */
const CUT_BEFORE_ANSWER = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Response headers that describe the upstream connection, not the message. */
const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * Streams the request to the upstream and the response back, with backpressure both ways.
 * One handler object per request (undici 7 handler API) instead of promise chains and closures.
 */
class ProxyResponseHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  // Typed as the HTTP/1 response: node:http2's compatibility response has the same methods used here,
  // but TypeScript cannot call methods on the union.
  private readonly res: ServerResponse;
  private readonly http2: boolean;
  /** Where body bytes go: the client response, or a middleware's stream in front of it. */
  private sink: Writable;

  constructor(
    private readonly ctx: RequestContext,
    private readonly upstream: Upstream,
    private readonly passHostHeader: boolean,
    private readonly setCookie: string | null,
    private readonly failover: UpstreamFailover | null,
    private readonly attempt: number,
  ) {
    this.res = ctx.res as ServerResponse;
    this.sink = this.res;
    this.http2 = ctx.req.httpVersionMajor === 2;
    this.res.once('close', this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    if (!this.res.writableFinished && this.controller !== null && !this.controller.aborted) {
      this.controller.abort(new Error('client closed the connection'));
    }
  };

  private readonly onDrain = (): void => {
    this.controller?.resume();
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    const res = this.res;
    if (res.destroyed) {
      controller.abort(new Error('client closed the connection'));
      return;
    }
    const out: Record<string, string | string[]> = {};
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined || RESPONSE_HOP_BY_HOP.has(name)) continue;
      out[name] = value;
    }
    if (this.setCookie !== null) {
      const existing = out['set-cookie'];
      out['set-cookie'] = existing === undefined ? [this.setCookie] : [...(Array.isArray(existing) ? existing : [existing]), this.setCookie];
    }
    applyHeaderHooks(this.ctx, statusCode, out);
    // Buffering holds the whole answer and writes the head itself once the body is complete.
    const hold = this.ctx.response?.hold ?? null;
    if (hold !== null) {
      this.sink = hold(statusCode, out);
      return;
    }
    const bodyHook = this.ctx.response?.body ?? null;
    if (bodyHook !== null) this.sink = bodyHook(statusCode, out) ?? res;
    if (this.http2 || statusMessage === undefined || statusMessage === '') res.writeHead(statusCode, out);
    else res.writeHead(statusCode, statusMessage, out);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.ctx.bytesSent += chunk.length;
    if (!this.sink.write(chunk)) {
      controller.pause();
      this.sink.once('drain', this.onDrain);
    }
  }

  onResponseEnd(): void {
    this.sink.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    if (!this.res.headersSent && this.failover !== null && this.retriable(error)) {
      // A retry middleware (Traefik: only requests that never reached a server) raises the budget and backs off.
      const policy = NOT_CONNECTED.has(errorCode(error)) ? retryPolicyOf(this.ctx) : undefined;
      const next = this.failover.next(this.upstream, this.attempt, policy?.retries);
      if (next !== undefined) {
        if (policy !== undefined) noteRetry(this.ctx);
        this.res.off('close', this.onClientClose);
        const delay = policy?.delayMs(this.attempt) ?? 0;
        if (delay <= 0) this.retryOn(next);
        else setTimeout(() => this.retryOn(next), delay);
        return;
      }
    }
    const failure = classifyUpstreamError(error);
    sendBareStatus(this.ctx, failure.status, failure.text);
  }

  private retryOn(next: Upstream): void {
    if (this.res.destroyed) return;
    const failover = this.failover as UpstreamFailover;
    dispatchTo(this.ctx, next, this.passHostHeader, failover.setCookieFor(next), failover, this.attempt + 1);
  }

  /** Only when no request byte can have been processed twice: a streamed body is never replayed. */
  private retriable(error: Error): boolean {
    const ctx = this.ctx;
    if (ctx.upgrade !== null || (ctx.body === null && hasRequestBody(ctx))) return false;
    const code = errorCode(error);
    return NOT_CONNECTED.has(code) || (CUT_BEFORE_ANSWER.has(code) && IDEMPOTENT.has(ctx.method));
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, upstream: Duplex): void {
    const upgrade = this.ctx.upgrade;
    if (upgrade === null) {
      upstream.destroy();
      return;
    }
    relayUpgrade(upgrade.socket, upgrade.head, statusCode, headers, upstream);
  }
}

/** Writes the upstream's 101 to the client, then splices the two sockets together. */
function relayUpgrade(client: Duplex, head: Buffer, statusCode: number, headers: IncomingHttpHeaders, upstream: Duplex): void {
  let response = `HTTP/1.1 ${statusCode} Switching Protocols\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) response += `${name}: ${v}\r\n`;
  }
  client.write(response + '\r\n');
  if (head.length > 0) upstream.write(head);
  const closeBoth = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', closeBoth).on('close', closeBoth);
  upstream.on('error', closeBoth).on('close', closeBoth);
  upstream.pipe(client);
  client.pipe(upstream);
}

function hasRequestBody(ctx: RequestContext): boolean {
  const h = ctx.req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const length = h['content-length'];
  if (length !== undefined) return length !== '0';
  // HTTP/2 bodies need no length header: only the end of the stream tells.
  return ctx.req.httpVersionMajor === 2 && ctx.method !== 'GET' && ctx.method !== 'HEAD';
}

/**
 * Forwards ctx to one upstream. The outcome is written to ctx.res; nothing is returned.
 * `setCookie` is added to the response's Set-Cookie headers (sticky sessions); `failover` picks
 * another server when this one cannot be reached.
 */
export function forward(ctx: RequestContext, upstream: Upstream, passHostHeader: boolean, setCookie: string | null = null, failover: UpstreamFailover | null = null): void {
  dispatchTo(ctx, upstream, passHostHeader, setCookie, failover, 0);
}

function dispatchTo(ctx: RequestContext, upstream: Upstream, passHostHeader: boolean, setCookie: string | null, failover: UpstreamFailover | null, attempt: number): void {
  ctx.serviceUrl = upstream.url;
  const query = ctx.rawQuery === '' ? '' : '?' + (ctx.rawQuery.includes(';') ? ctx.rawQuery.replaceAll(';', '&') : ctx.rawQuery);
  const headers = buildUpstreamHeaders(ctx, {
    trusted: ctx.trustForwarded,
    host: passHostHeader && ctx.hostHeader !== '' ? ctx.hostHeader : upstream.authority,
  });
  const upgradeValue = ctx.upgrade !== null ? headerText(ctx.req.headers.upgrade) : null;
  upstream.pool.dispatch(
    {
      // stripPrefix leaves an empty path on an exact match; Go sends it as '/'.
      path: (upstream.basePath + ctx.rawPath || '/') + query,
      method: ctx.method as Dispatcher.HttpMethod,
      headers,
      body: ctx.body?.open() ?? (upgradeValue === null && hasRequestBody(ctx) ? ctx.req : null),
      upgrade: upgradeValue,
    },
    new ProxyResponseHandler(ctx, upstream, passHostHeader, setCookie, failover, attempt),
  );
}

function headerText(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join(', ') : (v ?? 'websocket');
}
