import type { Duplex } from 'node:stream';
import { UpstreamError } from '../forward/upstream-errors.js';
import { FramedRequestBody } from './framed-request-body.js';

/**
 * The body of a request node:http emitted as 'upgrade' (it stops parsing there: the body's first bytes are
 * in `head`, the rest still on the socket) that pe-edge serves as a plain request instead. Framed by the
 * request's Content-Length, or decoded from chunked; bytes after the body are left unread (the
 * connection ends with the answer).
 */
export class DetachedRequestBody extends FramedRequestBody {
  /** readTimeout: node's own request deadline no longer watches a socket it emitted as 'upgrade'. */
  private readonly deadline: NodeJS.Timeout | null;

  constructor(private readonly socket: Duplex, head: Buffer, contentLength: number | null, readTimeout: number) {
    super(socket, contentLength);
    this.deadline = readTimeout > 0 && !this.received ? setTimeout(this.onDeadline, readTimeout) : null;
    if (this.received) return;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.pause();
    if (head.length > 0) this.onData(head);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.detach();
    super._destroy(err, callback);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.receive(chunk);
    if (this.received) this.detach();
  };

  private readonly onDeadline = (): void => {
    if (this.received) return;
    this.destroy(new Error('request body not received within readTimeout'));
    this.socket.destroy();
  };

  private readonly onEnd = (): void => {
    // A client gone mid-body, as the forwarder names it for node:http's requests (502 before an answer started).
    if (!this.received) this.destroy(new UpstreamError('client-aborted', 'client closed the connection before the end of the request body'));
  };

  private detach(): void {
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
  }
}
