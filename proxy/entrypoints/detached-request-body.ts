import { Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { ChunkedDecoder } from '../forward/http1/chunked-decoder.js';

/**
 * The body of a request node:http emitted as 'upgrade' (it stops parsing there: the body's first bytes are
 * in `head`, the rest still on the socket) that pe-edge serves as a plain request instead. Framed by the
 * request's Content-Length, or decoded from chunked; bytes after the body are left unread (the
 * connection ends with the answer).
 */
export class DetachedRequestBody extends Readable {
  /** Bytes still expected with Content-Length framing; -1 with chunked. */
  private remaining: number;
  private readonly decoder: ChunkedDecoder | null;
  private finished = false;
  /** readTimeout: node's own request deadline no longer watches a socket it emitted as 'upgrade'. */
  private readonly deadline: NodeJS.Timeout | null;

  constructor(private readonly socket: Duplex, head: Buffer, contentLength: number | null, readTimeout: number) {
    super();
    this.deadline = readTimeout > 0 ? setTimeout(this.onDeadline, readTimeout) : null;
    this.remaining = contentLength ?? -1;
    this.decoder = contentLength === null ? new ChunkedDecoder() : null;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.pause();
    if (head.length > 0) this.onData(head);
    else if (this.remaining === 0) this.finish();
  }

  override _read(): void {
    if (!this.finished) this.socket.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.detach();
    // As node's IncomingMessage: an error nobody listens for (the forwarder not attached yet, or done with
    // the body) ends the body quietly instead of being thrown as an unhandled 'error' event.
    callback(this.listenerCount('error') > 0 ? err : null);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.finished) return;
    let more = true;
    if (this.decoder === null) {
      const take = Math.min(this.remaining, chunk.length);
      more = this.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.remaining -= take;
      if (this.remaining === 0) this.finish();
    } else {
      try {
        this.decoder.push(chunk, (slice) => {
          more = this.push(slice) && more;
        });
      } catch (err) {
        this.destroy(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (this.decoder.done) this.finish();
    }
    if (!more && !this.finished) this.socket.pause();
  };

  private readonly onDeadline = (): void => {
    if (this.finished) return;
    this.destroy(new Error('request body not received within readTimeout'));
    this.socket.destroy();
  };

  private readonly onEnd = (): void => {
    if (!this.finished) this.destroy(new Error('client closed the connection before the end of the request body'));
  };

  private finish(): void {
    this.finished = true;
    this.detach();
    this.push(null);
  }

  private detach(): void {
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
  }
}
