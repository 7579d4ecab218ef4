import { constants as http2Constants, type ServerHttp2Session } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { FaultSink } from '../http/exchange-fault.js';
import { deniedEscapes, type EncodedCharactersOptions } from '../http/encoded-characters.js';
import type { RequestContext } from '../http/request-context.js';
import type { Runtime } from '../runtime/runtime.js';
import { IpChecker } from '../middlewares/traffic/ip-checker.js';
import { HttpsServers } from './https-servers.js';
import type { HttpsServer } from './https-server.js';
import { createH2cServer, h2cPreface, type H2cServer } from './h2c-server.js';
import { warnFault } from '../http/exchange-fault.js';
import { parseListenAddress } from './listen-address.js';
import { Http1Side } from './http1-side.js';
import type { Http2StreamRequest } from './http2-front/stream-request.js';
import { handleRequest, type EntryPointContext } from './request-entry.js';
import type { UnderscoreHeadersStrategy } from './underscore-headers.js';
import type { Http2HeaderTables } from './https-server.js';
import { ACME_TLS_ALPN, type AcmeChallengeStore } from '../tls/acme-challenges.js';
import { MAX_CLIENT_HELLO_BYTES, parseClientHello, type ClientHello } from '../tls/client-hello.js';
import { HelloServerNames } from '../tls/hello-server-name.js';
import { serveTcp, TcpEntryPointRouting, UNREAD_HELLO } from '../tcp/tcp-routing.js';
import { acceptPostgresSslRequest, POSTGRES_SSL_REQUEST, postgresSslRequest } from '../tcp/postgres-starttls.js';
import { ProxyProtocolPolicy, type ProxyProtocolOptions } from './proxy-protocol/proxied-peer.js';
import { withTimerBounds } from '../timer-bounds.js';
import type { UdpErrorSink } from '../udp/udp-entrypoint.js';

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
  /** notAppendXForwardedFor (v3.7): X-Forwarded-For goes upstream as received (none if none), without the peer. */
  forwardedHeaders: { insecure: boolean; trustedIPs: readonly string[]; notAppendXForwardedFor?: boolean };
  /** http.underscoreHeadersStrategy (v3.7): request headers whose name holds '_' are kept (default), deleted or refused. */
  underscoreHeaders?: UnderscoreHeadersStrategy;
  /** http2.maxDecoderHeaderTableSize / maxEncoderHeaderTableSize (v3.7), bytes; Go's and node's default 4096. */
  http2HeaderTables?: Http2HeaderTables;
  /** http2.maxConcurrentStreams: streams one HTTP/2 connection may have open at once (Traefik's default 250). */
  http2MaxConcurrentStreams?: number;
  /** http.sanitizePath (Traefik default true): `.`/`..` segments and repeated slashes resolved before routing. */
  sanitizePath: boolean;
  /** http.encodedCharacters (Traefik v3.6.4+); null when not configured (nothing refused). */
  encodedCharacters: EncodedCharactersOptions | null;
  onDone: ((ctx: RequestContext) => void) | null;
  /** entryPoints.<name>.proxyProtocol; absent or null: no PROXY header is read. */
  proxyProtocol?: ProxyProtocolOptions | null;
  /** Hears every error raised for one exchange (it ends that exchange, never the process); default: a process warning. */
  onFault?: FaultSink;
  /** UDP entrypoints (address `…/udp`, proxy/udp): entryPoints.<name>.udp.timeout in ms (default 3 s), and their error log. */
  udpTimeout?: number;
  onUdpError?: UdpErrorSink;
  /** UDP sessions this entrypoint keeps open at most (default UDP_MAX_SESSIONS; tests set fewer). */
  udpMaxSessions?: number;
}

/** net's listen options with node 22.12's `reusePort` (SO_REUSEPORT), which @types/node 20 does not list. */
type ReusableListenOptions = net.ListenOptions & { reusePort?: boolean };

