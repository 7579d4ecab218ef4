import { constants as http2constants, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { SessionPeer } from './session-peer.js';
import { Http2StreamRequest } from './stream-request.js';
import { Http2StreamResponse } from './stream-response.js';
import { asksForTrailers } from '../../http/trailers.js';
import { joinCookieCrumbs } from '../../http/http2-fields.js';
import { runAfterReads } from '../../http/after-reads.js';
import { countHttp2HeaderBlock, http2HeaderFieldsRead } from '../../http/client-read-garbage.js';

/** Serves one HTTP/2 request; `first`: the first stream of its session (RequestContext.firstOnConnection). */
export type Http2RequestHandler = (req: Http2StreamRequest, res: Http2StreamResponse, first: boolean) => void;

/**
 * The part of node's HTTP/2 servers (TLS and cleartext) that hands out streams. node passes the header list as
 * received (`rawHeaders`) with every stream since v15.1; @types/node does not list it yet.
 */
interface StreamSource {
  on(event: 'stream', listener: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => void): unknown;
}

/** A write after the end or on a reset stream, or the client's RST_STREAM: the exchange is over; nothing is left to do. */
function dropStreamError(): void {}

/**
 * Serves a server's HTTP/2 streams with pe-edge's request and response over node's core stream API, in place of
 * node's compatibility layer (two stream objects and a socket proxy per request, about a third of the CPU of a
 * small answer). What that layer answered by itself is answered the same: CONNECT 405, an `Expect` other than
 * `100-continue` 417, and `100-continue` gets its interim 100 before the request is served.
 *
 * Streams are served once node has read the whole batch they came in, in the check phase (rapid reset,
 * CVE-2023-44487). node emits 'stream' from a nextTick queued by the HEADERS frame's callback, and ticks run as
 * each frame's callback returns: a RST_STREAM further on in the same read has not been seen yet. By the check
 * phase the poll phase has read every byte the socket held, and a stream reset in its opening batch is closed:
 * it is skipped, costing no routing, middleware or upstream connection or stream. The batch runs marked as
 * following the loop's reads (`runAfterReads`): the HTTP/1.1 pool hands its requests a kept connection at once,
 * not one more loop turn later.
 */
export function serveHttp2Streams(server: StreamSource, onRequest: Http2RequestHandler): void {
  // Per connection, for as long as node keeps the session: its peer facts, whether it was served before, the streams waiting.
  const peers = new WeakMap<Http2Session, SessionPeer>();
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    // Before anything else: a client's reset with an error code (not CANCEL) makes node emit 'error' on the
    // stream, maybe before it is served.
    stream.on('error', dropStreamError);
    // Counted for every stream, served or not: node holds its header strings until a full collection. So are
    // the trailers a stream with a body may end with, read or not.
    http2HeaderFieldsRead(rawHeaders);
    if (!stream.endAfterHeaders) stream.once('trailers', countHttp2HeaderBlock);
    const session = stream.session;
    // A stream whose connection is already gone (node's socket proxy would throw on the peer's address): nothing to serve.
    if (session === undefined || session.destroyed || stream.closed) {
      destroyStream(stream);
      return;
    }
    let peer = peers.get(session);
    if (peer === undefined) {
      peer = new SessionPeer(session);
      peers.set(session, peer);
    }
    if (peer.arrived === null) {
      peer.arrived = [];
      setImmediate(runAfterReads, serveArrived, peer, onRequest);
    }
    peer.arrived.push({ stream, headers, rawHeaders });
  });
}

/** Serves the streams of a session's batch, in the order they came, but those reset or cut off meanwhile. */
function serveArrived(peer: SessionPeer, onRequest: Http2RequestHandler): void {
  const arrived = peer.arrived;
  peer.arrived = null;
  if (arrived === null) return;
  for (const { stream, headers, rawHeaders } of arrived) {
    if (stream.closed || stream.destroyed || peer.destroyed) destroyStream(stream);
    else serveStream(stream, headers, rawHeaders, peer, onRequest);
  }
}

function serveStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[], peer: SessionPeer, onRequest: Http2RequestHandler): void {
  const method = headers[':method'];
  const res = new Http2StreamResponse(stream, method === 'HEAD', asksForTrailers(headers.te));
  // Refused before routing, as node's HTTP/2 layer answers them (Go's hands both to the router; README): bare heads.
  if (method === 'CONNECT') {
    // eslint-disable-next-line no-restricted-syntax -- refused before routing: no router, no hooks
    res.statusCode = http2constants.HTTP_STATUS_METHOD_NOT_ALLOWED;
    res.end();
    return;
  }
  const expect = headers.expect;
  if (expect !== undefined) {
    if (expect !== '100-continue') {
      // eslint-disable-next-line no-restricted-syntax -- refused before routing: no router, no hooks
      res.statusCode = http2constants.HTTP_STATUS_EXPECTATION_FAILED;
      res.end();
      return;
    }
    // Thrown on a stream the client reset meanwhile.
    try {
      stream.additionalHeaders({ ':status': http2constants.HTTP_STATUS_CONTINUE });
    } catch {
      res.destroy();
      return;
    }
  }
  const first = !peer.served;
  peer.served = true;
  onRequest(new Http2StreamRequest(stream, headers, joinCookieCrumbs(rawHeaders), peer), res, first);
}

/** Ends a stream that will not be served: not closed with NO_ERROR, which would read as a complete (empty) answer. */
function destroyStream(stream: ServerHttp2Stream): void {
  if (!stream.destroyed && !stream.closed) stream.close(http2constants.NGHTTP2_INTERNAL_ERROR);
  stream.destroy();
}
