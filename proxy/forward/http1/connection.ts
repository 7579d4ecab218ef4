import net from 'node:net';
import { UpstreamError } from '../upstream-errors.js';

/** What a connection hands its reads and its close to: the exchange that owns it now (exchange.ts). */
export interface ConnectionOwner {
  onData(chunk: Buffer): void;
  onConnectionClosed(error: Error | null, reused: boolean, connected: boolean): void;
}

/**
 * Bytes a connection reads at most at once. Each live connection owns one such buffer (an idle kept-alive one
 * too), and more only while the client side still holds a chunk read into it.
 */
export const READ_BUFFER_BYTES = 64 * 1024;
/** Released read buffers a connection keeps for its next reads (one in use, one being written, one spare). */
const MAX_SPARE_BUFFERS = 2;
/** Read buffers of closed connections kept for the next ones (1 MiB). */
const MAX_FREE_BUFFERS = 16;

/**
 * A piece of memory the connection's socket reads into. The chunks of one read are lent to whoever takes them:
 * `lent` counts those not yet released, `given` says one was kept for good (never read into again).
 */
class ReadBuffer {
  lent = 0;
  given = false;
  constructor(readonly memory: Buffer) {}
}

// The process's read buffers of closed connections, taken by new ones. The first request of every client
// connection opens an upstream connection of its own (`http-reuse safe`, http1-pool.ts), so a client that opens a
// connection per request costs one more upstream connection per request: each used to allocate its 64 KiB, memory V8
// counts as external until a full collection frees it. At about 450 new TLS connections a second, V8 then started a
// full marking every 0.2 s (`--trace-incremental-marking`: "Start (task)" with the old generation at 31 of 71 MB),
// a quarter of pe-edge's CPU (`perf`: ConcurrentMarking). Only bytes read since a buffer was taken are ever handed
// on (a read's chunk is `subarray(0, nread)`), so what a buffer held before is never seen again.
const freeBuffers: Buffer[] = [];

function takeReadBuffer(): ReadBuffer {
  return new ReadBuffer(freeBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
}

/** A closed connection's buffer back to the process, unless a chunk of it is still lent or was given away. */
function recycle(buffer: ReadBuffer): void {
  if (buffer.lent === 0 && !buffer.given && freeBuffers.length < MAX_FREE_BUFFERS) freeBuffers.push(buffer.memory);
}

/**
 * One TCP connection to an upstream server. Its listeners are attached once and route events to
 * the exchange that owns it now, so a kept-alive request costs no listener churn.
 *
 * The socket reads into memory the connection owns (net's `onread`) instead of a new buffer per read: the
 * body of a large answer then costs no allocation per chunk (64 KiB read buffers that wait for the garbage
 * collector grew pe-edge's RSS by tens of MB per streamed body). A chunk is given away by default (the next read
 * goes into another buffer); the exchange's handler may instead borrow it (`lend`) and release it once its bytes
 * are written out, and the buffer is read into again.
 */
export class Connection {
  readonly socket: net.Socket;
  exchange: ConnectionOwner | null = null;
  /** Served at least one response: a close before any answer may be the server's idle timeout. */
  reused = false;
  /** The TCP handshake completed: a failure before it means the request reached no server. */
  connected = false;
  /** When it went idle (ms since epoch) and how long it may stay so. */
  idleSince = 0;
  idleLimitMs = 0;
  private error: Error | null = null;
  /** The socket closed: its buffers go back to the process as they are released. */
  private closed = false;
  /** The buffer the socket reads into now, and released ones for the next reads. */
  private reading = takeReadBuffer();
  private readonly spare: ReadBuffer[] = [];

  constructor(host: string, port: number, dialTimeout: number, private readonly onClose: (c: Connection) => void) {
    this.socket = net.connect({ host, port, noDelay: true, onread: { buffer: this.nextReadBuffer, callback: this.onRead } });
    if (dialTimeout > 0) this.socket.setTimeout(dialTimeout, this.onDialTimeout);
    this.socket.once('connect', this.onConnect);
    this.socket.on('error', this.onError);
    this.socket.once('close', this.onSocketClose);
  }

  private readonly onConnect = (): void => {
    this.connected = true;
    if (this.socket.timeout !== undefined && this.socket.timeout > 0) this.socket.setTimeout(0);
  };

  private readonly onDialTimeout = (): void => {
    this.socket.destroy(new UpstreamError('connect-timeout', 'upstream connect timeout'));
  };

  /** A dial still under way fails as a connect timeout after `ms` more at most; a connected socket is left alone. */
  limitDial(ms: number): void {
    if (this.connected || this.socket.destroyed) return;
    const current = this.socket.timeout ?? 0;
    if (current > 0 && current <= ms) return;
    if (current === 0) this.socket.once('timeout', this.onDialTimeout);
    this.socket.setTimeout(ms);
  }

  /** `nread` bytes arrived in the current read buffer (net's onread callback; net calls nextReadBuffer right after). */
  private readonly onRead = (nread: number, read: Uint8Array): boolean => {
    // Bytes nobody asked for: the connection's framing can no longer be trusted.
    if (this.exchange === null) {
      this.socket.destroy();
      return true;
    }
    // `read` is the Buffer nextReadBuffer returned. (Backpressure pauses the socket explicitly: always true.)
    const memory = read as Buffer;
    const chunk = nread === memory.length ? memory : memory.subarray(0, nread);
    try {
      this.exchange.onData(chunk);
    } catch (err) {
      // A throw in a response callback must cost this request (it fails with the error), never the process.
      this.socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
    return true;
  };

  /** Where the next read goes: the same memory when nobody holds bytes of the last read, else other memory. */
  private readonly nextReadBuffer = (): Buffer => {
    const current = this.reading;
    if (current.lent > 0 || current.given) this.reading = this.spare.pop() ?? takeReadBuffer();
    return this.reading.memory;
  };

  /** The bytes of the current read are kept for good: that memory is never read into again. */
  giveAway(): void {
    this.reading.given = true;
  }

  /**
   * Borrows the current read's memory until the returned function is called (at most once counts); it must be
   * called only once nothing references those bytes any more.
   */
  lend(): () => void {
    const buffer = this.reading;
    buffer.lent++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--buffer.lent > 0 || buffer.given) return;
      if (this.closed) recycle(buffer);
      else if (buffer !== this.reading && this.spare.length < MAX_SPARE_BUFFERS) this.spare.push(buffer);
    };
  }

  private readonly onError = (err: Error): void => {
    this.error = err;
  };

  private readonly onSocketClose = (): void => {
    this.closed = true;
    recycle(this.reading);
    for (const buffer of this.spare.splice(0)) recycle(buffer);
    const exchange = this.exchange;
    this.exchange = null;
    this.onClose(this);
    exchange?.onConnectionClosed(this.error, this.reused, this.connected);
  };

  /** Open, and holding no byte nobody asked for (one read but not yet delivered would be another's answer). */
  get usable(): boolean {
    return !this.socket.destroyed && this.socket.readyState === 'open' && this.socket.readableLength === 0;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Closes an idle connection gracefully: our FIN now, closed for good once the server answers with its own
   * (or after `graceMs`), so a connection that replaces it under maxConns never overlaps it on the server.
   */
  retire(graceMs: number): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), graceMs).unref();
  }
}
