import http from 'node:http';
import { constants as http2Constants, type Http2Session, type ServerHttp2Session } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { FaultSink } from '../http/exchange-fault.js';
import { deniedEscapes, type EncodedCharactersOptions } from '../http/encoded-characters.js';
import type { RequestContext } from '../http/request-context.js';
import type { Runtime } from '../runtime/runtime.js';
import { IpChecker } from '../middlewares/traffic/ip-checker.js';
import { Http1Front } from './http1-front/http1-front.js';
import { createHttpsServer, http1Fallback, type HttpsServer, type NodeHttp1Timeouts } from './https-server.js';
import { asError, warnFault } from '../http/exchange-fault.js';
import { parseListenAddress } from './listen-address.js';
import { Http1Pipeline } from './http1-pipeline.js';
import { Http1ProxyRequest, Http1ProxyResponse, Http2ProxyRequest } from './node-exchange.js';
import { handleRequest, type EntryPointContext } from './request-entry.js';
import { DetachedRequestBody } from './detached-request-body.js';
import { requestBodyFraming } from '../http/request-body-framing.js';
import { hostRefusal } from '../http/traefik-responses.js';
import { ACME_TLS_ALPN, type AcmeChallengeStore } from '../tls/acme-challenges.js';
import { MAX_CLIENT_HELLO_BYTES, parseClientHello } from '../tls/client-hello.js';

export interface EntryPointOptions {
  name: string;
  address: string;
  /** transport.respondingTimeouts, ms; 0 = none. */
  readTimeout: number;
  idleTimeout: number;
  /** transport.respondingTimeouts.writeTimeout, ms: a response not written within it of its request is cut; 0 = none. */
  writeTimeout: number;
  /** transport.lifeCycle.graceTimeOut, ms: how long in-flight requests get on shutdown. */
  graceTimeOut: number;
  /** transport.lifeCycle.requestAcceptGraceTimeout, ms: how long new requests are still served after SIGTERM (/ping says 503). */
  requestAcceptGraceTimeout: number;
  /** http.maxHeaderBytes: larger headers get 431. */
  maxHeaderBytes: number;
  forwardedHeaders: { insecure: boolean; trustedIPs: readonly string[] };
  /** http.sanitizePath (Traefik default true): `.`/`..` segments and repeated slashes resolved before routing. */
  sanitizePath: boolean;
  /** http.encodedCharacters (Traefik v3.6.4+); null when not configured (nothing refused). */
  encodedCharacters: EncodedCharactersOptions | null;
  onDone: ((ctx: RequestContext) => void) | null;
  /** Hears every error raised for one exchange (it ends that exchange, never the process); default: a process warning. */
  onFault?: FaultSink;
}

const TLS_HANDSHAKE = 0x16;

/**
 * One listening port serving plain HTTP and HTTPS at once, as Traefik does: the first byte of a
 * connection tells a TLS ClientHello from an HTTP request line. Routing reads the current runtime,
 * so a configuration swap never touches the listener.
 */
export class EntryPoint {
  private readonly server: net.Server;
  private readonly httpServer: http.Server<typeof Http1ProxyRequest, typeof Http1ProxyResponse>;
  private readonly httpsServer: HttpsServer;
  /** Serves simple plain-HTTP requests without node:http objects; hands the rest to httpServer. */
  private readonly front: Http1Front;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<ServerHttp2Session>();
  /** HTTP/2 sessions that had a stream: later streams are not the first (RequestContext.firstOnConnection). */
  private readonly servedSessions = new WeakSet<Http2Session>();

