import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { hasUnsupportedTransferEncoding, requestBodyFraming } from '../http/request-body-framing.js';
import { reportFrontFault } from '../http/exchange-fault.js';
import { SocketTlsConnection, type TlsConnection } from '../http/tls-connection.js';
import { goBareRefusal, goExpectationFailed, hostRefusal, UNSUPPORTED_TRANSFER_ENCODING, UNSUPPORTED_VERSION } from '../http/traefik-responses.js';
import { announcesFramingTrailer } from '../http/request-trailers.js';
import { DetachedRequestBody } from './detached-request-body.js';
import { Http1Front } from './http1-front/http1-front.js';
import { Http1Pipeline } from './http1-pipeline.js';
import { Http1ProxyRequest, Http1ProxyResponse } from './node-exchange.js';
import { handleRequest, type EntryPointContext } from './request-entry.js';

export interface ConnectionTimeouts {
  /** ms a request head may take from its first byte. */
  headersTimeout: number;
  /** respondingTimeouts.readTimeout: ms a whole request (head and body) may take; 0 = none. */
  readTimeout: number;
  /** respondingTimeouts.idleTimeout: ms a keep-alive connection may wait for its next request; 0 = none. */
  idleTimeout: number;
}

/**
 * HTTP/1.x on one side of an entrypoint (plain, or TLS once the handshake chose HTTP/1.1): the lean front
 * reads every connection first and serves the requests it can; node:http gets the connection, at a request
 * boundary and for good, for anything else (chunked bodies, upgrades, HTTP/1.0, odd or malformed heads).
 */
export class Http1Side {
  private readonly server: http.Server<typeof Http1ProxyRequest, typeof Http1ProxyResponse>;
  private readonly front: Http1Front;
  /**
   * The TLS facts of node:http's connections (TLS side only), as the lean front kept them before handing each
   * over, so they are still asked once per connection: node:http's connection is node's socket, which takes no
   * field of pe-edge's without a cast.
   */
  private readonly handedTls = new WeakMap<Socket, TlsConnection>();
  /** Connections node:http answered 417 on: they close after that answer, and nothing after it is served. */
  private readonly closingAfterAnswer = new WeakSet<Socket>();

  constructor(ctx: EntryPointContext, private readonly tls: boolean, maxHeaderBytes: number, timeouts: ConnectionTimeouts) {
    this.server = http.createServer({ IncomingMessage: Http1ProxyRequest, ServerResponse: Http1ProxyResponse, maxHeaderSize: maxHeaderBytes });
    const pipeline = new Http1Pipeline((req, res, first) => serveHttp1(ctx, req, res, this.tlsOf(req.socket), first), maxHeaderBytes);
    this.server.on('request', (req, res) => {
      // Behind a 417 the connection closes with: the request is not served (nor sent upstream), as in Go.
      if (this.closingAfterAnswer.has(req.socket)) return;
      pipeline.accept(req, res);
    });
    this.server.on('clientError', (err: Error, socket: Duplex) => pipeline.clientError(err, socket));
    // An Expect other than 100-continue: Go's 417, after which its server closes the connection and reads no more.
    // node's own 417 kept the connection, and an upgrade pipelined behind it took the socket that answer still held
    // ("ServerResponse has an already assigned socket", logged as pe-edge's fault).
    this.server.on('checkExpectation', (req: Http1ProxyRequest, res: Http1ProxyResponse) => {
      this.closingAfterAnswer.add(req.socket);
      res.refuseHead(goExpectationFailed());
    });
    this.server.on('upgrade', (req: Http1ProxyRequest, socket: Duplex, head: Buffer) => {
      // Behind a 417 the connection closes with: the request is not served, as in Go.
      if (this.closingAfterAnswer.has(req.socket)) return;
      pipeline.whenIdle(socket, (first) => onUpgrade(ctx, req, socket, head, this.tlsOf(req.socket), first));
    });
    startHttp1Timeouts(this.server, timeouts);
    this.front = new Http1Front(ctx, {
      tls,
      maxHeaderBytes,
      idleTimeout: timeouts.idleTimeout,
      headersTimeout: timeouts.headersTimeout,
      readTimeout: timeouts.readTimeout,
      handOff: (socket, served, tlsConnection) => {
        if (served) pipeline.markServed(socket);
        if (tlsConnection !== null) this.handedTls.set(socket, tlsConnection);
        this.server.emit('connection', socket);
        process.nextTick(() => socket.resume());
      },
    });
  }