const TLS_HANDSHAKE = 0x16;
/** node:tls's default handshakeTimeout, which the HTTPS server keeps when readTimeout is 0. */
const NODE_TLS_HANDSHAKE_TIMEOUT_MS = 120_000;

/**
 * One listening port serving plain HTTP and HTTPS at once, as Traefik does: the first byte of a
 * connection tells a TLS ClientHello from an HTTP request line. Routing reads the current runtime,
 * so a configuration swap never touches the listener.
 */
export class EntryPoint {
  private readonly server: net.Server;
  /** HTTP/1.x on plain connections. */
  private readonly http1: Http1Side;
  /** HTTP/1.x on TLS connections (ALPN http/1.1 or none): the same front, behind an HTTPS server's handshake. */
  private readonly https1: Http1Side;
  /** TLS handshakes, and HTTP/2 on ALPN h2: a server per TLS option, chosen by the ClientHello's SNI. */
  private readonly httpsServers: HttpsServers;
  /** HTTP/2 with prior knowledge (h2c) on plain connections. */
  private readonly h2cServer: H2cServer;
  private readonly sockets = new Set<net.Socket>();
  /** The SNI of ClientHellos read here before the HTTPS server's handshake, for its TLS sockets. */
  private readonly helloNames = new HelloServerNames();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly proxyProtocol: ProxyProtocolPolicy | null;
  /**
   * How long a ClientHello, and a TCP router's TLS termination after it, may take: readTimeout, or with readTimeout 0
   * node's own TLS handshake timeout (as the HTTPS server keeps), so a handshake never finished cannot hold a connection.
   */
  private readonly handshakeLimit: number;

  /**
   * `listenAlone`: under `--workers`, bind a socket of this process's own in the port's SO_REUSEPORT group instead of
   * sharing the primary's (proxy/index.ts `SharedWithWorkers.listenAlone`).
   */
  readonly options: EntryPointOptions;

  constructor(given: EntryPointOptions, private readonly getRuntime: () => Runtime, private readonly listenAlone = false) {
    // Every timer below reads these: a duration over a node timer's reach would fire at once.
    const options = withTimerBounds(given);
    this.options = options;
    this.handshakeLimit = options.readTimeout > 0 ? options.readTimeout : NODE_TLS_HANDSHAKE_TIMEOUT_MS;
    this.proxyProtocol = options.proxyProtocol === undefined || options.proxyProtocol === null ? null : new ProxyProtocolPolicy(options.proxyProtocol);
    const ctx: EntryPointContext = {
      name: options.name,
      getRuntime,
      writeTimeout: options.writeTimeout,
      readTimeout: options.readTimeout,
      trustAll: options.forwardedHeaders.insecure,
      trusted: options.forwardedHeaders.trustedIPs.length === 0 ? null : new IpChecker(options.forwardedHeaders.trustedIPs, 'forwardedHeaders.trustedIPs'),
      notAppendForwardedFor: options.forwardedHeaders.notAppendXForwardedFor === true,
      underscoreHeaders: options.underscoreHeaders ?? 'keep',
      onDone: options.onDone,
      faults: options.onFault ?? warnFault,
      sanitizePath: options.sanitizePath,
      deniedEscapes: deniedEscapes(options.encodedCharacters),
    };
    // A head must be whole within 60 s, or readTimeout when shorter (node:http's rule; both fronts apply it).
    const headersTimeout = options.readTimeout > 0 ? Math.min(60_000, options.readTimeout) : 60_000;
    const timeouts = { headersTimeout, readTimeout: options.readTimeout, idleTimeout: options.idleTimeout };
    this.http1 = new Http1Side(ctx, false, options.maxHeaderBytes, timeouts);
    this.https1 = new Http1Side(ctx, true, options.maxHeaderBytes, timeouts);
    const trackSession = (session: ServerHttp2Session): void => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      armHttp2IdleTimeout(session, options.idleTimeout);
    };
    this.httpsServers = new HttpsServers({
      // This entrypoint's hosts and their TLS options (Traefik maps them per entrypoint).
      getStore: () => getRuntime().tls.forEntryPoint(options.name),
      helloNames: this.helloNames,
      onRequest: (req, res, first) => {
        armHttp2ReadDeadline(req, options.readTimeout);
        // The session's peer holds its TLS facts, read once per session.
        handleRequest(ctx, req, res, req.socket, null, first);
      },
      onHttp1: (socket) => {
        // node:tls leaves a connection's errors after its handshake to whoever reads it.
        socket.on('error', () => socket.destroy());
        this.https1.accept(socket);
      },
      maxHeaderBytes: options.maxHeaderBytes,
      handshakeTimeout: options.readTimeout,
      proxyProtocol: this.proxyProtocol,
      headerTables: options.http2HeaderTables,
      http2MaxConcurrentStreams: options.http2MaxConcurrentStreams,
      onSession: trackSession,
    });
    // h2c streams take the TLS h2 path's guards: the same limits, read deadline, idle timeout and request entry.
    this.h2cServer = createH2cServer({
      maxHeaderBytes: options.maxHeaderBytes,
      headerTables: options.http2HeaderTables,
      http2MaxConcurrentStreams: options.http2MaxConcurrentStreams,
      onRequest: (req, res, first) => {
        armHttp2ReadDeadline(req, options.readTimeout);
        handleRequest(ctx, req, res, null, null, first);
      },
    });
    this.h2cServer.on('session', trackSession);
    // Nagle off, as node:http and Go do: a head and its body written apart must not wait for the peer's delayed ACK.
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // A connection that never sends a byte must not be held forever (Traefik applies readTimeout to the sniff).
    if (this.options.readTimeout > 0) socket.setTimeout(this.options.readTimeout, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const proxyProtocol = this.proxyProtocol;
    if (proxyProtocol === null) {
      this.route(socket, null);
      return;
    }
    // The PROXY header comes before anything else, a TLS ClientHello included (Traefik's proxyproto listener).
    proxyProtocol.read(socket, this.options.readTimeout, (rest) => this.route(socket, rest.length > 0 ? rest : null));
  }

