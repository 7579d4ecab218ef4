import type { IncomingHttpHeaders } from 'node:http';
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders as H2Headers, type IncomingHttpStatusHeader } from 'node:http2';
import type { Dispatcher } from 'undici';
import { UpstreamError } from '../upstream-errors.js';
import { ExchangeControl } from '../exchange-control.js';
import type { ForwardRequest } from '../http1/exchange.js';
import { ownHeader, putHeader } from '../../http/header-bag.js';
import { countHttp2HeaderBlock } from '../../http/client-read-garbage.js';
import { forwardRequestReplayable } from '../replay-policy.js';
import { timerMs } from '../../timer-bounds.js';
import { isBodilessStatus } from '../../http/bodiless-status.js';

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_NO_ERROR } = constants;

/**
 * One request and its answer on one HTTP/2 stream, and the controller the forwarder's handler gets
 * (pause/resume/abort, undici's dispatch contract). Aborting cuts this stream alone (RST_STREAM CANCEL):
 * the session and its other streams go on.
 */
export class H2Exchange extends ExchangeControl {
  private stream: ClientHttp2Stream | null = null;
  private answered = false;
  private trailers: IncomingHttpHeaders = {};
  /** The answer's content-length (-1: none, or no body: HEAD, 204, 304), and the body bytes read. */
  private declaredLength = -1;
  private bodyRead = 0;

  /** Times this request went to another stream because the server refused one (see resendUnserved). */
  private refusals = 0;
  /** Whether it went again once already after node ended its session on a protocol error (see resendUnserved). */
  private resentAfterSessionError = false;

  constructor(
    readonly request: ForwardRequest,
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly responseHeaderTimeout: number,
    /** Sends the exchange again, on a stream of a session that takes new ones (the pool's). */
    private readonly requeue: (exchange: H2Exchange) => void,
  ) {
    super();
  }

  protected pauseReading(): void {
    this.stream?.pause();
  }

  protected resumeReading(): void {
    this.stream?.resume();
  }

  /** Runs the exchange on `stream`, just opened with the request's headers. */
  start(stream: ClientHttp2Stream): void {
    this.stream = stream;
    stream.on('response', this.onResponse);
    // Interim (1xx) heads: node decodes as many as a server sends, listened to or not, and keeps their fields.
    stream.on('headers', countHttp2HeaderBlock);
    stream.on('data', this.onData);
    stream.once('trailers', this.onTrailers);
    stream.once('end', this.onEnd);
    stream.once('close', this.onClose);
    stream.on('error', this.onStreamError);
    if (this.isPaused) stream.pause();
    const body = this.request.body;
    if (body === null) {
      this.requestWritten();
    } else if (Buffer.isBuffer(body)) {
      stream.end(body);
      this.requestWritten();
    } else {
      this.relayBody(body);
    }
  }

  /** Gives the request, not started yet, to another pool (the server speaks HTTP/1.1): this exchange is over, silently. */
  handoff(): Dispatcher.DispatchHandler {
    this.finished = true;
    return this.handler;
  }

  /** The request could not be sent (no session, headers node refuses): the exchange fails before it started. */
  failToStart(error: Error): void {
    this.fail(error);
  }

  /** responseHeaderTimeout counts from the end of the request (Go's rule); gRPC streams that answer first are not timed. */
  private requestWritten(): void {
    if (this.responseHeaderTimeout > 0 && !this.answered && !this.finished) {
      this.headerTimer = setTimeout(this.onHeaderTimeout, timerMs(this.responseHeaderTimeout));
    }
  }

  private readonly onHeaderTimeout = (): void => {
    this.headerTimer = null;
    this.fail(new UpstreamError('timeout', `no upstream response head within ${this.responseHeaderTimeout} ms`));
  };

  /** BodySink: a chunk of the client's body onto the stream (the body is relayed once `start` gave it one). */
  write(chunk: Buffer): boolean {
    const stream = this.stream;
    if (stream === null) throw new Error('H2Exchange: request body relayed before the stream opened');
    return stream.write(chunk);
  }

  onDrain(resume: () => void): void {
    this.stream?.once('drain', resume);
  }

  ended(): void {
    this.bodyRelay = null;
    this.stream?.end();
    this.requestWritten();
  }

  private readonly onResponse = (headers: H2Headers & IncomingHttpStatusHeader, flags: number, rawHeaders?: string[]): void => {
    countHttp2HeaderBlock(headers, flags, rawHeaders);
    if (this.finished) return;
    this.answered = true;
    this.clearHeaderTimer();
    const status = Number(headers[':status']);
    const length = Number(headers['content-length']);
    this.declaredLength = this.request.method !== 'HEAD' && !isBodilessStatus(status) && Number.isSafeInteger(length) ? length : -1;
    this.handler.onResponseStart?.(this, status, withoutPseudo(headers), '');
    if (this.request.method === 'HEAD' && !this.finished) this.headAnswered();
  };

