import http from 'node:http';
import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { deniedEscapes, type EncodedCharactersOptions } from '../http/encoded-characters.js';
import type { RequestContext } from '../http/request-context.js';
import type { Runtime } from '../runtime/runtime.js';
import { IpChecker } from '../middlewares/traffic/ip-checker.js';
import { Http1Front } from './http1-front/http1-front.js';
import { createHttpsServer } from './https-server.js';
import { parseListenAddress } from './listen-address.js';
import { handleRequest, type EntryPointContext } from './request-entry.js';

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
}

const TLS_HANDSHAKE = 0x16;

/**
 * One listening port serving plain HTTP and HTTPS at once, as Traefik does: the first byte of a
 * connection tells a TLS ClientHello from an HTTP request line. Routing reads the current runtime,
 * so a configuration swap never touches the listener.
 */
export class EntryPoint {
  private readonly server: net.Server;
  private readonly httpServer: http.Server;
  private readonly httpsServer: Http2SecureServer;
  /** Serves simple plain-HTTP requests without node:http objects; hands the rest to httpServer. */
  private readonly front: Http1Front;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<ServerHttp2Session>();

  constructor(readonly options: EntryPointOptions, getRuntime: () => Runtime) {
    const ctx: EntryPointContext = {
      name: options.name,
      getRuntime,
      writeTimeout: options.writeTimeout,
      trustAll: options.forwardedHeaders.insecure,
      trusted: options.forwardedHeaders.trustedIPs.length === 0 ? null : new IpChecker(options.forwardedHeaders.trustedIPs, 'forwardedHeaders.trustedIPs'),
      onDone: options.onDone,
      sanitizePath: options.sanitizePath,
      deniedEscapes: deniedEscapes(options.encodedCharacters),
    };
    // A head must be whole within 60 s, or readTimeout when shorter (node:http's rule; both fronts apply it).
    const headersTimeout = options.readTimeout > 0 ? Math.min(60_000, options.readTimeout) : 60_000;
    this.httpServer = http.createServer({
      maxHeaderSize: options.maxHeaderBytes,
      requestTimeout: options.readTimeout,
      keepAliveTimeout: options.idleTimeout,
      // Without readTimeout node:http keeps its own default (no head deadline); it may not exceed requestTimeout.
      ...(options.readTimeout > 0 ? { headersTimeout } : {}),
    });
    this.httpServer.on('request', (req, res) => handleRequest(ctx, req, res, false, null));
    this.httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(ctx, req, socket, head, false));
    this.httpsServer = createHttpsServer({
      getStore: () => getRuntime().tls,
      onRequest: (req, res) => handleRequest(ctx, req, res, true, null),
      onUpgrade: (req, socket, head) => onUpgrade(ctx, req, socket, head, true),
      maxHeaderBytes: options.maxHeaderBytes,
    });
    this.httpsServer.on('session', (session: ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    this.front = new Http1Front(ctx, {
      maxHeaderBytes: options.maxHeaderBytes,
      idleTimeout: options.idleTimeout,
      headersTimeout,
      handOff: (socket) => {
        this.httpServer.emit('connection', socket);
        process.nextTick(() => socket.resume());
      },
    });
    this.server = net.createServer((socket) => this.accept(socket));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // A connection that never sends a byte must not be held forever (Traefik applies readTimeout to the sniff).
    if (this.options.readTimeout > 0) socket.setTimeout(this.options.readTimeout, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) this.httpsServer.emit('connection', socket);
      else this.front.accept(socket);
      process.nextTick(() => socket.resume());
    });
    socket.on('error', () => socket.destroy());
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

function onUpgrade(ctx: EntryPointContext, req: http.IncomingMessage, socket: Duplex, head: Buffer, tls: boolean): void {
  // A response object on the raw socket lets routers answer non-upgrade outcomes (404, redirects) normally.
  const res = new http.ServerResponse(req);
  res.assignSocket(socket as net.Socket);
  res.shouldKeepAlive = false;
  // Answered without upgrading (404, redirect, upstream refusal): the connection ends with the answer.
  res.once('finish', () => socket.end());
  handleRequest(ctx, req, res, tls, { socket, head });
}
