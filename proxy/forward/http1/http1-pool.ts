import type { Dispatcher } from 'undici';
import type { UpstreamPool } from '../upstream-transport.js';
import { createFallback, DEPARTED_DIAL_MS, departedDialTimeout } from '../departed-server.js';
import { UpstreamError } from '../upstream-errors.js';
import { readsDone } from '../../http/after-reads.js';
import { Connection } from './connection.js';
import { Exchange, type ExchangeHost, type ForwardRequest } from './exchange.js';
import { RecentResponseHead } from './recent-response-head.js';

export interface Http1PoolOptions {
  host: string;
  port: number;
  /** ms; 0 = none. */
  dialTimeout: number;
  /** ms to wait for the response head; 0 = forever (Traefik's default). */
  responseHeaderTimeout: number;
  /** ms a response head that has started may take to finish. */
  headCompletionTimeout: number;
  /** ms an idle connection is kept (serversTransport idleConnTimeout). */
  idleConnTimeout: number;
  maxIdleConns: number;
  /** Open connections (busy and idle) at most; 0 = no limit. Requests beyond wait for one, in order. */
  maxConns: number;
  /** Pool used for what this one does not speak (protocol upgrades), created on first use. */
  fallback: () => UpstreamPool;
}

/** ms a retired idle connection gets to close both ways (the server answers our FIN with its own) before it is cut. */
const RETIRE_GRACE_MS = 1000;

// Header names and values come from node:http (already validated) or from configuration: a CR, LF or
// NUL there would let a value inject a header, so the request is refused instead of sent.
const UNSAFE = /[\r\n\0]/;

/**
 * Keep-alive HTTP/1.1 connections to one plain-HTTP upstream, speaking just what a reverse proxy needs.
 * It replaces undici on the hot path (half of pe-edge's per-request CPU went to undici's machinery),
 * behind the same dispatch/handler contract, so the forwarder does not know which one it talks to.
 * Connections are unlimited; idle ones are reused newest first and closed after idleConnTimeout, or
 * earlier when the server's `Keep-Alive: timeout` hint says so.
 */
export class Http1Pool implements ExchangeHost {
  readonly recentHead = new RecentResponseHead();
  private readonly idle: Connection[] = [];
  private readonly busy = new Set<Connection>();
  /** Exchanges waiting for the next hand-out of kept connections (see assign). */
  private waiting: Exchange[] = [];
  private handOutScheduled = false;
  private sweeper: NodeJS.Timeout | null = null;
  private closing = false;
  private drained: (() => void) | null = null;
  private upgradePool: UpstreamPool | null = null;
  /** Exchanges waiting for a connection under maxConns, in order, and whether each asked for a fresh one. */
  private blocked: { exchange: Exchange; fresh: boolean }[] = [];
  /** An idle connection closing to make room under maxConns for a fresh exchange; it still counts. */
  private retiring: Connection | null = null;

  constructor(private readonly options: Http1PoolOptions) {}

  get responseHeaderTimeout(): number {
    return this.options.responseHeaderTimeout;
  }

  get headCompletionTimeout(): number {
    return this.options.headCompletionTimeout;
  }

