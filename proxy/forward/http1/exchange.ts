import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { LAST_CHUNK, writeChunk } from '../../http/chunked-writer.js';
import { UpstreamError } from '../upstream-errors.js';
import { ExchangeControl } from '../exchange-control.js';
import { ChunkedDecoder } from './chunked-decoder.js';
import { READ_BUFFER_BYTES, type Connection } from './connection.js';
import { forwardRequestReplayable } from '../replay-policy.js';
import { bodyFraming, bodyStart, headEnd, HeadEndScanner, keepAliveHintMs, keepsAlive, MAX_RESPONSE_HEAD_BYTES, type BodyFraming } from './response-head.js';
import type { RecentResponseHead } from './recent-response-head.js';
import { timerMs } from '../../timer-bounds.js';

/** What the forwarder asks an upstream pool to send (a subset of undici's DispatchOptions). */
export interface ForwardRequest {
  readonly path: string;
  readonly method: Dispatcher.HttpMethod;
  /** Flat [name, value, ...] list, Host included. */
  readonly headers: string[];
  /** A whole body, a stream to relay, or none. */
  readonly body: Buffer | Readable | null;
  readonly upgrade?: string | null;
  /**
   * Send it on a connection of its own, not an idle one (HAProxy's `http-reuse safe` for the first request of a
   * client connection). pe-edge's HTTP/1.1 pool honours it; undici's (TLS upstreams, upgrades) ignores it.
   */
  readonly fresh?: boolean;
}

/**
 * pe-edge's addition to undici's handler contract, for its own pool: a chunk still in the connection's read
 * buffer, lent. A handler that takes it calls `release` once nothing references its bytes (written out) and
 * returns true; false: it did nothing, and the chunk comes again through onResponseData, as the handler's own.
 */
export interface LendingHandler extends Dispatcher.DispatchHandler {
  onResponseDataLent?(controller: Dispatcher.DispatchController, chunk: Buffer, release: () => void): boolean;
}

/** The pool side of an exchange: where its connection comes from and goes back to. */
export interface ExchangeHost {
  /** Gives the exchange a connection (a kept-alive one unless `fresh`). */
  assign(exchange: Exchange, fresh: boolean): void;
  /** The exchange is over: keep the connection for the next request or close it. */
  release(connection: Connection, reusable: boolean, keepAliveHintMs: number | null): void;
  readonly responseHeaderTimeout: number;
  /** ms a response head that has started may take to finish (HEAD_COMPLETION_MS by default). */
  readonly headCompletionTimeout: number;
  /** The upstream's last head, parsed: its next answers mostly repeat it. */
  readonly recentHead: RecentResponseHead;
}

/**
 * By default a response head that has started must be whole within this, whatever responseHeaderTimeout says (its
 * default, 0, waits forever for a head to start: long polls rely on it). A backend that sends half a head
 * and stops would otherwise hold the client's request and two connections forever. node:http gives
 * client heads the same 60 s (headersTimeout).
 */
export const HEAD_COMPLETION_MS = 60_000;

/** Go's transport (Go 1.23, Traefik v3.2's) fails an exchange at the sixth interim (1xx but 101) answer. */
const MAX_INTERIM_ANSWERS = 5;

/**
 * One request and its response over one upstream connection. It is also the controller the
 * forwarder's handler gets (pause/resume/abort), as undici's dispatch API defines it.
 */
export class Exchange extends ExchangeControl {
  private connection: Connection | null = null;
  /** Pieces of a response head not complete yet, kept apart (see HeadEndScanner), and their size. */
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private readonly headScanner = new HeadEndScanner();
  private framing: BodyFraming | null = null;
  private remaining = 0;
  private decoder: ChunkedDecoder | null = null;
  private keepAlive = false;
  private hintMs: number | null = null;
  private requestSent = false;
  /** headerTimer is the deadline of a head that started (headCompletionTimeout), not responseHeaderTimeout's. */
  private timingStartedHead = false;
  private bytesReceived = false;
  private retried = false;
  /** Interim (1xx) answers read so far. */
  private interimAnswers = 0;

  constructor(
    private readonly host: ExchangeHost,
    private readonly request: ForwardRequest,
    private readonly head: string,
    private readonly chunkedBody: boolean,
    private readonly handler: LendingHandler,
  ) {
    super();
  }

  protected pauseReading(): void {
    this.connection?.socket.pause();
  }

  protected resumeReading(): void {
    this.connection?.socket.resume();
  }