  /**
   * A plain TCP router may take the connection before it sends anything (server-first protocols: Traefik does so when
   * the entrypoint has no TLS router of either kind); otherwise the first bytes decide.
   */
  private route(socket: net.Socket, first: Buffer | null): void {
    const tcp = this.getRuntime().tcp.entryPoints.get(this.options.name);
    if (tcp?.takesBeforeBytes === true) {
      const target = tcp.forPlain(TcpEntryPointRouting.connData(socket, null));
      if (target !== null) {
        serveTcp(socket, target, first, this.handshakeLimit);
        return;
      }
    }
    if (first !== null) this.sniff(socket, first);
    else socket.once('data', (next: Buffer) => this.sniff(socket, next));
  }

  /**
   * The first bytes tell TLS from plain bytes (Traefik's router.go): a TLS connection goes to a TLS TCP router or the
   * HTTPS server by its ClientHello; Postgres's SSLRequest is answered for TLS TCP routers; a plain one goes to a
   * plain TCP router or to HTTP, HTTP/1.x or h2c (the HTTP/2 preface).
   */
  private sniff(socket: net.Socket, first: Buffer): void {
    const runtime = this.getRuntime();
    const tcp = runtime.tcp.entryPoints.get(this.options.name) ?? null;
    if (first[0] === TLS_HANDSHAKE) {
      // The ClientHello is read whole before TLS starts: it may choose a TLS-ALPN-01 challenge or a TLS TCP router,
      // and its SNI is the server name of a resumed TLS 1.2 handshake, of which node tells none (hello-server-name.ts).
      const challenges = runtime.acmeChallenges?.tlsAlpn01Pending === true ? runtime.acmeChallenges : null;
      this.sniffClientHello(socket, first, (bytes, hello) => this.chooseTls(socket, bytes, hello, challenges, tcp));
      return;
    }
    if (tcp !== null) {
      const postgres = postgresSslRequest(first);
      if (postgres === 'more') {
        socket.once('data', (next: Buffer) => this.sniff(socket, Buffer.concat([first, next])));
        return;
      }
      if (postgres === 'yes') {
        this.servePostgres(socket, first.subarray(POSTGRES_SSL_REQUEST.length), tcp);
        return;
      }
      const target = tcp.forPlain(TcpEntryPointRouting.connData(socket, null));
      if (target !== null) {
        serveTcp(socket, target, first, this.handshakeLimit);
        return;
      }
    }
    if (first[0] !== TLS_HANDSHAKE && h2cPreface(first) === 'more') {
      // A preface split over reads (within the sniff's readTimeout): read on until it is whole or not one.
      socket.once('data', (next: Buffer) => this.sniff(socket, Buffer.concat([first, next])));
      return;
    }
    this.handOn(socket, first);
  }