  /** A node:http connection's TLS facts: the lean front's for it (every connection starts there); null when plain. */
  private tlsOf(socket: Socket): TlsConnection | null {
    if (!this.tls) return null;
    let connection = this.handedTls.get(socket);
    if (connection === undefined) this.handedTls.set(socket, (connection = new SocketTlsConnection(socket)));
    return connection;
  }

  /** A new connection (its first bytes already put back, the socket paused or not yet read). */
  accept(socket: Socket): void {
    this.front.accept(socket);
  }

  /** Shutdown began: no new requests are read from node:http's connections, the front's answers close theirs. */
  close(): void {
    this.server.close();
  }

  /** Closes the connections with no request under way (called until they are all gone). */
  closeIdle(): void {
    this.server.closeIdleConnections();
    this.front.closeIdle();
  }
}

/** What node:http's connection code reads from its server for timeouts (types leave the last two out). */
interface NodeHttp1Timeouts {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval?: number | undefined;
  requireHostHeader?: boolean;
  emit(event: 'listening'): boolean;
}

/** How often node checks its connections' head and request deadlines (its default, 30 s, is too coarse for a 3 s readTimeout). */
const CONNECTION_CHECK_MS = 500;

/**
 * node:http applies headersTimeout and requestTimeout only to connections of a server that emitted
 * 'listening' (that is when it starts its connection checks). These servers never listen: the
 * entrypoint's own listener hands them connections, so without this none of their connections
 * would ever time out.
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

/** Go's answer to a request line without an HTTP version (HTTP/0.9, which node's parser reads): a malformed request. */
const VERSIONLESS_REFUSAL = goBareRefusal(400);

/**
 * Go's refusal of a head node:http parsed, before its Host is looked at: no version (HTTP/0.9), or a version other
 * than 1.x (node reads `HTTP/2.0` in a request line; the h2c preface never gets here). null for HTTP/1.x.
 */
function versionRefusal(req: Http1ProxyRequest): string | null {
  if (req.httpVersionMajor === 1) return null;
  return req.httpVersionMajor === 0 ? VERSIONLESS_REFUSAL : UNSUPPORTED_VERSION;
}

/** Go's refusal of a Transfer-Encoding other than one `chunked` field; Go reads it before the Host lines. */
function transferEncodingRefusal(req: Http1ProxyRequest): string | null {
  return hasUnsupportedTransferEncoding(req.rawHeaders, req.httpVersionMajor, req.httpVersionMinor) ? UNSUPPORTED_TRANSFER_ENCODING : null;
}

/** Go's refusal of a chunked request whose `Trailer` announces a body-framing field ("bad trailer key"). */
function trailerRefusal(req: Http1ProxyRequest): string | null {
  return announcesFramingTrailer(req.headers) ? BAD_TRAILER_REFUSAL : null;
}

const BAD_TRAILER_REFUSAL = goBareRefusal(400);

/** An HTTP/1.x request node:http parsed (the lean front hands it every head it does not serve itself). */
function serveHttp1(ctx: EntryPointContext, req: Http1ProxyRequest, res: Http1ProxyResponse, tls: TlsConnection | null, first: boolean): void {
  const refusal = versionRefusal(req) ?? transferEncodingRefusal(req) ?? hostRefusal(req.rawHeaders, req.headers.host, req.httpVersion) ?? trailerRefusal(req);
  if (refusal !== null) res.refuseHead(refusal);
  else handleRequest(ctx, req, res, tls, null, first);
}

function onUpgrade(ctx: EntryPointContext, req: Http1ProxyRequest, socket: Duplex, head: Buffer, tls: TlsConnection | null, first: boolean): void {
  try {
    startUpgrade(ctx, req, socket, head, tls, first);
  } catch (err) {
    // Before a request context exists: the connection ends, the process does not.
    reportFrontFault(ctx, err);
    socket.destroy();
  }
}

function startUpgrade(ctx: EntryPointContext, req: Http1ProxyRequest, socket: Duplex, head: Buffer, tls: TlsConnection | null, first: boolean): void {
  // A response object on the raw socket lets routers answer non-upgrade outcomes (404, redirects) normally.
  const res = new Http1ProxyResponse(req);
  res.assignSocket(req.socket);
  res.shouldKeepAlive = false;
  // Answered without upgrading (404, redirect, upstream refusal): the connection ends with the answer.
  res.once('finish', () => socket.end());
  const refusal = versionRefusal(req) ?? transferEncodingRefusal(req) ?? hostRefusal(req.rawHeaders, req.headers.host, req.httpVersion) ?? trailerRefusal(req);
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