  /** Starts the exchange on `connection`: writes the request head (and a whole body) at once. */
  start(connection: Connection): void {
    this.connection = connection;
    const socket = connection.socket;
    const body = this.request.body;
    if (body === null) {
      socket.write(this.head, 'latin1');
      this.requestWritten();
    } else if (Buffer.isBuffer(body)) {
      socket.cork();
      socket.write(this.head, 'latin1');
      socket.write(body);
      socket.uncork();
      this.requestWritten();
    } else {
      socket.write(this.head, 'latin1');
      this.relayBody(body);
    }
  }

  /** responseHeaderTimeout counts from the end of the request, as in Go: a slow upload is not a slow server. */
  private requestWritten(): void {
    this.requestSent = true;
    this.armResponseHeaderTimer();
  }

  private armResponseHeaderTimer(): void {
    if (this.requestSent && this.host.responseHeaderTimeout > 0 && this.headerTimer === null && this.framing === null && !this.finished) {
      this.headerTimer = setTimeout(() => this.onHeaderTimeout(), timerMs(this.host.responseHeaderTimeout));
    }
  }

  /** BodySink: a chunk of the client's body onto the connection. */
  write(chunk: Buffer): boolean {
    const socket = (this.connection as Connection).socket;
    return this.chunkedBody ? writeChunk(socket, chunk) : socket.write(chunk);
  }

  onDrain(resume: () => void): void {
    this.connection?.socket.once('drain', resume);
  }

  ended(): void {
    if (this.chunkedBody && this.connection !== null) this.connection.socket.write(LAST_CHUNK);
    this.bodyRelay = null;
    this.requestWritten();
  }

  /** Bytes from the upstream while this exchange owns the connection. */
  onData(chunk: Buffer): void {
    this.bytesReceived = true;
    if (this.framing === null) {
      const rest = this.readHead(chunk);
      if (rest === null || this.finished) return;
      chunk = rest;
    }
    this.readBody(chunk);
  }

  /** Accumulates the head; returns the bytes after it once it is complete and handed over, else null. */
  private readHead(chunk: Buffer): Buffer | null {
    if (!this.headScanner.feed(chunk)) {
      this.holdHeadPiece(chunk);
      return null;
    }
    let buffer = this.pieces.length === 0 ? chunk : Buffer.concat([...this.pieces, chunk]);
    this.pieces = [];
    this.pieceBytes = 0;
    this.headScanner.reset();
    for (;;) {
      const end = headEnd(buffer);
      // Counted whether the head arrived whole or in pieces.
      if ((end < 0 ? buffer.length : end) > MAX_RESPONSE_HEAD_BYTES) {
        this.fail(new UpstreamError('bad-response', `upstream response head over ${MAX_RESPONSE_HEAD_BYTES} bytes`));
        return null;
      }
      if (end < 0) {
        // Nothing after an interim (1xx) answer: no head has started, so no head-completion deadline yet (Go waits
        // for the final answer as for the first; a 103 Early Hints may come long before it).
        if (buffer.length === 0) return null;
        // The rest after an interim answer: the start of the next head.
        this.headScanner.feed(buffer);
        this.holdHeadPiece(buffer);
        return null;
      }
      let head;
      try {
        head = this.host.recentHead.parse(buffer.toString('latin1', 0, end));
        buffer = buffer.subarray(bodyStart(buffer, end));
        if (head.status < 200) {
          // 1xx interim answers (100 Continue, 103 Early Hints) are read past; 101 was never asked for here.
          if (head.status === 101) throw new UpstreamError('unasked-upgrade', 'upstream switched protocols unasked');
          if (++this.interimAnswers > MAX_INTERIM_ANSWERS) throw new UpstreamError('bad-response', 'upstream sent too many 1xx informational responses');
          // The interim head that started is whole: the final one has not started, whatever comes after a 103.
          if (this.timingStartedHead) {
            this.clearHeaderTimer();
            this.timingStartedHead = false;
            this.armResponseHeaderTimer();
          }
          continue;
        }
        this.framing = bodyFraming(this.request.method, head);
      } catch (err) {
        this.fail(err as Error);
        return null;
      }
      this.keepAlive = keepsAlive(head, this.framing);
      this.hintMs = keepAliveHintMs(head);
      this.clearHeaderTimer();
      if (this.framing.kind === 'length') this.remaining = this.framing.length;
      else if (this.framing.kind === 'chunked') this.decoder = new ChunkedDecoder();
      this.handler.onResponseStart?.(this, head.status, head.headers, head.statusMessage);
      if (this.framing.kind === 'none' || this.remaining === 0 && this.framing.kind === 'length') {
        this.complete(buffer.length === 0);
        return null;
      }
      return buffer;
    }
  }

