import { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { presentHeaders, sentValue, type ProxyRequest, type ProxyResponse, type ResponseHeaders } from '../http/proxy-exchange.js';
import { asksForTrailers } from '../http/trailers.js';
import { goReasonPhrase } from '../http/go-status-text.js';
import { clientChunkRead } from '../http/client-read-garbage.js';

// node:http's request and response classes, adapted to the request path's contract. The server constructs
// these instead of its own classes (its `IncomingMessage`/`ServerResponse` options), so the adaptation costs no
// extra object per request. (HTTP/2 streams are served over node's core API: http2-front/.)

/** A write after the end, or on a connection that went away: node reports it as an 'error' event, which
 *  must not end the process. The exchange is over either way; nothing is left to do. */
function dropWriteError(): void {}

function headFailure(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}


export class Http1ProxyRequest extends IncomingMessage implements ProxyRequest {
  /** Set when node:http gave the connection up ('upgrade') and pe-edge serves the request as a plain one. */
  private detachedBody: Readable | null = null;

  get bodyStream(): Readable {
    return this.detachedBody ?? this;
  }

  /** node:http's parser pushes each piece of the body it read (and null at its end). */
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    clientChunkRead(chunk);
    return super.push(chunk, encoding);
  }

  /** The body of a request node:http handed over as an upgrade, read from the connection by `body`. */
  readBodyFrom(body: Readable): void {
    this.detachedBody = body;
  }
}

export class Http1ProxyResponse extends ServerResponse<Http1ProxyRequest> implements ProxyResponse {
  private sent: ResponseHeaders | null = null;

  /**
   * Also once the connection closed: node reports its request's body aborted before the response hears of the
   * close, and an answer written then (a 502 for the cut body) would be logged for a client that left (499).
   */
  get clientGone(): boolean {
    return this.destroyed || this.socket?.destroyed === true;
  }

  get completed(): boolean {
    return this.writableFinished;
  }

  constructor(req: Http1ProxyRequest) {
    super(req);
    this.on('error', dropWriteError);
  }

  sendHead(status: number, headers: ResponseHeaders): Error | null {
    if (this.clientGone) return new Error('client connection closed');
    try {
      this.writeHead(status, goReasonPhrase(status), presentHeaders(headers));
      this.sent = headers;
      return null;
    } catch (err) {
      this.destroy();
      return headFailure(err);
    }
  }

  sentHeader(name: string): string | undefined {
    return sentValue(this.sent, name);
  }

  sentHeaders(): Readonly<ResponseHeaders> | null {
    return this.sent;
  }

  private trailers: ResponseHeaders | null = null;

  /** node writes trailers in the last chunk of a chunked answer (and drops them otherwise). */
  relayTrailers(trailers: ResponseHeaders): void {
    this.trailers = trailers;
    if (!this.chunkedEncoding || !asksForTrailers(this.req.headers.te)) return;
    try {
      this.addTrailers(trailers);
    } catch {
      // A field node refuses (a control byte): the answer ends without trailers rather than not at all.
    }
  }

  sentTrailers(): Readonly<ResponseHeaders> | null {
    return this.trailers;
  }

  /** node calls a write's callback once its bytes were handed to the socket and written (or the write failed). */
  writeLent(chunk: Buffer, release: () => void): boolean {
    return this.write(chunk, release);
  }

  /**
   * Answers a head the server refuses before routing with `bytes` (traefik-responses.ts goHeadRefusal), written
   * on the connection as Go's server writes them, and closes the connection.
   */
  refuseHead(bytes: string): void {
    const socket = this.socket;
    this.shouldKeepAlive = false;
    if (socket === null || socket.destroyed || this.headersSent) {
      this.destroy();
      return;
    }
    socket.write(bytes, 'latin1');
    socket.destroySoon();
  }
}
