import type { Dispatcher } from 'undici';
import type { ForwardRequest } from '../http1/exchange.js';
import { createFallback, departedDialTimeout } from '../departed-server.js';
import type { UpstreamPool } from '../upstream-transport.js';
import { H2Exchange } from './h2-exchange.js';
import { H2Session, type H2SessionOptions, type H2SessionOwner } from './h2-session.js';

export interface Http2PoolOptions extends H2SessionOptions {
  readonly responseHeaderTimeout: number;
  /** Connections to the server at most; 0 = no limit. Past it, streams share the least loaded connection. */
  readonly maxConns: number;
  /** HTTP/1.1 to the same server: upgrades (WebSocket always goes HTTP/1.1), and everything once ALPN chose http/1.1. */
  readonly http1: () => UpstreamPool;
}

/**
 * HTTP/2 to one server: h2c (prior knowledge) for `h2c://` servers, TLS with ALPN for `https://` ones. Requests
 * are streams multiplexed over as few connections as the server's SETTINGS_MAX_CONCURRENT_STREAMS allows; each
 * relays its body as it comes and its answer's trailers (gRPC's status). A server whose TLS handshake chooses
 * http/1.1 is spoken to over HTTP/1.1 from then on, as Go's transport does per connection.
 *
 * `fresh` (HAProxy's http-reuse safe) is not needed here: bytes on a stream can only be that stream's answer.
 */
export class Http2Pool implements UpstreamPool, H2SessionOwner {
  private readonly sessions = new Set<H2Session>();
  private http1Pool: UpstreamPool | null = null;
  private http1Only = false;
  private closing = false;

  constructor(private readonly options: Http2PoolOptions) {}

  dispatch(request: ForwardRequest, handler: Dispatcher.DispatchHandler): boolean {
    if (request.upgrade != null || this.http1Only) return this.http1().dispatch(request, handler);
    const exchange = new H2Exchange(request, handler, this.options.responseHeaderTimeout, this.requeue);
    handler.onRequestStart?.(exchange, {});
    if (exchange.aborted) return true;
    this.redispatch(exchange);
    return true;
  }

  private readonly requeue = (exchange: H2Exchange): void => this.redispatch(exchange);

  redispatch(exchange: H2Exchange): void {
    if (exchange.done) return;
    // Before `closing`: a session opened for one request may learn (ALPN) that the server speaks HTTP/1.1 only.
    if (this.http1Only) {
      this.http1().dispatch(exchange.request, exchange.handoff());
      return;
    }
    if (this.closing) {
      this.runOnce(exchange);
      return;
    }
    this.sessionFor().run(exchange);
  }

  /**
   * Closed: an old runtime's request still comes when no server of its service is configured any more (a reload
   * that changed the serversTransport, or its sole server left). It gets a connection of its own, closed once its
   * stream is over, and the dial gets DEPARTED_DIAL_MS as Http1Pool gives it.
   */
  private runOnce(exchange: H2Exchange): void {
    const session = new H2Session({ ...this.options, dialTimeout: departedDialTimeout(this.options.dialTimeout) }, this);
    this.sessions.add(session);
    session.run(exchange);
    session.close();
  }

  /** A session with room, else a new one, else (at maxConns) the least loaded: node queues streams past the server's limit. */
  private sessionFor(): H2Session {
    let least: H2Session | null = null;
    for (const session of this.sessions) {
      if (session.available) return session;
      if (session.accepts && (least === null || session.load < least.load)) least = session;
    }
    const max = this.options.maxConns;
    if (least !== null && max > 0 && this.sessions.size >= max) return least;
    const session = new H2Session(this.options, this);
    this.sessions.add(session);
    return session;
  }

  speaksHttp1(waiting: readonly H2Exchange[]): void {
    this.http1Only = true;
    for (const exchange of waiting) this.redispatch(exchange);
  }

  retired(session: H2Session): void {
    this.sessions.delete(session);
    this.closedSessions.add(session);
    session.whenClosed(() => {
      this.closedSessions.delete(session);
      this.checkDrained();
    });
  }

  /** Sessions going away whose streams still run: close() waits for them. */
  private readonly closedSessions = new Set<H2Session>();
  private drained: (() => void) | null = null;

  private checkDrained(): void {
    if (this.drained !== null && this.sessions.size === 0 && this.closedSessions.size === 0) {
      this.drained();
      this.drained = null;
    }
  }

  private http1(): UpstreamPool {
    return (this.http1Pool ??= createFallback(this.options.http1, this.closing));
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Lets streams under way finish (each session closes gracefully), then resolves. */
  async close(): Promise<void> {
    this.closing = true;
    for (const session of [...this.sessions]) session.close();
    const http1 = this.http1Pool?.close().catch(() => undefined);
    if (this.sessions.size > 0 || this.closedSessions.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await http1;
  }
}