  /**
   * A whole ClientHello chooses: a pending TLS-ALPN-01 validation (`acme-tls/1` offered) gets the challenge
   * certificate; then a TLS TCP router as Traefik's precedence says; else the HTTPS server of the TLS option its SNI
   * selects, every byte put back and the hello's SNI noted for the TLS socket (helloNames). A hello not read (null)
   * routes as one without SNI or ALPN (UNREAD_HELLO).
   */
  private chooseTls(socket: net.Socket, bytes: Buffer, hello: ClientHello | null, challenges: AcmeChallengeStore | null, tcp: TcpEntryPointRouting | null): void {
    if (hello !== null && challenges !== null && hello.alpn.includes(ACME_TLS_ALPN)) {
      answerTlsAlpn01(socket, bytes, challenges.tlsAlpn01Context(hello.serverName ?? localName(socket)));
      return;
    }
    const target = tcp === null ? null : tcp.forTls(TcpEntryPointRouting.connData(socket, hello ?? UNREAD_HELLO));
    if (target !== null) {
      serveTcp(socket, target, bytes, this.handshakeLimit, false, hello?.serverName ?? null);
      return;
    }
    const serverName = hello?.serverName ?? null;
    this.helloNames.note(socket, serverName);
    this.handOn(socket, bytes, this.httpsServers.serverFor(serverName));
  }

  /** Postgres's SSLRequest: answered, then the ClientHello that follows chooses a TLS TCP router (none: closed). */
  private servePostgres(socket: net.Socket, rest: Buffer, tcp: TcpEntryPointRouting): void {
    acceptPostgresSslRequest(socket);
    const decide = (bytes: Buffer, hello: ClientHello | null): void => {
      const target = tcp.forPostgres(TcpEntryPointRouting.connData(socket, hello ?? UNREAD_HELLO));
      if (target === null) socket.destroy();
      else serveTcp(socket, target, bytes, this.handshakeLimit, target.termination === null, hello?.serverName ?? null);
    };
    if (rest.length > 0) this.sniffClientHello(socket, rest, decide);
    else socket.once('data', (next: Buffer) => this.sniffClientHello(socket, next, decide));
  }

  /** To the front the first bytes name (`https`: the server a ClientHello chose), with every byte read so far put back. */
  private handOn(socket: net.Socket, seen: Buffer, https: HttpsServer | null = null): void {
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    if (https !== null) https.emit('connection', socket);
    else if (h2cPreface(seen) === 'yes') this.h2cServer.emit('connection', socket);
    else this.http1.accept(socket);
    process.nextTick(() => socket.resume());
  }

