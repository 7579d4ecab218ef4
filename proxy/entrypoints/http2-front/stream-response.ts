import type { ServerHttp2Stream } from 'node:http2';
import { isToken } from '../../http/head-syntax.js';
import { isCommonHeaderName } from '../../http/header-names.js';
import { http2Fields } from '../../http/http2-fields.js';
import { respondWith } from './response-head.js';
import { sentValue, type ProxyResponse, type ResponseEvent, type ResponseHeaders } from '../../http/proxy-exchange.js';

/**
 * The answer on an HTTP/2 stream, written with node's core stream API (`respond`, `write`, `end`): no
 * compatibility response object per request. Events are the stream's: 'drain'; 'finish' and 'close' when the
 * stream closed (as node's compatibility layer reported both).
 * Trailers: the head waits for them (`waitForTrailers`) when it has no Content-Length or the client said it
 * takes them (`TE: trailers`, as every gRPC client does). Otherwise a body
 * of known length ends with its last DATA frame, without the extra empty frame a trailer wait costs when none
 * come; trailers given to such an answer are dropped.
 */
export class Http2StreamResponse implements ProxyResponse {
  statusCode = 200;
  writableEnded = false;
  private sent: ResponseHeaders | null = null;
  private trailers: ResponseHeaders | null = null;
  private bodiless = false;

  /** `trailersAsked`: the request's TE lists `trailers`. */
  constructor(private readonly stream: ServerHttp2Stream, private readonly isHead: boolean, private readonly trailersAsked = false) {
    // The stream's 'error' events (a write on a reset stream, the client's RST_STREAM) are dropped by the front
    // from the moment the stream arrived (http2-streams.ts): the exchange is over, nothing is left to do.
    // The request path's hooks (access log, deadlines, limits, the forwarder) each wait for 'close' on the stream.
    stream.setMaxListeners(64);
  }

  get headersSent(): boolean {
    return this.stream.headersSent;
  }

  /** A stream the client reset is closed before it is destroyed, and a head written on it throws. */
  get clientGone(): boolean {
    return this.stream.destroyed || this.stream.closed;
  }

  /** writableFinished is true on a reset stream too: only a stream not reset (or closed with NO_ERROR) completed. */
  get completed(): boolean {
    const rst = this.stream.rstCode;
    return this.stream.writableFinished && (rst === undefined || rst === 0);
  }

  sendHead(status: number, headers: ResponseHeaders): Error | null {
    // HTTP/2 has no reason phrase.
    if (this.clientGone) return new Error('client stream closed');
    return this.respond(status, headers, false);
  }

  /** Sends the head; a head node refuses resets the stream (not closed with NO_ERROR: the client must not read it as complete). */
  private respond(status: number, headers: ResponseHeaders, endStream: boolean): Error | null {
    this.statusCode = status;
    try {
      if (this.stream.headersSent) throw new Error('the head was sent already');
      const fields = http2Fields(headers);
      for (const name in fields) if (!isCommonHeaderName(name) && !isToken(name)) throw new Error(`invalid header name ${JSON.stringify(name)}`);
      this.bodiless = this.isHead || status === 204 || status === 205 || status === 304;
      // An upstream HTTP/2 answer may carry trailers after a body of known length (gRPC servers do): a client
      // that asked for trailers keeps them, as it did through node's compatibility layer.
      const waitForTrailers = !endStream && !this.bodiless && (fields['content-length'] === undefined || this.trailersAsked);
      if (waitForTrailers) this.stream.once('wantTrailers', this.sendTrailers);
      respondWith(this.stream, status, fields, { endStream, waitForTrailers });
      this.sent = headers;
      return null;
    } catch (err) {
      this.destroy();
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  sentHeader(name: string): string | undefined {
    return sentValue(this.sent, name);
  }

  sentHeaders(): Readonly<ResponseHeaders> | null {
    return this.sent;
  }

  relayTrailers(trailers: ResponseHeaders): void {
    this.trailers = trailers;
  }

  sentTrailers(): Readonly<ResponseHeaders> | null {
    return this.trailers;
  }

  /** node asks for the trailer block as the body's last DATA frame goes out; a field it refuses would throw past every handler. */
  private readonly sendTrailers = (): void => {
    try {
      this.stream.sendTrailers(this.trailers === null ? {} : http2Fields(this.trailers));
    } catch {
      // A reset stream, or a field node refuses: the answer ends without trailers rather than not at all.
      try {
        if (!this.clientGone) this.stream.sendTrailers({});
      } catch {
        this.destroy();
      }
    }
  };

  write(chunk: Buffer | string): boolean {
    if (this.writableEnded || this.clientGone) return false;
    if (!this.stream.headersSent && this.respond(this.statusCode, {}, false) !== null) return false;
    if (this.bodiless) return true;
    return this.stream.write(chunk);
  }

  end(chunk?: Buffer | string): this {
    if (this.writableEnded) return this;
    this.writableEnded = true;
    if (this.clientGone) return this;
    if (!this.stream.headersSent) {
      if (chunk === undefined || chunk.length === 0) {
        this.respond(this.statusCode, {}, true);
        return this;
      }
      if (this.respond(this.statusCode, {}, false) !== null) return this;
    }
    if (this.bodiless) return this;
    if (chunk === undefined) this.stream.end();
    else this.stream.end(chunk);
    return this;
  }

  /**
   * Cuts the stream with INTERNAL_ERROR, as Go does: a stream destroyed without a code is reset with NO_ERROR,
   * which tells the client an answer cut mid-body (upstream gone, writeTimeout) is complete. Not `close(code)`:
   * node's close ends the writable side first (`stream.end()`), and when every byte written so far has gone out
   * (a Content-Length answer flushed before its upstream died) that sends END_STREAM ahead of the RST_STREAM,
   * so the client reads the shorter body as whole. A destroy with an error resets with INTERNAL_ERROR and no end.
   */
  destroy(): void {
    const stream = this.stream;
    if (stream.destroyed) return;
    if (stream.closed) stream.destroy();
    else stream.destroy(new Error('answer cut'));
  }

  on(event: ResponseEvent, listener: () => void): this {
    this.stream.on(streamEvent(event), listener);
    return this;
  }

  once(event: ResponseEvent, listener: () => void): this {
    this.stream.once(streamEvent(event), listener);
    return this;
  }

  off(event: ResponseEvent, listener: () => void): this {
    this.stream.off(streamEvent(event), listener);
    return this;
  }
}

/** The stream's event behind a response event: the answer is finished, for the request path, once its stream closed. */
function streamEvent(event: ResponseEvent): 'close' | 'drain' {
  return event === 'drain' ? 'drain' : 'close';
}