  /** Keeps a piece of an unfinished head; a head started must be whole within HEAD_COMPLETION_MS. */
  private holdHeadPiece(piece: Buffer): void {
    this.connection?.giveAway();
    this.pieces.push(piece);
    this.pieceBytes += piece.length;
    if (this.pieceBytes > MAX_RESPONSE_HEAD_BYTES) {
      this.fail(new UpstreamError('bad-response', `upstream response head over ${MAX_RESPONSE_HEAD_BYTES} bytes`));
      return;
    }
    if (this.headerTimer === null && !this.finished) {
      this.headerTimer = setTimeout(() => this.onHeadStalled(), timerMs(this.host.headCompletionTimeout));
      this.timingStartedHead = true;
    }
  }

  private onHeadStalled(): void {
    this.headerTimer = null;
    this.fail(new UpstreamError('timeout', `upstream response head started but not finished within ${this.host.headCompletionTimeout} ms`));
  }

  private readBody(chunk: Buffer): void {
    const framing = this.framing as BodyFraming;
    if (this.aborted || chunk.length === 0) return;
    if (framing.kind === 'length') {
      const take = Math.min(this.remaining, chunk.length);
      this.remaining -= take;
      this.deliver(take === chunk.length ? chunk : chunk.subarray(0, take));
      if (this.remaining === 0 && !this.finished) this.complete(take === chunk.length);
    } else if (framing.kind === 'chunked') {
      const decoder = this.decoder as ChunkedDecoder;
      let used: number;
      try {
        used = decoder.push(chunk, (slice) => {
          if (!this.finished) this.deliver(slice);
        });
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      if (decoder.done && !this.finished) this.complete(used === chunk.length);
    } else {
      this.deliver(chunk);
    }
  }

  /**
   * Hands body bytes, still in the connection's read buffer, to the handler: lent when it takes them so; else
   * as its own, a copy of a small piece (it must not pin a whole read buffer), the buffer itself for a large one.
   */
  private deliver(chunk: Buffer): void {
    const connection = this.connection as Connection;
    const lent = this.handler.onResponseDataLent;
    if (lent !== undefined) {
      const release = connection.lend();
      if (lent.call(this.handler, this, chunk, release)) return;
      release();
    }
    if (chunk.length < READ_BUFFER_BYTES / 2) {
      chunk = Buffer.from(chunk);
    } else {
      connection.giveAway();
    }
    this.handler.onResponseData?.(this, chunk);
  }

  /** The response is whole. `clean`: no stray bytes followed it, so the connection may serve again. */
  private complete(clean: boolean): void {
    this.finished = true;
    this.detachBody();
    const connection = this.connection as Connection;
    this.connection = null;
    this.host.release(connection, clean && this.keepAlive && this.requestSent, this.hintMs);
    this.handler.onResponseEnd?.(this, this.decoder?.trailers() ?? {});
  }

  /**
   * The connection closed (or failed) while this exchange owned it; `reused`: it had served before;
   * `connected`: its handshake completed (else the request reached no server).
   */
  onConnectionClosed(error: Error | null, reused: boolean, connected: boolean): void {
    if (this.finished) return;
    this.connection = null;
    if (this.framing !== null && this.framing.kind === 'close' && error === null) {
      this.finished = true;
      this.detachBody();
      this.handler.onResponseEnd?.(this, {});
      return;
    }
    // A kept-alive connection the server closed just as we reused it, before any answer: Go's transport
    // sends the request again on a new connection when that cannot repeat an effect (replay-policy.ts).
    if (reused && !this.retried && !this.bytesReceived && forwardRequestReplayable(this.request)) {
      this.retried = true;
      this.requestSent = false;
      this.host.assign(this, true);
      return;
    }
    this.fail(this.closedError(error, connected));
  }

  private closedError(error: Error | null, connected: boolean): Error {
    // A throw from a response callback (no syscall) is pe-edge's own failure, passed on as it is.
    if (error instanceof UpstreamError || (error !== null && (error as { syscall?: unknown }).syscall === undefined)) return error;
    const what = error === null ? 'upstream closed the connection' : `upstream connection failed: ${error.message}`;
    if (!connected) return new UpstreamError('refused', `cannot connect to upstream: ${error?.message ?? 'closed'}`, error);
    return new UpstreamError(this.framing === null ? 'reset-before-answer' : 'reset-during-answer', what, error);
  }

  private onHeaderTimeout(): void {
    this.headerTimer = null;
    this.fail(new UpstreamError('timeout', `no upstream response head within ${this.host.responseHeaderTimeout} ms`));
  }

  /** Ends the exchange with an error: the connection cannot be trusted any more. */
  protected fail(error: Error): void {
    if (!this.settle()) return;
    const connection = this.connection;
    this.connection = null;
    if (connection !== null) this.host.release(connection, false, null);
    this.handler.onResponseError?.(this, error);
  }
}
