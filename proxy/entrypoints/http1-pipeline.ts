import type { Duplex } from 'node:stream';
import { goBareRefusal } from '../http/traefik-responses.js';
import type { Http1ProxyRequest, Http1ProxyResponse } from './node-exchange.js';

type Exchange = readonly [Http1ProxyRequest, Http1ProxyResponse];

/** One client connection's requests: the one being served and those parsed behind it. */
interface ConnectionQueue {
  current: Exchange;
  /** Requests parsed behind it; a function is an upgrade, which takes the connection over when its turn comes. */
  readonly waiting: (Exchange | (() => void))[];
  /** What the heads of `waiting`'s requests hold (headBytes). */
  waitingHeadBytes: number;
  /** node:http's answer to bytes it could not parse after the requests already queued, sent once they are answered. */
  refusal: string | null;
}

/**
 * Requests a connection may have parsed ahead of the one in flight. node parses whatever arrives (pausing
 * the socket does not hold: reading a request resumes it), so a client that pipelines without reading its
 * answers would make pe-edge hold every request it sends. Past this many, the connection is closed: no
 * browser or HTTP library pipelines that deep.
 */
const MAX_WAITING = 256;

/** About what a parsed request head holds: its request line and header lines as they came. */
function headBytes(req: Http1ProxyRequest): number {
  let bytes = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 12;
  for (const part of req.rawHeaders) bytes += part.length + 2;
  return bytes;
}

// Go's answers (net/http conn.serve) to a connection whose next head cannot be read: the status and its
// text, and for a head that did not arrive within the read deadline nothing at all.
const REFUSALS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: goBareRefusal(431),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: goBareRefusal(413),
  ERR_HTTP_REQUEST_TIMEOUT: '',
};
const BAD_REQUEST = goBareRefusal(400);

/**
 * node:http emits 'request' for every pipelined request it parsed from one read, at once: served as they
 * come, N pipelined requests on one connection would open N upstream connections together. HAProxy serves
 * a connection's requests one at a time, and so does this: the next request of a connection starts when
 * the answer before it is over (node keeps the answers in order either way).
 * It also owns node's 'clientError': junk pipelined after complete requests is answered (400) after their
 * answers, not instead of them, since the backend may already have acted on them.
 */
export class Http1Pipeline {
  private readonly connections = new WeakMap<object, ConnectionQueue>();
  /** Connections that had a request: the next one is not the first (RequestContext.firstOnConnection). */
  private readonly served = new WeakSet<object>();

  /**
   * `serve` gets `first` for the first request of its connection. `maxWaitingHeadBytes`: what the heads of a
   * connection's waiting requests may hold together (the entrypoint's `http.maxHeaderBytes`).
   */
  constructor(
    private readonly serve: (req: Http1ProxyRequest, res: Http1ProxyResponse, first: boolean) => void,
    private readonly maxWaitingHeadBytes: number,
  ) {}

  accept(req: Http1ProxyRequest, res: Http1ProxyResponse): void {
    const queue = this.connections.get(req.socket);
    if (queue !== undefined) {
      // Each head may be as large as http.maxHeaderBytes (1 MiB by default): 256 of them would hold a quarter of a
      // gigabyte for one connection. Go reads a connection's next request only once the one before is answered, so
      // Traefik holds one head: past one waiting head, their sum is kept under maxHeaderBytes.
      const bytes = headBytes(req);
      if (queue.waiting.length >= MAX_WAITING || (queue.waiting.length > 0 && queue.waitingHeadBytes + bytes > this.maxWaitingHeadBytes)) {
        req.socket.destroy();
        return;
      }
      queue.waiting.push([req, res]);
      queue.waitingHeadBytes += bytes;
      return;
    }
    const fresh: ConnectionQueue = { current: [req, res], waiting: [], waitingHeadBytes: 0, refusal: null };
    this.connections.set(req.socket, fresh);
    this.start(fresh, this.firstOn(req.socket));
  }

  /** A connection the lean front served requests on before handing it over: none of its next ones is the first. */
  markServed(socket: object): void {
    this.served.add(socket);
  }

  /** Whether the connection had no request yet; it has one from now on. */
  private firstOn(socket: object): boolean {
    if (this.served.has(socket)) return false;
    this.served.add(socket);
    return true;
  }

  /**
   * Runs an upgrade request once the answers before it on its connection are over: node emits 'upgrade'
   * as soon as it parsed one, and the socket still belongs to the response in flight until then.
   * `start` gets `first` for the first request of its connection.
   */
  whenIdle(socket: object, start: (first: boolean) => void): void {
    const queue = this.connections.get(socket);
    if (queue === undefined) start(this.firstOn(socket));
    else queue.waiting.push(() => start(false));
  }

  /** node:http's 'clientError' for a connection of this server. */
  clientError(err: Error & { code?: string }, socket: Duplex): void {
    const refusal = REFUSALS[err.code ?? ''] ?? BAD_REQUEST;
    if (refusal === '') {
      socket.destroy();
      return;
    }
    const queue = this.connections.get(socket);
    if (queue !== undefined && queue.current[0].complete && err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') {
      queue.refusal = refusal;
      return;
    }
    // As node: answered only while the request in flight (if any) has sent nothing yet.
    if (socket.writable && (queue === undefined || !queue.current[1].headersSent)) socket.write(refusal);
    socket.destroy();
  }

  private start(queue: ConnectionQueue, first: boolean): void {
    const [req, res] = queue.current;
    res.once('close', () => this.next(queue));
    this.serve(req, res, first);
  }

  private next(queue: ConnectionQueue): void {
    const socket = queue.current[0].socket;
    if (!socket.destroyed && !socket.writable) {
      // The answer ended the connection (its `Connection: close`, HTTP/1.0, a refused head: node ends the socket as the
      // answer finishes). Go reads no request after it: those node parsed behind it are dropped, never sent upstream
      // for an answer nobody could receive.
      this.connections.delete(socket);
      return;
    }
    const following = queue.waiting.shift();
    if (typeof following === 'function') {
      // An upgrade: node reads nothing more from this connection, so nothing can queue behind it.
      this.connections.delete(socket);
      if (!socket.destroyed) following();
      return;
    }
    // A connection that closed meanwhile leaves nothing to answer: its waiting requests are dropped with it.
    if (following === undefined || socket.destroyed || following[1].clientGone) {
      this.connections.delete(socket);
      if (queue.refusal !== null && !socket.destroyed) {
        socket.end(queue.refusal);
      }
      return;
    }
    queue.waitingHeadBytes -= headBytes(following[0]);
    queue.current = following;
    this.start(queue, false);
  }
}
