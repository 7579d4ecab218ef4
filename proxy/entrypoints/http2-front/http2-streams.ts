import { constants as http2constants, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { SessionPeer } from './session-peer.js';
import { Http2StreamRequest } from './stream-request.js';
import { Http2StreamResponse } from './stream-response.js';
import { asksForTrailers } from '../../http/trailers.js';
import { joinCookieCrumbs } from '../../http/http2-fields.js';

/** Serves one HTTP/2 request; `first`: the first stream of its session (RequestContext.firstOnConnection). */
export type Http2RequestHandler = (req: Http2StreamRequest, res: Http2StreamResponse, first: boolean) => void;

/**
 * The part of node's HTTP/2 servers (TLS and cleartext) that hands out streams. node passes the header list as
 * received (`rawHeaders`) with every stream since v15.1; @types/node does not list it yet.
 */
interface StreamSource {
  on(event: 'stream', listener: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => void): unknown;
}

/**
 * Serves a server's HTTP/2 streams with pe-edge's request and response over node's core stream API, in place of
 * node's compatibility layer (two stream objects and a socket proxy per request, about a third of the CPU of a
 * small answer). What that layer answered by itself is answered the same: CONNECT 405, an `Expect` other than
 * `100-continue` 417, and `100-continue` gets its interim 100 before the request is served.
 */
export function serveHttp2Streams(server: StreamSource, onRequest: Http2RequestHandler): void {
  // Per connection, for as long as node keeps the session: its peer facts and whether it was served before.
  const peers = new WeakMap<Http2Session, SessionPeer>();
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const method = headers[':method'];
    const res = new Http2StreamResponse(stream, method === 'HEAD', asksForTrailers(headers.te));
    const session = stream.session;
    // A stream whose connection is already gone (node's socket proxy would throw on the peer's address): nothing to serve.
    if (session === undefined || session.destroyed || stream.closed) {
      res.destroy();
      return;
    }
    if (method === 'CONNECT') {
      res.statusCode = http2constants.HTTP_STATUS_METHOD_NOT_ALLOWED;
      res.end();
      return;
    }
    const expect = headers.expect;
    if (expect !== undefined) {
      if (expect !== '100-continue') {
        res.statusCode = http2constants.HTTP_STATUS_EXPECTATION_FAILED;
        res.end();
        return;
      }
      // Thrown on a stream the client reset meanwhile, from node's 'stream' event, past every handler.
      try {
        stream.additionalHeaders({ ':status': http2constants.HTTP_STATUS_CONTINUE });
      } catch {
        res.destroy();
        return;
      }
    }
    let peer = peers.get(session);
    if (peer === undefined) {
      peer = new SessionPeer(session);
      peers.set(session, peer);
    }
    const first = !peer.served;
    peer.served = true;
    onRequest(new Http2StreamRequest(stream, headers, joinCookieCrumbs(rawHeaders), peer), res, first);
  });
}