  constructor(readonly options: EntryPointOptions, private readonly getRuntime: () => Runtime) {
    const ctx: EntryPointContext = {
      name: options.name,
      getRuntime,
      writeTimeout: options.writeTimeout,
      readTimeout: options.readTimeout,
      trustAll: options.forwardedHeaders.insecure,
      trusted: options.forwardedHeaders.trustedIPs.length === 0 ? null : new IpChecker(options.forwardedHeaders.trustedIPs, 'forwardedHeaders.trustedIPs'),
      onDone: options.onDone,
      faults: options.onFault ?? warnFault,
      sanitizePath: options.sanitizePath,
      deniedEscapes: deniedEscapes(options.encodedCharacters),
    };
    // A head must be whole within 60 s, or readTimeout when shorter (node:http's rule; both fronts apply it).
    const headersTimeout = options.readTimeout > 0 ? Math.min(60_000, options.readTimeout) : 60_000;
    this.httpServer = http.createServer({
      IncomingMessage: Http1ProxyRequest,
      ServerResponse: Http1ProxyResponse,
      maxHeaderSize: options.maxHeaderBytes,
    });
    const plainPipeline = new Http1Pipeline((req, res, first) => serveHttp1(ctx, req, res, false, first));
    this.httpServer.on('request', (req, res) => plainPipeline.accept(req, res));
    this.httpServer.on('clientError', (err: Error, socket: Duplex) => plainPipeline.clientError(err, socket));
    this.httpServer.on('upgrade', (req: Http1ProxyRequest, socket: Duplex, head: Buffer) =>
      plainPipeline.whenIdle(socket, (first) => onUpgrade(ctx, req, socket, head, false, first)));
    const tlsPipeline = new Http1Pipeline((req, res, first) => serveHttp1(ctx, req, res, true, first));
    this.httpsServer = createHttpsServer({
      getStore: () => getRuntime().tls,
      onRequest: (req, res) => {
        if (req instanceof Http1ProxyRequest && res instanceof Http1ProxyResponse) {
          tlsPipeline.accept(req, res);
          return;
        }
        if (req instanceof Http2ProxyRequest) {
          armHttp2ReadDeadline(req, options.readTimeout);
          handleRequest(ctx, req, res, true, null, this.firstStream(req.stream.session));
        } else handleRequest(ctx, req, res, true, null, true);
      },
      onUpgrade: (req, socket, head) => tlsPipeline.whenIdle(socket, (first) => onUpgrade(ctx, req, socket, head, true, first)),
      maxHeaderBytes: options.maxHeaderBytes,
      handshakeTimeout: options.readTimeout,
    });
    this.httpsServer.on('clientError', (err: Error, socket: Duplex) => tlsPipeline.clientError(err, socket));
    this.httpsServer.on('session', (session: ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      armHttp2IdleTimeout(session, options.idleTimeout);
    });
    const timeouts = { headersTimeout, readTimeout: options.readTimeout, idleTimeout: options.idleTimeout };
    startHttp1Timeouts(this.httpServer, timeouts);
    startHttp1Timeouts(http1Fallback(this.httpsServer), timeouts);
    this.front = new Http1Front(ctx, {
      maxHeaderBytes: options.maxHeaderBytes,
      idleTimeout: options.idleTimeout,
      headersTimeout,
      handOff: (socket, served) => {
        if (served) plainPipeline.markServed(socket);
        this.httpServer.emit('connection', socket);
        process.nextTick(() => socket.resume());
      },
    });
    // Nagle off, as node:http and Go do: a head and its body written apart must not wait for the peer's delayed ACK.
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Whether this is the session's first stream (a stream already detached from its session counts as one); it has had one from now on. */
  private firstStream(session: Http2Session | undefined): boolean {
    if (session === undefined) return true;
    if (this.servedSessions.has(session)) return false;
    this.servedSessions.add(session);
    return true;
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // A connection that never sends a byte must not be held forever (Traefik applies readTimeout to the sniff).
    if (this.options.readTimeout > 0) socket.setTimeout(this.options.readTimeout, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      if (first[0] === TLS_HANDSHAKE) {
        // Only while a TLS-ALPN-01 challenge is pending is the ClientHello read before TLS starts.
        const challenges = this.getRuntime().acmeChallenges;
        if (challenges?.tlsAlpn01Pending === true) {
          this.sniffClientHello(socket, first, challenges);
          return;
        }
      }
      this.handOn(socket, first);
    });
    socket.on('error', () => socket.destroy());
  }

  /** To the front the first byte names, with every byte read so far put back. */
  private handOn(socket: net.Socket, seen: Buffer): void {
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    if (seen[0] === TLS_HANDSHAKE) this.httpsServer.emit('connection', socket);
    else this.front.accept(socket);
    process.nextTick(() => socket.resume());
  }

