import { Readable } from 'node:stream';
import { ChunkedDecoder } from '../forward/http1/chunked-decoder.js';
import { clientBytesRead } from '../http/client-read-garbage.js';

/** The connection a body is read from: paused while the body's reader is behind, resumed when it reads again. */
export interface BodySource {
  pause(): unknown;
  resume(): unknown;
}

/** What the body's reader sees when the client left before the end of the body (node's IncomingMessage error). */
function abortedError(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

/**
 * A request body read off a client connection by the code that owns the connection's reads, framed by its
 * Content-Length or decoded from chunked. The owner hands it the bytes it receives (`receive`); the body keeps
 * its own and says how many were, so bytes after it (a pipelined request) stay the owner's. Chunks are pushed
 * as slices of what the connection read, never copied. The connection is paused while the reader is behind.
 */
export class FramedRequestBody extends Readable {
  /** Bytes still expected with Content-Length framing; -1 with chunked. */
  private remaining: number;
  private readonly decoder: ChunkedDecoder | null;
  /** Every byte of the body arrived (its reader may not have read them all yet). */
  received = false;

  constructor(private readonly source: BodySource, contentLength: number | null) {
    // A socket read is up to 64 KiB: a smaller mark would pause the connection after every read.
    super({ highWaterMark: 64 * 1024 });
    this.remaining = contentLength ?? -1;
    this.decoder = contentLength === null ? new ChunkedDecoder() : null;
    if (this.remaining === 0) this.finish();
  }

  /** Bytes of the body nobody read yet: still on their way (Content-Length framing) or waiting in this stream. */
  get unread(): number {
    return Math.max(this.remaining, 0) + (this.destroyed ? 0 : this.readableLength);
  }

  override _read(): void {
    if (!this.received) this.source.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // As node's IncomingMessage: an error nobody listens for (the forwarder not attached yet, or done with
    // the body) ends the body quietly instead of being thrown as an unhandled 'error' event.
    callback(this.listenerCount('error') > 0 ? err : null);
  }

  /**
   * Takes the body's bytes from the start of `chunk` and returns how many were the body's (fewer than
   * chunk.length once the body ended inside it). A body whose reader destroyed it still counts its bytes off.
   */
  receive(chunk: Buffer): number {
    if (this.received) return 0;
    let used: number;
    let more = true;
    if (this.decoder === null) {
      used = Math.min(this.remaining, chunk.length);
      this.remaining -= used;
      if (!this.destroyed) more = this.push(used === chunk.length ? chunk : chunk.subarray(0, used));
      if (this.remaining === 0) this.finish();
    } else {
      try {
        used = this.decoder.push(chunk, (slice) => {
          if (!this.destroyed) more = this.push(slice) && more;
        });
      } catch (err) {
        this.destroy(err instanceof Error ? err : new Error(String(err)));
        return chunk.length;
      }
      if (this.decoder.done) this.finish();
    }
    clientBytesRead(used);
    if (!more && !this.received) this.source.pause();
    return used;
  }

  /** The client left before the end of the body: its reader sees the request aborted, as on node:http. */
  cut(): void {
    if (this.received || this.destroyed) return;
    this.emit('aborted');
    this.destroy(abortedError());
  }

  private finish(): void {
    this.received = true;
    if (!this.destroyed) this.push(null);
  }
}
