import { isBodilessStatus } from '../http/bodiless-status.js';
import { goRequestUri } from '../http/go-escaped-path.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { reportFault } from '../http/exchange-fault.js';
import { endToEndResponseHeaders } from '../http/hop-by-hop.js';
import { applyHeaderHooks, caughtBy, headStatus, removeResponseHeader, type BodySink, type ProxyResponse, type RequestContext, type ResponseHeaders, type StatusCatcher } from '../http/request-context.js';
import { sendStatusText } from '../http/traefik-responses.js';
import { http2Refuses } from '../http/http2-status.js';
import { runExchange } from '../http/run-exchange.js';
import { buildUpstreamHeaders } from './request-headers.js';
import { isValidHostHeader } from '../http/request-target.js';
import { classifyUpstreamError, cutBeforeAnswer, neverConnected } from './upstream-errors.js';
import { IDEMPOTENCY_KEY_HEADERS, isReplayable } from './replay-policy.js';
import { ownHeader, putHeader } from '../http/header-bag.js';
import { hasRequestBody } from '../http/request-body-framing.js';
import type { UpstreamPool } from './upstream-transport.js';
import type { ForwardRequest, LendingHandler } from './http1/exchange.js';
import { needsBodyProbe, probeBody } from './body-probe.js';
import { BatchedBody, batchedBody } from './batched-body.js';
import { relayableTrailers } from '../http/trailers.js';
import { clientChunkRead } from '../http/client-read-garbage.js';
import { timerMs } from '../timer-bounds.js';

/** One server of a load balancer, resolved at build time. */
export interface Upstream {
  /** The server URL as configured (used in logs, API, access log ServiceURL). */
  readonly url: string;
  readonly pool: UpstreamPool;
  /** host:port of the server, sent as Host when passHostHeader is false. */
  readonly authority: string;
  /** Server URL path joined in front of the request path (servers[].preservePath), '' otherwise. */
  readonly basePath: string;
  /** The service's responseForwarding.flushInterval in ms (negative: every write goes out at once). */
  readonly flushIntervalMs: number;
}

/**
 * Where a request goes when its upstream failed before answering. Built once per service; pe-edge
 * retries on another server (Traefik answers 502 unless a retry middleware is configured).
 */
export interface UpstreamFailover {
  /**
   * Another upstream after `attempts` failed ones, the distinct servers among them in `tried`, or undefined when
   * that is enough. A server already tried is picked again only under a retry middleware's budget (`retries`),
   * which also raises the default one, and only when no other server is left.
   */
  next(tried: readonly Upstream[], attempts: number, retries: number | undefined, clientIp: string): Upstream | undefined;
  /** Set-Cookie for a sticky service when the request moved to `upstream`, else null. */
  setCookieFor(upstream: Upstream): string | null;
  /** Hears each exchange with a server (strategies that measure, passive health checks); null when none does. */
  readonly observer: ExchangeObserver | null;
}

/** Each exchange with a server, from dispatch to its end; `ended` is called exactly once per `started`. */
export interface ExchangeObserver {
  started(upstream: Upstream): void;
  /** The answer head came `ms` after the exchange started. */
  answered(upstream: Upstream, status: number, ms: number): void;
  /**
   * `failed`: the server answered nothing (refused, reset, timed out) or answered 5xx, Traefik's passive health
   * check's reading. A client that left first is no failure of the server's.
   */
  ended(upstream: Upstream, failed: boolean): void;
}


/**
 * Streams the request to the upstream and the response back, with backpressure both ways.
 * One handler object per request (undici 7 handler API) instead of promise chains and closures.
 */