  /**
   * node's SNICallback runs before the client's ALPN list is known, so a TLS-ALPN-01 validation (whose answer is
   * another certificate) is recognised here, as Traefik's TCP router does: the ClientHello is read whole (from as
   * many reads as it takes, up to MAX_CLIENT_HELLO_BYTES, within readTimeout) and, when it offers `acme-tls/1`,
   * answered with the challenge certificate. Anything else goes to the HTTPS server with every byte put back.
   */
  private sniffClientHello(socket: net.Socket, first: Buffer, challenges: AcmeChallengeStore): void {
    let seen = first;
    let length = first.length;
    // One absolute deadline for the whole ClientHello: a byte at a time must not keep the idle timer alive forever.
    socket.setTimeout(0);
    const deadline = this.options.readTimeout > 0 ? setTimeout(() => socket.destroy(), this.options.readTimeout) : null;
    const decide = (): boolean => {
      const bytes = seen.subarray(0, length);
      const hello = parseClientHello(bytes);
      if (hello === 'incomplete' && length < MAX_CLIENT_HELLO_BYTES) return false;
      if (deadline !== null) clearTimeout(deadline);
      socket.off('data', more);
      socket.off('end', ended);
      if (hello === 'incomplete' || hello === null || !hello.alpn.includes(ACME_TLS_ALPN)) this.handOn(socket, bytes);
      else answerTlsAlpn01(socket, bytes, challenges.tlsAlpn01Context(hello.serverName ?? localName(socket)));
      return true;
    };
    // Chunks are copied into one growing buffer (doubling), so a hello sent a byte at a time costs linear time.
    const more = (chunk: Buffer): void => {
      if (length + chunk.length > seen.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * seen.length, length + chunk.length, 4096));
        seen.copy(grown, 0, 0, length);
        seen = grown;
      }
      chunk.copy(seen, length);
      length += chunk.length;
      decide();
    };
    // A client that half-closes before its ClientHello is whole can never finish a handshake.
    const ended = (): void => {
      if (deadline !== null) clearTimeout(deadline);
      socket.destroy();
    };
    socket.once('close', () => {
      if (deadline !== null) clearTimeout(deadline);
    });
    if (decide()) return;
    socket.on('data', more);
    socket.once('end', ended);
  }

  listen(): Promise<void> {
    const { host, port } = parseListenAddress(this.options.address);
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, ...(host !== undefined ? { host } : {}) }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Open TCP connections (traefik_open_connections), read at scrape time: nothing per connection. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** The bound port (useful with `:0` in tests). */
  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /**
   * Stops accepting, lets in-flight requests finish, closes idle keep-alive connections as they go
   * idle, and force-closes whatever is left after graceTimeOut (or graceMs when given).
   */
  async shutdown(graceMs?: number): Promise<void> {
    // A signal (no explicit grace) first keeps serving for requestAcceptGraceTimeout, so load balancers in
    // front see /ping turn 503 and move away before the listener closes (Traefik's lifeCycle).
    if (graceMs === undefined && this.options.requestAcceptGraceTimeout > 0) {
      await new Promise((r) => setTimeout(r, this.options.requestAcceptGraceTimeout));
    }
    graceMs ??= this.options.graceTimeOut;
    this.server.close();
    // Neither listens: close() only stops their connection checks and closes idle keep-alive connections.
    this.httpServer.close();
    this.httpsServer.close();
    for (const session of this.sessions) session.close();
    const deadline = Date.now() + graceMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      this.httpServer.closeIdleConnections();
      this.front.closeIdle();
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const socket of this.sockets) socket.destroy();
  }
}

/** Traefik's ACME-TLS/1 handler gives a validation handshake 2 s, then closes the connection. */
const ACME_TLS_HANDSHAKE_MS = 2000;

/**
 * Completes a TLS-ALPN-01 validation handshake with the challenge certificate and closes the connection after it.
 * Without a pending challenge for the name, the handshake fails (the connection is cut), as Traefik's does.
 */
function answerTlsAlpn01(socket: net.Socket, hello: Buffer, secureContext: tls.SecureContext | undefined): void {
  if (secureContext === undefined) {
    socket.destroy();
    return;
  }
  socket.pause();
  socket.unshift(hello);
  const tlsSocket = new tls.TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: [ACME_TLS_ALPN] });
  const cut = (): void => {
    tlsSocket.destroy();
    socket.destroy();
  };
  const timer = setTimeout(cut, ACME_TLS_HANDSHAKE_MS);
  tlsSocket.once('secure', () => tlsSocket.end());
  tlsSocket.on('error', cut);
  tlsSocket.once('close', () => {
    clearTimeout(timer);
    socket.destroy();
  });
}

