import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyResponse } from '../http/proxy-exchange.js';
import { timerMs } from '../timer-bounds.js';

// A service's responseForwarding.flushInterval, as Go's httputil.ReverseProxy (Traefik's forwarder) applies it:
// flushInterval(res) is -1 (each write goes out at once) for `text/event-stream` and for a body of unknown length,
// else the configured interval; copyResponse then wraps the client in a maxLatencyWriter that flushes what the
// server's 4 KiB buffer holds at most `interval` after its first unflushed byte. 0 means no timer: bytes wait for a
// full buffer or the end. A negative interval flushes after every write.

/** Go's net/http server buffers a connection's writes in 4 KiB (bufio): a batch that large goes out at once. */
const BATCH_BYTES = 4096;

/**
 * The client response's body writes, batched as Traefik's would be, or null when every write goes straight out
 * (streaming answers, a negative interval). `headers` are the upstream answer's.
 */
export function batchedBody(res: ProxyResponse, intervalMs: number, headers: IncomingHttpHeaders): BatchedBody | null {
  if (intervalMs < 0) return null;
  const length = contentLength(headers);
  return length === null || isEventStream(headers['content-type']) ? null : new BatchedBody(res, intervalMs, length);
}

/**
 * Holds small body writes until BATCH_BYTES are pending, the interval since the first of them passed, or the body
 * is complete. A write that completes the body or is a batch by itself, with nothing pending, goes straight out
 * (the common whole-answer-in-one-read case costs no copy, no timer and no closure: only this object).
 */
export class BatchedBody {
  /** Copies of the held chunks, allocated on the first one (most answers hold none). */
  private pending: Buffer[] | null = null;
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Body bytes still to come from upstream (the answer's Content-Length less what arrived). */
  private remaining: number;
  /** A flush the client could not take at once: writes report backpressure until it drains. */
  private awaitingDrain = false;

  constructor(private readonly res: ProxyResponse, private readonly intervalMs: number, length: number) {
    this.remaining = length;
  }

  write(chunk: Buffer | string): boolean {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!this.holds(data.length)) return this.res.write(data);
    this.hold(data);
    return !this.awaitingDrain;
  }

  /**
   * As ProxyResponse.writeLent: a chunk that is held is copied and its memory released at once; one that goes out is
   * lent on (copied first for a response that cannot take lent memory).
   */
  writeLent(chunk: Buffer, release: () => void): boolean {
    if (!this.holds(chunk.length)) return this.res.writeLent === undefined ? afterWrite(this.res.write(Buffer.from(chunk)), release) : this.res.writeLent(chunk, release);
    this.hold(chunk);
    release();
    return !this.awaitingDrain;
  }

  end(): void {
    this.flush();
    this.res.end();
  }

  once(event: 'drain', listener: () => void): void {
    this.res.once(event, listener);
  }

  /**
   * Whether a chunk of `bytes` joins the batch: false when it goes out now, after what was pending (the batch is
   * full or the body complete).
   */
  private holds(bytes: number): boolean {
    this.remaining -= bytes;
    if (this.pendingBytes + bytes >= BATCH_BYTES || this.remaining <= 0) {
      if (this.pendingBytes > 0) this.flush();
      return false;
    }
    this.pendingBytes += bytes;
    if (this.timer === null && this.intervalMs > 0) {
      this.timer = setTimeout(() => this.flush(), timerMs(this.intervalMs));
      this.timer.unref();
    }
    return true;
  }

  private hold(chunk: Buffer): void {
    (this.pending ??= []).push(Buffer.from(chunk));
  }

  private flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const pending = this.pending;
    if (pending === null || this.pendingBytes === 0) return;
    const data = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, this.pendingBytes);
    this.pending = null;
    this.pendingBytes = 0;
    if (this.res.write(data) || this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.res.once('drain', () => {
      this.awaitingDrain = false;
    });
  }
}

function afterWrite(flushed: boolean, release: () => void): boolean {
  release();
  return flushed;
}

/** Go's mime.ParseMediaType base type `text/event-stream` (case-insensitive, spaces trimmed, parameters ignored). */
const EVENT_STREAM = /^[ \t]*text\/event-stream[ \t]*(?:;|$)/i;

function isEventStream(contentType: string | undefined): boolean {
  return contentType !== undefined && EVENT_STREAM.test(contentType);
}

const DIGITS = /^\d+$/;

/** The answer's declared body length, or null when it is unknown (Go's ContentLength -1). */
function contentLength(headers: IncomingHttpHeaders): number | null {
  const value = headers['content-length'];
  if (value === undefined || headers['transfer-encoding'] !== undefined || !DIGITS.test(value)) return null;
  return Number(value);
}
