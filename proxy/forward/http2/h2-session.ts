import http2, { type ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { UpstreamError } from '../upstream-errors.js';
import { peerCertUriError } from '../peer-cert-uri.js';
import type { H2Exchange } from './h2-exchange.js';
import { h2RequestHeaders } from './h2-request-headers.js';
import { headerListPairs } from '../../http/http2-fields.js';
import { timerMs } from '../../timer-bounds.js';

/** How sessions to one server are opened and kept (a serversTransport's settings, ms). */
export interface H2SessionOptions {
  readonly host: string;
  readonly port: number;
  /** `host:port` as the server's URL names it: the `:authority` when a request carries no Host. */
  readonly authority: string;
  /** TLS options (ALPN h2 offered first, http/1.1 second), or null for h2c (prior knowledge). */
  readonly tls: tls.ConnectionOptions | null;
  readonly peerCertURI: string | undefined;
  readonly dialTimeout: number;
  readonly idleConnTimeout: number;
  /** forwardingTimeouts.readIdleTimeout: a PING after this long without a frame; 0 = never. */
  readonly readIdleTimeout: number;
  /** forwardingTimeouts.pingTimeout: the connection is closed when that PING is not answered within it. */
  readonly pingTimeout: number;
}

/** What a session tells its pool. */
export interface H2SessionOwner {
  /** The TLS handshake chose http/1.1 (or no ALPN): these exchanges, and the server, are HTTP/1.1's. */
  speaksHttp1(waiting: readonly H2Exchange[]): void;
  /** The session takes no new streams any more (GOAWAY, closing, closed). */
  retired(session: H2Session): void;
  /** Streams the session could not open because it was going away: they go to another session. */
  redispatch(exchange: H2Exchange): void;
}

/** Streams a session takes before the server's SETTINGS say how many it allows (node's own default). */
const DEFAULT_MAX_STREAMS = 100;

/**
 * Fields an answer's head or trailers may hold: as many as the 64 KiB head pe-edge takes from an HTTP/1.1 server can
 * (each HTTP/2 field costs 32 bytes more than its text). node's default, 128, reset answers Go relays.
 */
const UPSTREAM_HEADER_PAIRS = headerListPairs(64 * 1024);

/**
 * How long a session may have frames waiting to be written while nothing is sent or received before it counts as
 * dead. node 20's session stops reading and writing for good after a connection error it detected itself (a frame
 * over the size limit, a bad header block, DATA on stream 0: it sends GOAWAY and nothing else, not even to JS), and
 * keeps taking new streams that never leave; Go closes such a connection at once, and so does node 22 and later
 * (its streams get ERR_HTTP2_ERROR: H2Exchange.resendUnserved).
 */
const STALL_MS = 5_000;

/**
 * One HTTP/2 connection to an upstream server, multiplexing every exchange given to it. A GOAWAY lets the streams
 * it covers finish while new ones go to another session; an idle session closes after idleConnTimeout; with
 * readIdleTimeout set, a silent session is PINGed and closed when the answer does not come within pingTimeout.
 */
export class H2Session {
  private session: ClientHttp2Session | null = null;
  private waiting: H2Exchange[] = [];
  private streams = 0;
  private accepting = true;
  private idleTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private readonly socket: net.Socket | tls.TLSSocket;
  private dialTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: H2SessionOptions, private readonly owner: H2SessionOwner) {
    const o = options;
    this.socket = o.tls === null
      ? net.connect({ host: o.host, port: o.port, noDelay: true })
      : tls.connect({ ...o.tls, host: o.host, port: o.port, ALPNProtocols: ['h2', 'http/1.1'] }).setNoDelay(true);
    if (o.dialTimeout > 0) this.dialTimer = setTimeout(this.onDialTimeout, timerMs(o.dialTimeout));
    this.socket.once(o.tls === null ? 'connect' : 'secureConnect', this.onConnected);
    this.socket.on('error', this.onSocketError);
    this.socket.once('close', this.onSocketClose);
  }

  /** Takes new streams: not going away, and below the server's concurrency limit. */
  get available(): boolean {
    if (!this.accepting) return false;
    const max = this.session?.remoteSettings.maxConcurrentStreams ?? DEFAULT_MAX_STREAMS;
    return this.streams + this.waiting.length < max;
  }

  /** Streams open or waiting for the connection. */
  get load(): number {
    return this.streams + this.waiting.length;
  }

  get accepts(): boolean {
    return this.accepting;
  }

  /** Calls `done` once the connection is closed (at once when it is). */
  whenClosed(done: () => void): void {
    if (this.socket.closed) done();
    else this.socket.once('close', done);
  }

  run(exchange: H2Exchange): void {
    const session = this.session;
    if (session === null) this.waiting.push(exchange);
    else this.open(session, exchange);
  }

  /** Takes no new streams; those under way finish, then the connection closes. */
  close(): void {
    this.retire();
    if (this.session !== null) this.session.close();
    else if (this.waiting.length === 0) this.socket.destroy();
  }

  private readonly onDialTimeout = (): void => {
    this.dialTimer = null;
    this.socket.destroy(new UpstreamError('connect-timeout', 'upstream connect timeout'));
  };

  private readonly onConnected = (): void => {
    if (this.dialTimer !== null) clearTimeout(this.dialTimer);
    this.dialTimer = null;
    const socket = this.socket;
    if (socket instanceof tls.TLSSocket) {
      const refused = this.options.peerCertURI === undefined ? null : peerCertUriError(socket, this.options.peerCertURI);
      if (refused !== null) {
        socket.destroy(refused);
        return;
      }
      if (socket.alpnProtocol !== 'h2') {
        // The server speaks HTTP/1.1 only: Go's transport would use HTTP/1.1 on this connection, pe-edge's undici pool does.
        const waiting = this.waiting;
        this.waiting = [];
        this.retire();
        socket.destroy();
        this.owner.speaksHttp1(waiting);
        return;
      }
    }
    const origin = `${this.options.tls === null ? 'http' : 'https'}://${this.options.authority}`;
    const session = http2.connect(origin, { createConnection: () => socket, settings: { enablePush: false }, maxHeaderListPairs: UPSTREAM_HEADER_PAIRS });
    this.session = session;
    session.on('error', () => undefined); // each stream reports its own failure
    session.once('goaway', this.retire);
    session.once('close', this.onSessionClose);
    this.watchQuiet(session);
    const waiting = this.waiting;
    this.waiting = [];
    for (const exchange of waiting) if (!exchange.done) this.open(session, exchange);
    // Closed while it connected (the pool was released): the streams it owed run, then it goes (onStreamClose). A
    // session.close() now would refuse them (REFUSED_STREAM: node has not sent them yet).
    if (this.streams > 0) return;
    if (!this.accepting) session.close();
    else this.armIdle();
  };

  private open(session: ClientHttp2Session, exchange: H2Exchange): void {
    if (exchange.done) return;
    if (session.destroyed) {
      // Destroyed on an error its streams heard first (one of them resending itself here): node 24 would return a
      // stream that fails later with ERR_HTTP2_INVALID_SESSION, node 20 throws it.
      this.retire();
      this.owner.redispatch(exchange);
      return;
    }
    const request = exchange.request;
    let stream;
    try {
      const scheme = this.options.tls === null ? 'http' : 'https';
      stream = session.request(h2RequestHeaders(request, scheme, this.options.authority), { endStream: request.body === null });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION' || session.closed || session.destroyed) {
        this.retire();
        this.owner.redispatch(exchange);
      } else {
        exchange.failToStart(new UpstreamError('bad-request', `invalid request for HTTP/2: ${(err as Error).message}`));
      }
      return;
    }
    this.streams++;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    stream.once('close', this.onStreamClose);
    exchange.start(stream);
  }

  private readonly onStreamClose = (): void => {
    this.streams--;
    if (this.streams > 0 || this.waiting.length > 0) return;
    if (this.accepting) this.armIdle();
    else this.session?.close();
  };

  private armIdle(): void {
    if (this.idleTimer !== null || this.options.idleConnTimeout <= 0) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.streams === 0) this.close();
    }, timerMs(this.options.idleConnTimeout));
    this.idleTimer.unref();
  }

  /**
   * No frame either way for readIdleTimeout (then a PING must come back within pingTimeout, which also finds a
   * session node stopped), or for STALL_MS without it (then frames still waiting to go out, below the server's
   * stream limit, mean node stopped the session: its streams fail instead of waiting forever).
   */
  private readonly onQuiet = (): void => {
    const session = this.session;
    if (session === null || session.destroyed) return;
    // node calls a session's timeout listener once (setTimeout adds it with `once`): armed again for the next quiet
    // spell, or every check after the first never ran (a server silent from its second spell on was never PINGed).
    this.watchQuiet(session);
    if (this.options.readIdleTimeout > 0) {
      this.ping(session);
      return;
    }
    const max = session.remoteSettings.maxConcurrentStreams ?? DEFAULT_MAX_STREAMS;
    if ((session.state.outboundQueueSize ?? 0) > 0 && this.streams <= max) {
      this.retire();
      session.destroy(new UpstreamError('reset-before-answer', `upstream HTTP/2 connection stalled: nothing sent or received for ${STALL_MS} ms while frames waited`));
      return;
    }
    // Nothing waits to go out, but a stream may wait on a session node stopped: a PING goes out, answered by a live
    // server, left waiting (and found at the next check) by a stopped session, where the stream hung for good.
    if (this.streams > 0 && !session.closed) session.ping(() => undefined);
  };

  /** Calls onQuiet after readIdleTimeout (or STALL_MS) without a frame either way. */
  private watchQuiet(session: ClientHttp2Session): void {
    session.setTimeout(this.options.readIdleTimeout > 0 ? this.options.readIdleTimeout : STALL_MS, this.onQuiet);
  }

  private ping(session: ClientHttp2Session): void {
    if (this.pingTimer !== null) return;
    const timeout = this.options.pingTimeout;
    const sent = session.ping(() => {
      if (this.pingTimer !== null) clearTimeout(this.pingTimer);
      this.pingTimer = null;
    });
    if (!sent || timeout <= 0) return;
    this.pingTimer = setTimeout(() => {
      this.pingTimer = null;
      this.retire();
      session.destroy(new UpstreamError('reset-during-answer', `upstream did not answer an HTTP/2 PING within ${timeout} ms`));
    }, timerMs(timeout));
    this.pingTimer.unref();
  }

  private readonly retire = (): void => {
    if (!this.accepting) return;
    this.accepting = false;
    this.owner.retired(this);
  };

  private readonly onSessionClose = (): void => {
    this.retire();
    this.clearTimers();
  };

  private readonly onSocketError = (): void => {
    // Reported through the close that follows.
  };

  /** The connection is gone: exchanges still waiting for it never reached the server. */
  private readonly onSocketClose = (): void => {
    this.retire();
    this.clearTimers();
    const waiting = this.waiting;
    this.waiting = [];
    if (waiting.length === 0) return;
    const error = this.socketError ?? new UpstreamError('refused', 'cannot connect to upstream: closed');
    for (const exchange of waiting) exchange.failToStart(error);
  };

  private get socketError(): Error | null {
    const err = this.socket.errored;
    if (err === null || err instanceof UpstreamError) return err;
    // A refused TLS verification is pe-edge's refusal (500), not a network failure.
    if ((err as { syscall?: unknown }).syscall === undefined) return err;
    return new UpstreamError('refused', `cannot connect to upstream: ${err.message}`, err);
  }

  private clearTimers(): void {
    if (this.dialTimer !== null) clearTimeout(this.dialTimer);
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    if (this.pingTimer !== null) clearTimeout(this.pingTimer);
    this.dialTimer = this.idleTimer = this.pingTimer = null;
  }
}