/** Traefik's name for a ClientHello without SNI: the connection's local address. */
function localName(socket: net.Socket): string {
  const address = socket.localAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

interface ConnectionTimeouts {
  /** ms a request head may take from its first byte. */
  headersTimeout: number;
  /** respondingTimeouts.readTimeout: ms a whole request (head and body) may take; 0 = none. */
  readTimeout: number;
  /** respondingTimeouts.idleTimeout: ms a keep-alive connection may wait for its next request; 0 = none. */
  idleTimeout: number;
}

/** How often node checks its connections' head and request deadlines (its default, 30 s, is too coarse for a 3 s readTimeout). */
const CONNECTION_CHECK_MS = 500;

/**
 * node:http applies headersTimeout and requestTimeout only to connections of a server that emitted
 * 'listening' (that is when it starts its connection checks). These servers never listen: the
 * entrypoint's own listener hands them connections, so without this none of their connections
 * would ever time out. The HTTPS server's HTTP/1.1 fallback runs node:http's code with the HTTPS
 * server as its server, so it gets the same settings.
 */
function startHttp1Timeouts(server: NodeHttp1Timeouts, t: ConnectionTimeouts): void {
  server.headersTimeout = t.headersTimeout;
  server.requestTimeout = t.readTimeout;
  server.keepAliveTimeout = t.idleTimeout;
  server.connectionsCheckingInterval = CONNECTION_CHECK_MS;
  // Go's answers to a missing or malformed Host (serveHttp1), not node's.
  server.requireHostHeader = false;
  server.emit('listening');
}

/**
 * idleTimeout on HTTP/2: a session with no frame for idleTimeout is closed gracefully (GOAWAY, streams
 * under way finish); one still open at its next idle period is destroyed. Per session, not the server's
 * setTimeout, which node would also apply to HTTP/1.1 connections mid-request.
 */
/**
 * readTimeout on an HTTP/2 stream, as Go's HTTP/2 server applies ReadTimeout per stream: a request whose
 * body is not whole within it is reset (node's HTTP/1.1 deadlines do not watch HTTP/2 streams).
 */
function armHttp2ReadDeadline(req: Http2ProxyRequest, readTimeout: number): void {
  if (readTimeout <= 0 || req.complete) return;
  const stream = req.stream;
  const timer = setTimeout(() => {
    if (!req.complete && !stream.destroyed) stream.close(http2Constants.NGHTTP2_CANCEL);
  }, readTimeout);
  const clear = (): void => clearTimeout(timer);
  req.once('end', clear);
  stream.once('close', clear);
}

function armHttp2IdleTimeout(session: ServerHttp2Session, idleTimeout: number): void {
  if (idleTimeout <= 0) return;
  session.setTimeout(idleTimeout, () => {
    if (session.closed) session.destroy();
    else session.close();
  });
}

/** An HTTP/1.x request node:http parsed (the lean front hands it every head it does not serve itself). */
function serveHttp1(ctx: EntryPointContext, req: Http1ProxyRequest, res: Http1ProxyResponse, tls: boolean, first: boolean): void {
  const refusal = hostRefusal(req.rawHeaders, req.headers.host, req.httpVersion);
  if (refusal !== null) res.refuseHead(refusal);
  else handleRequest(ctx, req, res, tls, null, first);
}

function onUpgrade(ctx: EntryPointContext, req: Http1ProxyRequest, socket: Duplex, head: Buffer, tls: boolean, first: boolean): void {
  try {
    startUpgrade(ctx, req, socket, head, tls, first);
  } catch (err) {
    // Before a request context exists: the connection ends, the process does not.
    ctx.faults({ entryPoint: ctx.name, router: '', stage: 'front', error: asError(err) });
    socket.destroy();
  }
}

function startUpgrade(ctx: EntryPointContext, req: Http1ProxyRequest, socket: Duplex, head: Buffer, tls: boolean, first: boolean): void {
  // A response object on the raw socket lets routers answer non-upgrade outcomes (404, redirects) normally.
  const res = new Http1ProxyResponse(req);
  res.assignSocket(req.socket);
  res.shouldKeepAlive = false;
  // Answered without upgrading (404, redirect, upstream refusal): the connection ends with the answer.
  res.once('finish', () => socket.end());
  const refusal = hostRefusal(req.rawHeaders, req.headers.host, req.httpVersion);
  if (refusal !== null) {
    res.refuseHead(refusal);
    return;
  }
  const framing = requestBodyFraming(req.headers);
  const withBody = framing === 'chunked' || (framing !== null && framing > 0);
  if (!withBody && !H2C_TOKEN.test(req.headers.upgrade ?? '')) {
    handleRequest(ctx, req, res, tls, { socket, head }, first);
    return;
  }
  // No tunnel for a request with a body (its bytes would be relayed as the new protocol's) nor for the h2c
  // upgrade (RFC 9113 deprecates it; an upstream that took it would speak HTTP/2 to the client unrouted):
  // served as a plain request, Upgrade and Connection dropped as hop-by-hop, the body read from the socket.
  if (withBody) req.readBodyFrom(new DetachedRequestBody(socket, head, framing === 'chunked' ? null : framing, ctx.readTimeout));
  handleRequest(ctx, req, res, tls, null, first);
}

const H2C_TOKEN = /(?:^|,)[ \t]*h2c[ \t]*(?:,|$)/i;