  dispatch(request: ForwardRequest, handler: Dispatcher.DispatchHandler): boolean {
    if (request.upgrade != null) return this.fallback().dispatch(request, handler);
    const headers = request.headers;
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
    let hasLength = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      const value = headers[i + 1] as string;
      if (UNSAFE.test(name) || UNSAFE.test(value)) {
        const error = new UpstreamError('bad-request', `invalid request header "${name}"`);
        handler.onResponseError?.(closedController(error), error);
        return false;
      }
      if (!hasLength && name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
      head += `${name}: ${value}\r\n`;
    }
    const body = request.body;
    const streamed = body !== null && !Buffer.isBuffer(body);
    // A stream of unknown length goes chunked; an empty POST/PUT/PATCH still says its length (as Go does).
    const chunked = streamed && !hasLength;
    if (chunked) head += 'Transfer-Encoding: chunked\r\n';
    else if (body === null && !hasLength && (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH')) head += 'Content-Length: 0\r\n';
    head += '\r\n';
    const exchange = new Exchange(this, request, head, chunked, handler);
    handler.onRequestStart?.(exchange, {});
    if (!exchange.aborted) this.assign(exchange, request.fresh === true);
    return true;
  }

  /**
   * A fresh connection starts at once. A kept one is handed out in the next check phase, for every
   * exchange waiting then (one setImmediate per event-loop turn, not per request): by then the loop has
   * read what was already waiting on idle sockets, and an idle socket that received anything is gone.
   * So bytes an upstream sent before a request was written are never read as that request's answer.
   * `fresh` (the first request of a client connection, or a resend) never takes a kept connection.
   * Under maxConns, exchanges that find no room wait in line (see tryStart).
   */
  assign(exchange: Exchange, fresh: boolean): void {
    if (this.blocked.length > 0 || !this.tryStart(exchange, fresh)) this.blocked.push({ exchange, fresh });
  }

  /**
   * Starts the exchange, or says it must wait under maxConns. A fresh one at the limit while connections sit
   * idle retires the oldest of them (one at a time) and takes its place once it has closed: the limit holds
   * from the server's side too, and a fresh exchange never waits for an idle timeout.
   */
  private tryStart(exchange: Exchange, fresh: boolean): boolean {
    if (!fresh && this.idle.length > 0) {
      // Served right after the loop's reads (an HTTP/2 front batch): the kept connections are as checked as
      // handOut would find them, one loop turn later.
      if (readsDone() && this.handOutNow(exchange)) return true;
      this.waiting.push(exchange);
      if (!this.handOutScheduled) {
        this.handOutScheduled = true;
        setImmediate(this.handOut);
      }
      return true;
    }
    if (!this.atConnectionLimit()) {
      this.start(exchange, this.connect());
      return true;
    }
    if (this.retiring === null && this.idle.length > 0) {
      const oldest = this.idle.shift() as Connection;
      this.retiring = oldest;
      oldest.retire(RETIRE_GRACE_MS);
    }
    return false;
  }

  private readonly handOut = (): void => {
    this.handOutScheduled = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const exchange of waiting) {
      if (exchange.done) continue; // aborted while it waited
      const connection = this.takeIdle();
      if (connection === undefined && this.atConnectionLimit()) {
        // The kept connections went meanwhile (closed, or retired for fresh exchanges): wait in line.
        this.blocked.push({ exchange, fresh: false });
        continue;
      }
      this.start(exchange, connection ?? this.connect());
    }
    this.checkDrained();
  };

  /** Starts the exchange on the newest usable kept connection; false when none is left. */
  private handOutNow(exchange: Exchange): boolean {
    const connection = this.takeIdle();
    if (connection === undefined) return false;
    this.start(exchange, connection);
    return true;
  }

  /** The newest usable kept connection, the unusable ones met on the way closed; undefined when none is left. */
  private takeIdle(): Connection | undefined {
    let connection: Connection | undefined;
    while ((connection = this.idle.pop()) !== undefined && !connection.usable) connection.destroy();
    return connection;
  }

  /** Connections open or closing, retiring one included, reach maxConns. */
  private atConnectionLimit(): boolean {
    const max = this.options.maxConns;
    return max > 0 && this.busy.size + this.idle.length + (this.retiring === null ? 0 : 1) >= max;
  }

  /**
   * A connection went idle or away: exchanges waiting under maxConns start, in order, while there is room. Also once
   * the pool closed: an old runtime's request may still come when no server of its service is configured any more.
   */
  private unblock(): void {
    while (this.blocked.length > 0) {
      const next = this.blocked[0] as { exchange: Exchange; fresh: boolean };
      if (!next.exchange.done && !this.tryStart(next.exchange, next.fresh)) return;
      this.blocked.shift();
    }
  }

  /** Once the server left the configuration, a dial gets DEPARTED_DIAL_MS at most: its address may be gone. */
  private connect(): Connection {
    const configured = this.options.dialTimeout;
    const dialTimeout = this.closing ? departedDialTimeout(configured) : configured;
    return new Connection(this.options.host, this.options.port, dialTimeout, this.onConnectionClose);
  }

  private start(exchange: Exchange, connection: Connection): void {
    this.busy.add(connection);
    connection.exchange = exchange;
    exchange.start(connection);
  }

  release(connection: Connection, reusable: boolean, keepAliveHintMs: number | null): void {
    connection.exchange = null;
    this.busy.delete(connection);
    // Undici's rule: trust a server's keep-alive hint minus a margin, so we never reuse a socket it is closing.
    const limit = keepAliveHintMs === null ? this.options.idleConnTimeout : Math.min(this.options.idleConnTimeout, keepAliveHintMs - 1000);
    if (!reusable || this.closing || limit <= 0 || this.idle.length >= this.options.maxIdleConns) {
      connection.destroy();
    } else {
      connection.reused = true;
      connection.idleSince = Date.now();
      connection.idleLimitMs = limit;
      if (connection.socket.isPaused()) connection.socket.resume();
      this.idle.push(connection);
      this.sweeper ??= setInterval(this.sweep, 1000).unref();
    }
    this.unblock();
    this.checkDrained();
  }

  private readonly onConnectionClose = (connection: Connection): void => {
    if (connection === this.retiring) this.retiring = null;
    this.busy.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    this.unblock();
    this.checkDrained();
  };

  /** Closes connections idle for longer than they may be. */
  private readonly sweep = (): void => {
    const now = Date.now();
    for (const connection of [...this.idle]) {
      if (now - connection.idleSince >= connection.idleLimitMs) connection.destroy();
    }
    if (this.idle.length === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  };

  private fallback(): UpstreamPool {
    return (this.upgradePool ??= createFallback(this.options.fallback, this.closing));
  }

  /** Closed: no configuration uses the server any more (or the process is stopping). */
  get closed(): boolean {
    return this.closing;
  }

  /**
   * Stops reuse, closes idle connections, and resolves once in-flight exchanges are over. Called when no configuration
   * uses the server any more: dials under way, and those an old runtime's requests still start, get DEPARTED_DIAL_MS.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const { exchange } of this.blocked.splice(0)) exchange.abort(new UpstreamError('refused', 'upstream pool closed'));
    for (const connection of this.busy) connection.limitDial(DEPARTED_DIAL_MS);
    for (const connection of this.idle.splice(0)) connection.destroy();
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    const upgrades = this.upgradePool?.close().catch(() => undefined);
    if (this.busy.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await upgrades;
  }

  private checkDrained(): void {
    if (this.drained !== null && this.busy.size === 0 && this.waiting.length === 0) {
      this.drained();
      this.drained = null;
    }
  }
}

/** A controller for a request that failed before it started. */
function closedController(reason: Error): Dispatcher.DispatchController {
  return { aborted: true, paused: false, reason, abort: () => undefined, pause: () => undefined, resume: () => undefined };
}