class ProxyResponseHandler implements LendingHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private readonly res: ProxyResponse;
  /** Where body bytes go: the client response, the flushInterval batch in front of it, or a middleware's stream. */
  private sink: BodySink | ProxyResponse | BatchedBody;
  /** The head not sent yet (a body hook may hold it until it has decided the headers): null once sent. */
  private heldHeaders: ResponseHeaders | null = null;
  private heldStatus = 0;
  /** The errors middleware that took this answer over: its body is read and dropped, then the catcher answers. */
  private caught: StatusCatcher | null = null;
  /** Bytes of a caught answer's body read and thrown away so far. */
  private caughtBytes = 0;
  /** An error page re-statused to 204 or 304: no body may follow its head. */
  private dropBody = false;
  /** The observer still to be told how the exchange ended, null once told (or when there is none). */
  private observer: ExchangeObserver | null;
  private startedAt = 0;
  /** The upstream's answer status, 0 before its head. */
  private answerStatus = 0;

  constructor(
    private readonly ctx: RequestContext,
    private readonly upstream: Upstream,
    private readonly passHostHeader: boolean,
    private readonly setCookie: string | null,
    private readonly failover: UpstreamFailover | null,
    /** What this request's earlier attempts failed on, null on the first attempt. */
    private readonly before: FailedAttempts | null,
    /** This attempt streams the client's own body upstream (not one held in memory, nor none), which no retry can send again. */
    private readonly streamsClientBody: boolean,
  ) {
    this.res = ctx.res;
    this.sink = this.res;
    this.res.once('close', this.onClientClose);
    this.observer = failover?.observer ?? null;
    if (this.observer !== null) {
      this.startedAt = performance.now();
      this.observer.started(upstream);
    }
  }

  /** Tells the observer how the exchange ended, once. */
  private settle(failed: boolean): void {
    const observer = this.observer;
    if (observer === null) return;
    this.observer = null;
    observer.ended(this.upstream, failed);
  }

  /** The upstream answer ended or failed: a client closing after it leaves nothing to abort. */
  private upstreamDone = false;

  private readonly onClientClose = (): void => {
    if (!this.upstreamDone) this.settle(false);
    // Not `res.completed`: a client that resets an HTTP/2 stream mid-answer must abort the upstream too.
    if (!this.upstreamDone && this.controller !== null && !this.controller.aborted) {
      this.controller.abort(new Error('client closed the connection'));
    }
  };

  /** A 'drain' listener is on the sink: one per pause, however many writes the paused read still makes. */
  private awaitingDrain = false;
  private readonly onDrain = (): void => {
    this.awaitingDrain = false;
    this.controller?.resume();
  };
  private pauseUntilDrain(controller: Dispatcher.DispatchController, sink: { once(event: 'drain', listener: () => void): unknown }): void {
    controller.pause();
    if (this.awaitingDrain) return;
    this.awaitingDrain = true;
    sink.once('drain', this.onDrain);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  // Each callback runs inside the upstream pool's socket events: an error raised here must end this
  // exchange (reported once), never escape into the pool's listener and end the process.
  // The upstream's reason phrase (undici's fourth argument) is not relayed: Traefik writes Go's for the status.
  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    try {
      this.startResponse(controller, statusCode, headers);
    } catch (err) {
      this.fail(controller, err);
    }
  }

  private startResponse(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.answerStatus = statusCode;
    this.ctx.originHeaders = headers;
    this.observer?.answered(this.upstream, statusCode, performance.now() - this.startedAt);
    const res = this.res;
    if (res.clientGone) {
      controller.abort(new Error('client closed the connection'));
      return;
    }
    if (statusCode === 101) {
      // A 101 that is no upgrade (no `Connection: upgrade`, or none was asked for): Go's ReverseProxy finds
      // no protocol to switch to and Traefik answers 500, as for a mismatched one below.
      sendStatusText(this.ctx, 500);
      controller.abort(new Error('backend answered 101 without switching to the requested protocol'));
      return;
    }
    if (http2Refuses(this.ctx, statusCode)) {
      sendStatusText(this.ctx, 502);
      controller.abort(new Error(`backend answered status ${statusCode}, which HTTP/2 cannot carry here`));
      return;
    }
    const status = headStatus(this.ctx, statusCode);
    const catcher = caughtBy(this.ctx, status);
    if (catcher !== null) {
      this.caught = catcher;
      this.heldStatus = status;
      return;
    }
    const out = endToEndResponseHeaders(headers);
    this.addStickyCookie(out);
    if (status !== statusCode && isBodilessStatus(status)) {
      // statusRewrites to 204/304: the page's framing would announce a body the status forbids (HTTP/2 resets it).
      removeResponseHeader(out, 'content-length');
      removeResponseHeader(out, 'transfer-encoding');
      this.dropBody = true;
    }
    applyHeaderHooks(this.ctx, status, out);
    this.heldStatus = status;
    this.heldHeaders = out;
    // Buffering holds the whole answer and writes the head itself once the body is complete.
    const hold = this.ctx.response?.hold ?? null;
    if (hold !== null) {
      this.sink = hold(status, out, this.sendHeld);
      return;
    }
    const bodyHook = this.ctx.response?.body ?? null;
    const sink = bodyHook === null ? null : bodyHook(status, out, this.sendHeld);
    if (sink !== null) this.sink = sink;
    else {
      this.sink = batchedBody(res, this.upstream.flushIntervalMs, headers) ?? res;
      this.sendHeld();
    }
  }

  /**
   * The sticky cookie of the server this attempt went to, on whatever head its answer has (a 101 too): Traefik's
   * balancer sets it on the response writer before proxying, and every head is written from that writer.
   */
  private addStickyCookie(out: ResponseHeaders): void {
    if (this.setCookie === null) return;
    const existing = out['set-cookie'];
    out['set-cookie'] = existing === undefined ? [this.setCookie] : [...(Array.isArray(existing) ? existing : [existing]), this.setCookie];
  }

  /** Sends the head held since onResponseStart; a head the client connection refuses ends the exchange. */
  private readonly sendHeld = (): void => {
    const headers = this.heldHeaders;
    if (headers === null) return;
    this.heldHeaders = null;
    const failed = this.res.sendHead(this.heldStatus, headers);
    if (failed !== null) this.fail(this.controller, failed);
  };

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.caught !== null) {
      this.discardCaught(controller, chunk.length);
      return;
    }
    if (this.dropBody) return;
    try {
      this.ctx.bytesSent += chunk.length;
      if (!this.sink.write(chunk)) this.pauseUntilDrain(controller, this.sink);
    } catch (err) {
      this.fail(controller, err);
    }
  }

  /**
   * A chunk the upstream connection lends (pe-edge's HTTP/1.1 pool): written straight to the client, which
   * releases it once written out, so the connection reads the next chunk into the same memory. Through a
   * middleware's stream (which may keep it) the pool hands it over as ours instead (false).
   */
  onResponseDataLent(controller: Dispatcher.DispatchController, chunk: Buffer, release: () => void): boolean {
    if (this.caught !== null || this.dropBody) {
      release();
      if (this.caught !== null) this.discardCaught(controller, chunk.length);
      return true;
    }
    const sink = this.sink;
    // Only a sink that says it takes lent memory (the client response, the flushInterval batch, compress's
    // one-call compressor) gets it: a stream would keep the chunk past its release.
    if (sink.writeLent === undefined) return false;
    try {
      this.ctx.bytesSent += chunk.length;
      if (!sink.writeLent(chunk, release)) this.pauseUntilDrain(controller, sink);
    } catch (err) {
      this.fail(controller, err);
    }
    return true;
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers?: IncomingHttpHeaders): void {
    this.upstreamDone = true;
    this.settle(this.answerStatus >= 500);
    try {
      if (this.caught !== null) {
        this.serveCaught();
        return;
      }
      if (trailers !== undefined && !this.dropBody) this.relayTrailers(trailers);
      this.sink.end();
    } catch (err) {
      this.fail(this.controller, err);
    }
  }

  /** The answer's trailers (gRPC's status) go to a middleware that takes them, else to the client after the body. */
  private relayTrailers(trailers: IncomingHttpHeaders): void {
    const out = relayableTrailers(trailers);
    if (out === null) return;
    const hook = this.ctx.response?.trailers ?? null;
    if (hook !== null) hook(out);
    else this.res.relayTrailers(out);
  }

  /** Ends this exchange after an error raised while relaying it: upstream aborted, client cut, reported once. */
  private fail(controller: Dispatcher.DispatchController | null, err: unknown): void {
    this.settle(this.answerStatus >= 500);
    reportFault(this.ctx, 'response', err);
    if (controller !== null && !controller.aborted) controller.abort(err instanceof Error ? err : new Error(String(err)));
    this.res.destroy();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.upstreamDone = true;
    // An answer that started counts by its status; none at all is the server's failure unless the client left.
    this.settle(this.answerStatus === 0 ? !this.res.clientGone : this.answerStatus >= 500);
    try {
      // A caught answer cut in its body still gets its error page (Traefik serves it once the proxy returns).
      if (this.caught !== null) this.serveCaught();
      else this.answerError(error);
    } catch (err) {
      this.fail(null, err);
    }
  }

  /**
   * A caught answer's body is read and dropped so its connection stays usable, up to CAUGHT_BODY_LIMIT: past it (a
   * body that never ends would be read for as long as the client waits) the upstream is cut and the page served.
   */
  private discardCaught(controller: Dispatcher.DispatchController, bytes: number): void {
    this.caughtBytes += bytes;
    if (this.caughtBytes > CAUGHT_BODY_LIMIT && !controller.aborted) controller.abort(new Error('caught answer body over 1 MiB: cut to serve the error page'));
  }

  /** The caught answer is over: the errors middleware sends its page, on this client response, once. */
  private serveCaught(): void {
    const catcher = this.caught as StatusCatcher;
    this.res.off('close', this.onClientClose);
    if (this.res.clientGone) return;
    catcher.serve(this.heldStatus);
  }

  private answerError(error: Error): void {
    if (this.res.clientGone || this.res.writableEnded) return;
    if (!this.res.headersSent && this.failover !== null && this.retriable(error)) {
      // A retry middleware (Traefik: only requests that never reached a server) raises the budget and backs off.
      const policy = neverConnected(error) ? (this.ctx.retry ?? undefined) : undefined;
      const tried = failedAttempts(this.before, this.upstream);
      const next = this.failover.next(tried.servers, tried.count, policy?.retries, this.ctx.clientIp);
      if (next !== undefined) {
        if (policy !== undefined) this.ctx.retries++;
        this.res.off('close', this.onClientClose);
        const delay = policy?.delayMs(tried.count - 1) ?? 0;
        if (delay <= 0) this.retryOn(next, tried);
        else setTimeout(() => runExchange(this.ctx, () => this.retryOn(next, tried)), timerMs(delay));
        return;
      }
    }
    const failure = classifyUpstreamError(error);
    const headers: ResponseHeaders = {};
    this.addStickyCookie(headers);
    sendStatusText(this.ctx, failure.status, headers);
  }

  private retryOn(next: Upstream, tried: FailedAttempts): void {
    if (this.res.clientGone) return;
    const failover = this.failover as UpstreamFailover;
    dispatchTo(this.ctx, next, this.passHostHeader, failover.setCookieFor(next), failover, tried);
  }

  /**
   * Only when no request byte can have been processed twice: a streamed body is never replayed. An upgrade goes on
   * only when it reached no server (nothing of it was sent, and its client's bytes wait for the 101).
   */
  private retriable(error: Error): boolean {
    const ctx = this.ctx;
    if (this.streamsClientBody) return false;
    if (neverConnected(error)) return true;
    return ctx.upgrade === null && cutBeforeAnswer(error) && isReplayable(ctx.method, IDEMPOTENCY_KEY_HEADERS.some((name) => ctx.req.headers[name] !== undefined));
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, upstream: Duplex): void {
    this.observer?.answered(this.upstream, statusCode, performance.now() - this.startedAt);
    this.settle(false);
    this.ctx.originHeaders = headers;
    const upgrade = this.ctx.upgrade;
    if (upgrade === null) {
      upstream.destroy();
      return;
    }
    // Go's ReverseProxy (handleUpgradeResponse): a 101 must switch to the protocol the client asked for,
    // named by an `Upgrade` that `Connection: upgrade` lists; else no tunnel, and Traefik's error handler
    // answers the plain error it gets with 500.
    const offered = switchedProtocol(headers);
    if (offered.toLowerCase() !== headerText(this.ctx.req.headers.upgrade).toLowerCase() || !PRINTABLE_ASCII.test(offered)) {
      upstream.destroy();
      sendStatusText(this.ctx, 500);
      return;
    }
    // The 101 goes through the middlewares' header hooks like any answer (Traefik writes it through the
    // wrapped response writer); Connection and Upgrade stay, they are what switches the protocol.
    const out: ResponseHeaders = {};
    for (const name in headers) {
      const value = ownHeader(headers, name);
      if (value !== undefined) putHeader(out, name, value);
    }
    this.addStickyCookie(out);
    try {
      applyHeaderHooks(this.ctx, statusCode, out);
    } catch (err) {
      upstream.destroy();
      this.fail(null, err);
      return;
    }
    relayUpgrade(upgrade.socket, upgrade.head, statusCode, out, upstream);
  }
}