  /**
   * Reads the ClientHello whole before any TLS library sees it (node's SNICallback runs before the client's ALPN list
   * is known, and TCP routers choose on SNI, ALPN and client IP): from as many reads as it takes, up to
   * MAX_CLIENT_HELLO_BYTES, within readTimeout. `decide` gets every byte read and the hello, or null when they are not
   * one this reads (malformed, too long).
   */
  private sniffClientHello(socket: net.Socket, first: Buffer, decide: (bytes: Buffer, hello: ClientHello | null) => void): void {
    let seen = first;
    let length = first.length;
    // One absolute deadline for the whole ClientHello: a byte at a time must not keep the idle timer alive forever.
    socket.setTimeout(0);
    const deadline = setTimeout(() => socket.destroy(), this.handshakeLimit);
    const attempt = (): boolean => {
      const bytes = seen.subarray(0, length);
      const hello = parseClientHello(bytes);
      if (hello === 'incomplete' && length < MAX_CLIENT_HELLO_BYTES) return false;
      clearTimeout(deadline);
      socket.off('data', more);
      socket.off('end', ended);
      decide(bytes, hello === 'incomplete' ? null : hello);
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
      attempt();
    };
    // A client that half-closes before its ClientHello is whole can never finish a handshake.
    const ended = (): void => {
      clearTimeout(deadline);
      socket.destroy();
    };
    socket.once('close', () => {
      clearTimeout(deadline);
    });
    if (attempt()) return;
    socket.on('data', more);
    socket.once('end', ended);
  }

  listen(): Promise<void> {
    const { host, port } = parseListenAddress(this.options.address);
    const where: ReusableListenOptions = { port, ...(host !== undefined ? { host } : {}) };
    // Port 0 stays shared: each worker binding one alone would get a port of its own.
    if (this.listenAlone && port !== 0) Object.assign(where, { exclusive: true, reusePort: true });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(where, () => {
        this.server.off('error', reject);
        // An accept error after listening (libuv hands few up) is reported, never left to end the process.
        this.server.on('error', (err) => process.emitWarning(`entrypoint "${this.options.name}": ${err.message}`, 'PeEdgeEntryPointWarning'));
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
    this.http1.close();
    this.https1.close();
    this.httpsServers.close();
    this.h2cServer.close();
    for (const session of this.sessions) session.close();
    const deadline = Date.now() + graceMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      this.http1.closeIdle();
      this.https1.closeIdle();
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

/**
 * readTimeout on an HTTP/2 stream, as Go's HTTP/2 server applies ReadTimeout per stream: a request whose
 * body is not whole within it is reset (node's HTTP/1.1 deadlines do not watch HTTP/2 streams). A body the
 * client finished sending in time (END_STREAM received) is whole even if nothing read it yet, e.g. while a
 * forwardAuth server takes its time: Go's deadline then finds the body closed and does nothing.
 */
function armHttp2ReadDeadline(req: Http2StreamRequest, readTimeout: number): void {
  const stream = req.stream;
  // A request whose HEADERS frame ended the stream (a GET) is whole: its 'end' comes only if something reads
  // the empty body, and a deadline left armed would reset an answer slower than readTimeout.
  if (readTimeout <= 0 || stream.endAfterHeaders || stream.readableEnded || stream.destroyed) return;
  const timer = setTimeout(() => {
    if (stream.readableEnded || stream.destroyed || stream.closed || stream.state.remoteClose === 1) return;
    stream.close(http2Constants.NGHTTP2_CANCEL);
  }, readTimeout);
  const clear = (): void => clearTimeout(timer);
  stream.once('end', clear);
  stream.once('close', clear);
}

/**
 * idleTimeout on HTTP/2: a session with no frame for idleTimeout is closed gracefully (GOAWAY, streams
 * under way finish); one still open at its next idle period is destroyed. That second period is armed anew: node
 * calls a session's timeout listener once, so it never came, and a session node 20 had stopped after a connection
 * error it detected itself (a frame it cannot read, after a stream opened) held its socket for good, one per client
 * that sent such bytes. Per session, not the server's setTimeout, which node would also apply to HTTP/1.1
 * connections mid-request.
 */
function armHttp2IdleTimeout(session: ServerHttp2Session, idleTimeout: number): void {
  if (idleTimeout <= 0) return;
  const onIdle = (): void => {
    if (session.destroyed) return;
    if (session.closed) {
      session.destroy();
      return;
    }
    session.close();
    session.setTimeout(idleTimeout, onIdle);
  };
  session.setTimeout(idleTimeout, onIdle);
}
