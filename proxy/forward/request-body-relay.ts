import type { Readable } from 'node:stream';
import { UpstreamError } from './upstream-errors.js';

/** Where a relayed request body goes: an upstream connection (HTTP/1.1) or stream (HTTP/2). */
export interface BodySink {
  /** Writes a chunk upstream; false: the body waits until `onDrain` calls back. */
  write(chunk: Buffer): boolean;
  /** Calls `resume` once, when the upstream took what it was written. */
  onDrain(resume: () => void): void;
  /** The whole body went up. */
  ended(): void;
  /** The body failed (the client's stream erred or was aborted): the exchange ends with `error`. */
  failed(error: Error): void;
}

/**
 * Streams a client's request body upstream with backpressure, for both upstream pools. `detach` stops it (the
 * answer came, or the exchange failed) and reads the rest of the body into nothing, so the client's connection
 * reaches its next request instead of stalling on a body paused for a drain that will not come.
 */
export class RequestBodyRelay {
  private attached = true;

  constructor(private readonly body: Readable, private readonly sink: BodySink) {
    body.on('data', this.onData);
    body.once('end', this.onEnd);
    body.once('error', this.onError);
    body.once('aborted', this.onAborted);
    // A body that failed before anyone listened (an upgrade's detached body whose first bytes are not valid chunked
    // framing ends quietly) emits nothing more: its exchange would wait for it, and hold both connections, for ever.
    if (body.destroyed && !body.readableEnded) process.nextTick(this.onEndedEarly);
    else if (body.isPaused()) body.resume();
  }

  private readonly onEndedEarly = (): void => {
    if (this.attached) this.sink.failed(new UpstreamError('client-aborted', 'client request body failed before it was relayed'));
  };

  private readonly onData = (chunk: Buffer): void => {
    if (!this.sink.write(chunk)) {
      this.body.pause();
      this.sink.onDrain(this.resume);
    }
  };

  private readonly resume = (): void => {
    this.body.resume();
  };

  private readonly onEnd = (): void => {
    this.detach();
    this.sink.ended();
  };

  private readonly onError = (err: Error): void => {
    this.sink.failed(err);
  };

  private readonly onAborted = (): void => {
    this.sink.failed(new UpstreamError('client-aborted', 'client aborted the request body'));
  };

  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    const body = this.body;
    body.off('data', this.onData);
    body.off('end', this.onEnd);
    body.off('error', this.onError);
    body.off('aborted', this.onAborted);
    if (!body.readableEnded) body.resume();
  }
}