/** Writes the upstream's 101 to the client, then splices the two sockets together. */
function relayUpgrade(client: Duplex, head: Buffer, statusCode: number, headers: ResponseHeaders, upstream: Duplex): void {
  let response = `HTTP/1.1 ${statusCode} Switching Protocols\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) response += `${name}: ${v}\r\n`;
  }
  // Header strings hold one byte per character (what was read, configured text as its UTF-8): written as such.
  client.write(response + '\r\n', 'latin1');
  if (head.length > 0) upstream.write(head);
  const closeBoth = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', closeBoth).on('close', closeBoth);
  upstream.on('error', closeBoth).on('close', closeBoth);
  // What the client sends after the switch is read into fresh memory as a body is: counted toward pe-edge's
  // young-generation collections, or a 100 MB upload over a WebSocket grew RSS by 69 MB.
  client.on('data', clientChunkRead);
  upstream.pipe(client);
  client.pipe(upstream);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The protocol a 101 switches to, as Go's upgradeType reads it: `Upgrade`, only when `Connection` lists `upgrade`. */
function switchedProtocol(headers: IncomingHttpHeaders): string {
  const connection = headers.connection;
  if (connection === undefined || !/(?:^|,)[ \t]*upgrade[ \t]*(?:,|$)/i.test(Array.isArray(connection) ? connection.join(',') : connection)) return '';
  const upgrade = headers.upgrade;
  return (Array.isArray(upgrade) ? upgrade[0] : upgrade) ?? '';
}

/** The body streamed upstream: a middleware's rewrite of it (grpcWeb), else the client's when its head announces one. */
function streamedBody(ctx: RequestContext): Readable | null {
  return ctx.streamedBody ?? (hasRequestBody(ctx) ? ctx.req.bodyStream : null);
}

/**
 * Forwards ctx to one upstream. The outcome is written to ctx.res; nothing is returned.
 * `setCookie` is added to the response's Set-Cookie headers (sticky sessions); `failover` picks
 * another server when this one cannot be reached.
 */
export function forward(ctx: RequestContext, upstream: Upstream, passHostHeader: boolean, setCookie: string | null = null, failover: UpstreamFailover | null = null): void {
  dispatchTo(ctx, upstream, passHostHeader, setCookie, failover, null);
}

/** How much of a caught answer's body is read to keep its connection before the connection is cut instead. */
const CAUGHT_BODY_LIMIT = 1024 * 1024;

/** A request's failed attempts: how many, and the distinct servers they went to (at most the service's servers). */
interface FailedAttempts {
  readonly count: number;
  readonly servers: readonly Upstream[];
}

function failedAttempts(before: FailedAttempts | null, failed: Upstream): FailedAttempts {
  if (before === null) return { count: 1, servers: [failed] };
  return { count: before.count + 1, servers: before.servers.includes(failed) ? before.servers : [...before.servers, failed] };
}

function dispatchTo(
  ctx: RequestContext,
  upstream: Upstream,
  passHostHeader: boolean,
  setCookie: string | null,
  failover: UpstreamFailover | null,
  before: FailedAttempts | null,
): void {
  ctx.serviceUrl = upstream.url;
  const host = passHostHeader && ctx.hostHeader !== '' ? ctx.hostHeader : upstream.authority;
  // Go's HTTP/1.1 transport blanks a Host it would not accept itself (an HTTP/2 :authority such as `x@admin.test`,
  // which the HTTP/1.1 fronts refuse): a backend reading it as a URL's authority would take it for admin.test. Its
  // HTTP/2 transport refuses to send it (h2RequestHeaders).
  const headers = buildUpstreamHeaders(ctx, { trusted: ctx.trustForwarded, host: isValidHostHeader(host) ? host : '' });
  const upgradeValue = ctx.upgrade !== null ? headerText(ctx.req.headers.upgrade) : null;
  const request: ForwardRequest = {
    path: goRequestUri(upstream.basePath + ctx.rawPath, ctx.rawQuery),
    method: ctx.method as Dispatcher.HttpMethod,
    headers,
    body: ctx.body?.open() ?? (upgradeValue === null ? streamedBody(ctx) : null),
    upgrade: upgradeValue,
    // HAProxy's `http-reuse safe`: a client connection's first request (a retry of it too) never takes an idle
    // connection another client used, whose late, unrequested bytes would be read as its answer.
    fresh: ctx.firstOnConnection,
  };
  const body = request.body;
  const streamsClientBody = ctx.body === null && body !== null;
  if (body === null || Buffer.isBuffer(body) || !needsBodyProbe(ctx, body)) {
    upstream.pool.dispatch(request, new ProxyResponseHandler(ctx, upstream, passHostHeader, setCookie, failover, before, streamsClientBody));
    return;
  }
  // A GET (DELETE, OPTIONS...) whose HTTP/2 stream went on after its head: sent without a body when the stream ends
  // empty at once, as Go's transport sends it, else chunked. One sent without a body may be retried like any bodiless
  // request (a retry probes the ended stream again and sends none either).
  probeBody(body, (hasBody) => {
    if (ctx.res.clientGone) return;
    const probed = hasBody ? request : { ...request, body: null };
    runExchange(ctx, () => upstream.pool.dispatch(probed, new ProxyResponseHandler(ctx, upstream, passHostHeader, setCookie, failover, before, hasBody)));
  });
}

function headerText(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join(', ') : (v ?? 'websocket');
}
