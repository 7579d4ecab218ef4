import { asksForTrailers } from '../../http/trailers.js';
import { reportFrontFault } from '../../http/exchange-fault.js';
import type { Socket } from 'node:net';
import { clientAddress } from '../../http/request-target.js';
import { SocketTlsConnection, type TlsConnection } from '../../http/tls-connection.js';
import { goBareRefusal } from '../../http/traefik-responses.js';
import { FramedRequestBody } from '../framed-request-body.js';
import { armWriteTimeout, findRoute, requestContext, serveRoute, trustsPeer, type EntryPointContext } from '../request-entry.js';
import { FrontResponse, type ResponseOwner } from './front-response.js';
import { HeadAccumulator } from './head-accumulator.js';
import { parseLeanRequest, RecentRequestFields, type LeanRequest } from './request-head.js';

export interface Http1FrontOptions {
  /** The connections are TLS (the HTTPS server completed their handshake): requests are routed on the TLS side. */
  tls: boolean;
  /** Larger heads go to node:http, which answers 431. */
  maxHeaderBytes: number;
  /** ms a connection may sit between requests (respondingTimeouts.idleTimeout); 0 = forever. */
  idleTimeout: number;
  /** ms a started request head may take to arrive, from its first byte (see entrypoint.ts). */
  headersTimeout: number;
  /** respondingTimeouts.readTimeout: ms a request's head and body may take, from the head's first byte; 0 = none. */
  readTimeout: number;
  /**
   * Where connections go that the front does not serve: node:http's server, at a request boundary.
   * `served`: the front already served a request on it (node:http's next one is then not the first);
   * `tls`: its TLS facts as the front kept them (null on a plain connection), for node:http's requests to reuse.
   */
  handOff: (socket: Socket, served: boolean, tls: TlsConnection | null) => void;
}

/**
 * The lean HTTP/1.1 front of an entrypoint, for plain connections and for TLS connections that chose
 * HTTP/1.1. It serves what is common and simple (HTTP/1.1 without a request body or with one framed by a
 * Content-Length, to any router) with no node:http objects; anything else (chunked bodies, upgrades,
 * HTTP/1.0, odd or malformed heads) hands the connection over to node:http at that request boundary, for
 * good, so node:http's behaviour stays the single definition of everything the front does not do.
 * Access log and metrics get the same end-of-request hook as on node:http's side.
 */
export class Http1Front {
  private readonly connections = new Set<FrontConnection>();
  private sweeper: NodeJS.Timeout | null = null;
  closing = false;
  /** Sockets an answer corked in this turn of the event loop, once per cork (corks are counted). */
  private corked: Socket[] = [];

  constructor(readonly ep: EntryPointContext, readonly options: Http1FrontOptions) {}

  accept(socket: Socket): void {
    const connection = new FrontConnection(this, socket);
    this.connections.add(connection);
    this.sweeper ??= setInterval(this.sweep, 1000).unref();
  }

  forget(connection: FrontConnection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Shutdown: answers end their connections from now on, and idle connections close now. */
  closeIdle(): void {
    this.closing = true;
    for (const connection of this.connections) connection.closeIfIdle();
  }

  /**
   * Uncorks `socket` once the loop has run the callbacks of this turn (its check phase): every answer ended
   * meanwhile leaves in a burst. A write to a peer that went back to sleep between two answers costs its
   * wake-up again: batched, 0.93 of the CPU per request on the seed's chain (test/bench/cpu-ab.sh).
   */
  uncorkSoon(socket: Socket): void {
    if (this.corked.length === 0) setImmediate(this.uncorkAll);
    this.corked.push(socket);
  }

  private readonly uncorkAll = (): void => {
    const corked = this.corked;
    this.corked = [];
    for (const socket of corked) socket.uncork();
  };

  /** Applies idleTimeout and headersTimeout once a second, instead of a timer per connection. */
  private readonly sweep = (): void => {
    const now = Date.now();
    for (const connection of this.connections) connection.expire(now);
  };
}

const EMPTY = Buffer.alloc(0);
/** node:http's interim answer to `Expect: 100-continue`, written before routing as node:http writes it. */
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
/**
 * Go's maxPostHandlerReadBytes: a request body with at least this much unread when the answer's head goes out
 * closes the connection after the answer; less is read and dropped after it, so the next request on the
 * connection is parsed after the body's last byte, never from it.
 */
const MAX_UNREAD_BODY_BYTES = 256 * 1024;
/** node:http's answer (http1-pipeline.ts) to a connection whose input ended inside a request body. */
const CUT_BODY_REFUSAL = goBareRefusal(400);

/** One client connection while the front serves it. */
class FrontConnection implements ResponseOwner {
  /** Bytes received and not served yet. */
  private readonly pending = new HeadAccumulator();
  private readonly recentFields = new RecentRequestFields();
  private current: FrontResponse | null = null;
  /**
   * The body of the request in flight while its bytes arrive; after its answer, a rest being read and dropped.
   * The next head is read from what follows it.
   */
  private body: FramedRequestBody | null = null;
  /** When readTimeout cuts the body in progress (ms since the epoch). */
  private bodyDeadline = 0;
  private processing = false;
  /** A request was served on this connection: the next is not its first (RequestContext.firstOnConnection). */
  private served = false;
  /** An answer said `Connection: close`: nothing more is read or served on this connection. */
  private ending = false;
  private lastActive = Date.now();
  /**
   * When the head now in `pending` started: its first byte, or for the first request the connection itself (Go
   * applies ReadTimeout from accept; a TLS connection that completed its handshake and sends nothing must not
   * wait for idleTimeout instead).
   */
  private headStartedAt = Date.now();
  private readonly clientIp: string;
  private readonly clientPort: number;
  private readonly trusted: boolean;
  /** The connection's TLS facts, asked of the socket once (at once when the entrypoint logs or measures requests); null when plain. */
  private readonly tls: TlsConnection | null;