  /**
   * The answer to HEAD is whole with its head, as Go's transport takes it (`res.Body = noBody`): body bytes a
   * server sends anyway are no part of it. A stream still open is cancelled: nothing more is wanted from it, and
   * DATA that comes after is dropped; DATA read with the head is a protocol error to node, which resets the stream
   * (node 20) or ends the session (node 22 and later; see resendUnserved).
   */
  private headAnswered(): void {
    const stream = this.stream;
    const open = stream !== null && !stream.endAfterHeaders;
    this.onEnd();
    if (open && !stream.closed && !stream.destroyed) stream.close(NGHTTP2_CANCEL);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.finished || !this.answered) return;
    this.bodyRead += chunk.length;
    this.handler.onResponseData?.(this, chunk);
  };

  private readonly onTrailers = (trailers: H2Headers, flags: number, rawHeaders?: string[]): void => {
    countHttp2HeaderBlock(trailers, flags, rawHeaders);
    this.trailers = withoutPseudo(trailers);
  };

  private readonly onEnd = (): void => {
    if (this.finished) return;
    if (!this.answered) {
      this.fail(new UpstreamError('reset-before-answer', 'upstream ended the HTTP/2 stream without an answer'));
      return;
    }
    const uploading = this.bodyRelay !== null;
    const stream = this.stream;
    // node ends a stream's answer on a RST_STREAM CANCEL as on its END_STREAM. With the request sent, none can follow
    // the answer's end (the stream is closed then): a reset code here cut the answer, which Go's transport fails.
    if (!uploading && stream !== null && (stream.rstCode ?? NGHTTP2_NO_ERROR) !== NGHTTP2_NO_ERROR) {
      this.fail(this.streamError(null));
      return;
    }
    // A RST_STREAM NO_ERROR ends it so too, whatever was read (node checks the content-length at END_STREAM only): an
    // answer short of its length is cut, where the client would wait for the rest on a connection kept open.
    if (this.bodyRead < this.declaredLength) {
      this.fail(new UpstreamError('reset-during-answer', `upstream HTTP/2 answer ended after ${this.bodyRead} of its ${this.declaredLength} bytes`));
      return;
    }
    this.finished = true;
    this.detachBody();
    // The answer is whole while the request body still goes up: the rest is not wanted (Go's transport resets with NO_ERROR).
    if (uploading && stream !== null && !stream.closed) stream.close(NGHTTP2_NO_ERROR);
    this.handler.onResponseEnd?.(this, this.trailers);
  };

  private readonly onStreamError = (err: Error): void => {
    if (this.resendUnserved(err)) return;
    this.fail(this.streamError(err));
  };

  private readonly onClose = (): void => {
    if (this.finished || this.resendUnserved(null)) return;
    this.fail(this.streamError(null));
  };

  /**
   * A stream that ended before any answer goes again on another session, when its body can be sent again (none, or
   * one in memory), and when:
   * - the server refused it before acting on it (REFUSED_STREAM, or above the last stream of its GOAWAY: a session
   *   that answered and went away in one packet, while the next request was already on it): any method, as Go's
   *   transport retries it on a new connection, up to MAX_REFUSALS times (a server refusing every stream gets 502);
   * - or node ended the whole session on a protocol error in the server's frames (`ERR_HTTP2_ERROR`): DATA on an
   *   answer to HEAD, a 204 or past its content-length, on another stream; Go and node 20 reset that one stream,
   *   node 22 and later end the connection, and every request on it. The server may have seen this one, so only a
   *   replayable request goes again (replay-policy.ts), and once, as after a reused HTTP/1.1 connection died: the
   *   error does not say which stream caused it, and a request whose own answer breaks the session (DATA before its
   *   HEADERS, a head node cannot decode) would end every session it went to, and the requests sharing them.
   */
  private resendUnserved(err: Error | null): boolean {
    const stream = this.stream;
    if (stream === null || this.finished || this.answered) return false;
    const refused = stream.rstCode === NGHTTP2_REFUSED_STREAM;
    const body = this.request.body;
    const resendable = refused
      ? this.refusals < MAX_REFUSALS && (body === null || Buffer.isBuffer(body))
      : isSessionProtocolError(err) && !this.resentAfterSessionError && forwardRequestReplayable(this.request);
    if (!resendable) return false;
    if (refused) this.refusals++;
    else this.resentAfterSessionError = true;
    this.clearHeaderTimer();
    stream.off('response', this.onResponse);
    stream.off('headers', countHttp2HeaderBlock);
    stream.off('data', this.onData);
    stream.off('trailers', this.onTrailers);
    stream.off('end', this.onEnd);
    stream.off('close', this.onClose);
    stream.off('error', this.onStreamError);
    stream.on('error', ignoreStreamError);
    this.stream = null;
    this.trailers = {};
    this.requeue(this);
    return true;
  }

  private streamError(err: Error | null): Error {
    const stream = this.stream;
    const code = stream?.rstCode;
    // REFUSED_STREAM (and a GOAWAY's unprocessed streams): the server did not act on it, any method may go elsewhere;
    // never once it answered (a buffering middleware holding that answer would get a second one).
    if (code === NGHTTP2_REFUSED_STREAM && !this.answered) return new UpstreamError('refused', 'upstream refused the HTTP/2 stream', err);
    const what = err === null ? `upstream closed the HTTP/2 stream${code !== undefined && code !== 0 ? ` (code ${code})` : ''}` : `upstream HTTP/2 stream failed: ${err.message}`;
    return new UpstreamError(this.answered ? 'reset-during-answer' : 'reset-before-answer', what, err);
  }

  protected fail(error: Error): void {
    if (!this.settle()) return;
    const stream = this.stream;
    if (stream !== null && !stream.closed && !stream.destroyed) stream.close(NGHTTP2_CANCEL);
    this.handler.onResponseError?.(this, error);
  }
}

/** How many refused streams one request is sent again after (Go's transport tries up to 6 times in all). */
const MAX_REFUSALS = 5;

/** node's error for a session nghttp2 ended on a protocol error (its NghttpError), which each of its streams gets. */
function isSessionProtocolError(err: Error | null): boolean {
  return err !== null && (err as { code?: unknown }).code === 'ERR_HTTP2_ERROR';
}

/** The refused stream's later events: its exchange went on elsewhere. */
function ignoreStreamError(): void {}

/** An HTTP/2 header block without its pseudo-headers, as the forwarder's handler reads an answer's head. */
function withoutPseudo(headers: H2Headers): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const value = ownHeader(headers, name);
    if (value !== undefined) putHeader(out, name, value);
  }
  return out;
}
