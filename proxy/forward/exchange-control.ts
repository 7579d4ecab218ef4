import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { RequestBodyRelay, type BodySink } from './request-body-relay.js';

/**
 * The controller side of one upstream exchange, as undici's dispatch API defines it (pause/resume/abort), and the
 * relay of its request body, shared by pe-edge's HTTP/1.1 and HTTP/2 pools: each says how its answer's reading
 * pauses, where body bytes go and how the exchange fails.
 */
export abstract class ExchangeControl implements Dispatcher.DispatchController, BodySink {
  /** Over: answered, failed or aborted. */
  protected finished = false;
  protected abortReason: Error | null = null;
  protected isPaused = false;
  /** The deadline of the answer's head (responseHeaderTimeout and the like); null when none runs. */
  protected headerTimer: NodeJS.Timeout | null = null;
  /** The client's body being relayed upstream; null when there is none (any more). */
  protected bodyRelay: RequestBodyRelay | null = null;

  get done(): boolean {
    return this.finished;
  }

  get aborted(): boolean {
    return this.abortReason !== null;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  get reason(): Error | null {
    return this.abortReason;
  }

  pause(): void {
    this.isPaused = true;
    this.pauseReading();
  }

  resume(): void {
    this.isPaused = false;
    this.resumeReading();
  }

  abort(reason: Error): void {
    if (this.finished) return;
    this.abortReason = reason;
    this.fail(reason);
  }

  /** Streams the client's body upstream with backpressure (see RequestBodyRelay). */
  protected relayBody(body: Readable): void {
    this.bodyRelay = new RequestBodyRelay(body, this);
  }

  /** Stops relaying the body (the rest is read and dropped). */
  protected detachBody(): void {
    this.bodyRelay?.detach();
    this.bodyRelay = null;
  }

  protected clearHeaderTimer(): void {
    if (this.headerTimer !== null) clearTimeout(this.headerTimer);
    this.headerTimer = null;
  }

  /** Marks the exchange over (timer cleared, body no longer relayed); false when it already was. */
  protected settle(): boolean {
    if (this.finished) return false;
    this.finished = true;
    this.clearHeaderTimer();
    this.detachBody();
    return true;
  }

  /** BodySink: the client's body failed, so does the exchange. */
  failed(error: Error): void {
    this.abort(error);
  }

  abstract write(chunk: Buffer): boolean;
  abstract onDrain(resume: () => void): void;
  abstract ended(): void;
  protected abstract pauseReading(): void;
  protected abstract resumeReading(): void;
  /** Ends the exchange with an error (once: `finished` is set by it). */
  protected abstract fail(error: Error): void;
}