  constructor(private readonly front: Http1Front, readonly socket: Socket) {
    this.clientIp = clientAddress(socket.remoteAddress);
    this.clientPort = socket.remotePort ?? 0;
    this.trusted = trustsPeer(front.ep, this.clientIp);
    this.tls = front.options.tls ? new SocketTlsConnection(socket) : null;
    // The end-of-request hook (access log, metrics) may run once the client is gone, when the socket tells nothing.
    if (this.tls !== null && front.ep.onDone !== null) this.tls.facts();
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.ending) return;
    this.lastActive = Date.now();
    if (this.body !== null) {
      const used = this.body.receive(chunk);
      if (!this.body.received) return;
      // The body's last byte: what follows it (if anything) is the next request's.
      this.body = null;
      if (used === chunk.length) return;
      chunk = chunk.subarray(used);
    }
    if (this.pending.empty && this.served) this.headStartedAt = this.lastActive;
    this.pending.push(chunk);
    if (this.current !== null) {
      // Pipelined requests wait for the answer in flight; a client that keeps sending is paused.
      if (this.pending.length > this.front.options.maxHeaderBytes) this.socket.pause();
      return;
    }
    this.serveSafely();
  };

  private serveSafely(): void {
    try {
      this.serveBuffered();
    } catch (err) {
      // A bug in the front must cost this connection, never the process; it is reported as node:http's side reports
      // one (http1-side.ts onUpgrade): to the entrypoint's FaultSink, a log line and pe_edge_exchange_faults_total.
      reportFrontFault(this.front.ep, err);
      this.cut();
    }
  }

  /**
   * The client's input ended. Inside a request body this is node:http's parse error: the request is aborted
   * (its upstream request too) and, while nothing of its answer went out, the client gets 400.
   */
  private readonly onEnd = (): void => {
    const body = this.body;
    if (body === null) return;
    this.ending = true;
    this.body = null;
    const res = this.current;
    const unanswered = res !== null && !res.headersSent;
    // The answer is abandoned before the body reports the abort, so that no error answer is written for it.
    res?.socketClosed();
    body.cut();
    if (unanswered && this.socket.writable) this.socket.end(CUT_BODY_REFUSAL, 'latin1');
    else this.cut();
  };

  private readonly onClose = (): void => {
    this.front.forget(this);
    // The answer is abandoned first: the body's abort must not be answered on a closed connection.
    this.current?.socketClosed();
    this.body?.cut();
  };

  /** Serves complete request heads from the buffer, one answer at a time. */
  private serveBuffered(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.current === null && this.body === null && !this.pending.empty && !this.ending && !this.socket.destroyed) {
        // Answers the client does not read back up here, not in memory: read nothing more until they drain
        // (node:http does the same), whatever the client keeps pipelining.
        if (this.socket.writableNeedDrain) {
          this.waitForDrain();
          return;
        }
        const end = this.pending.headEnd();
        // Heads near the limit go to node:http, whose count decides 431 (half the limit leaves no doubt).
        if (end < 0 ? this.pending.length > this.front.options.maxHeaderBytes : end > this.front.options.maxHeaderBytes / 2) {
          this.handOff();
          return;
        }
        if (end < 0) {
          // A bare LF: node:http's answer (400), now, instead of waiting for the head's deadline.
          if (this.pending.bareLineFeed()) this.handOff();
          return;
        }
        const request = parseLeanRequest(this.pending.prefix(end).toString('latin1'), this.socket, this.recentFields);
        if (request === null) {
          this.handOff();
          return;
        }
        const res = new FrontResponse(this, request.method === 'HEAD', request.closeAfter || this.front.closing, asksForTrailers(request.headers.te));
        const ep = this.front.ep;
        const ctx = requestContext(ep, request, res, this.tls, null, this.clientIp, this.clientPort, this.trusted, !this.served);
        const target = findRoute(ep, ctx);
        this.pending.drop(end + 4);
        this.served = true;
        if (request.contentLength > 0) this.startBody(request);
        // Pipelined bytes already here start the next head's deadline now.
        this.headStartedAt = Date.now();
        this.current = res;
        const done = ep.onDone;
        if (done !== null) res.once('close', () => done(ctx));
        armWriteTimeout(ep, ctx);
        if (request.expectContinue) this.socket.write(CONTINUE, 'latin1');
        serveRoute(ep, ctx, target);
      }
    } finally {
      this.processing = false;
    }
  }

  /**
   * The request's body: the bytes already read after its head first, then the connection's next reads until
   * its Content-Length is reached; whatever follows it in the same read is the next request's.
   */
  private startBody(request: LeanRequest): void {
    const body = new FramedRequestBody(this.socket, request.contentLength);
    request.bodyStream = body;
    this.body = body;
    this.bodyDeadline = this.front.options.readTimeout > 0 ? this.headStartedAt + this.front.options.readTimeout : 0;
    if (this.pending.empty) return;
    const held = this.pending.takeAll();
    const used = body.receive(held);
    if (used < held.length) this.pending.push(held.subarray(used));
    if (body.received) this.body = null;
  }

  uncorkSoon(): void {
    this.front.uncorkSoon(this.socket);
  }

  /**
   * Every close of the connection comes here. An answer ended in this turn of the loop is still corked
   * (uncorkSoon), and destroy() drops what a socket holds: it goes to the kernel first, as it went before the
   * cork was deferred (the check phase's uncork then finds nothing left to do).
   */
  cut(): void {
    while (this.socket.writableCorked > 0) this.socket.uncork();
    this.socket.destroy();
  }

  leavesBodyUnread(): boolean {
    return this.body !== null && this.body.unread >= MAX_UNREAD_BODY_BYTES;
  }

  responseDone(res: FrontResponse): void {
    if (res !== this.current) return;
    this.current = null;
    this.lastActive = Date.now();
    const body = this.body;
    if (res.closeAfter) {
      // Like node:http: after an answer that closes the connection, later requests are not served. Bytes
      // still coming (a body nobody read) are read and dropped until the client closes, so the answer is
      // not lost to a reset.
      this.ending = true;
      this.body = null;
      body?.destroy(new Error('request body left unread: the connection closes after the answer'));
      this.pending.clear();
      this.socket.end();
      this.socket.resume();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    if (body !== null) {
      // Answered before its body arrived whole (less than MAX_UNREAD_BODY_BYTES was left): the rest is read and
      // dropped, and the next request starts after it.
      body.destroy(new Error('request body left unread: the answer is complete'));
      return;
    }
    this.serveSafely();
  }

  private waitForDrain(): void {
    this.socket.pause();
    this.socket.once('drain', () => {
      this.headStartedAt = Date.now();
      this.socket.resume();
      this.serveSafely();
    });
  }

  /**
   * Gives the connection, with the bytes not served yet, to node:http (at a request boundary), once the
   * answers written so far have left: node:http may answer the next bytes with a refusal and close at once.
   */
  private handOff(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onClose);
    this.front.forget(this);
    this.socket.pause();
    if (!this.pending.empty) this.socket.unshift(this.pending.takeAll());
    const give = (): void => this.front.options.handOff(this.socket, this.served, this.tls);
    if (this.socket.writableLength === 0) give();
    // An empty write's callback runs once everything written before it has gone to the kernel.
    else this.socket.write(EMPTY, (err) => {
      if (err == null && !this.socket.destroyed) give();
    });
  }

  /** Like node:http's closeIdleConnections: a connection with a request under way (even a partial head) stays. */
  closeIfIdle(): void {
    if (this.current === null && this.body === null && this.pending.empty) this.cut();
  }

  /**
   * Between requests, idleTimeout applies to silence; a started head must be whole within
   * headersTimeout, however slowly its bytes trickle in.
   */
  expire(now: number): void {
    if (this.body !== null && this.bodyDeadline > 0 && now >= this.bodyDeadline) {
      // As node:http's requestTimeout on its side: the connection closes without an answer; the request's
      // reader sees it aborted.
      this.ending = true;
      this.cut();
      return;
    }
    if (this.current !== null || this.body !== null) return;
    // An answer still leaving (a slow reader) is not idleness, and a head pipelined behind it waits its turn:
    // both clocks start once the bytes are out (writeTimeout bounds a reader that never takes them).
    if (this.socket.writableLength > 0) {
      this.lastActive = now;
      if (!this.pending.empty) this.headStartedAt = now;
      return;
    }
    const { idleTimeout, headersTimeout } = this.front.options;
    if (this.pending.empty && this.served) {
      if (idleTimeout > 0 && now - this.lastActive >= idleTimeout) this.cut();
    } else if (now - this.headStartedAt >= headersTimeout) {
      // Go's answer to a head that took too long: none, the connection closes.
      this.ending = true;
      this.pending.clear();
      this.cut();
    }
  }
}
