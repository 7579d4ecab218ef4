import { Readable } from 'node:stream';
import type { ServerHttp2Stream } from 'node:http2';
import { clientBytesRead } from '../../http/client-read-garbage.js';

/**
 * A request body read from an HTTP/2 stream, as node's compatibility request gave it: data with backpressure,
 * 'end' when the client's stream ended, 'aborted' when the client reset the stream before its answer was
 * sent, 'close' when the stream closed. The stream's own 'error' events stay out of it (a client's RST_STREAM is an abort, not a fault).
 * Made only for requests whose body is read.
 */
export class StreamRequestBody extends Readable {
  private reading = false;
  private streamClosed = false;

  constructor(private readonly stream: ServerHttp2Stream) {
    super({ autoDestroy: false });
    if (stream.destroyed || stream.closed) {
      // Made after the stream ended (a middleware read it late): whatever it was, it is over.
      this.streamClosed = true;
      this.push(null);
      if (stream.aborted) {
        process.nextTick(() => {
          this.emit('aborted');
          this.emit('close');
        });
      }
      return;
    }
    // node emitted 'end' already when the client's stream ended with nothing left unread (an empty DATA frame
    // with END_STREAM read in the batch before the stream was served): nothing more will come.
    if (stream.readableEnded) this.push(null);
    else stream.once('end', this.onEnd);
    stream.once('aborted', this.onAborted);
    stream.once('close', this.onClose);
    this.on('pause', () => stream.pause());
    this.on('resume', () => stream.resume());
  }

  override _read(): void {
    if (this.streamClosed) return;
    if (!this.reading) {
      this.reading = true;
      this.stream.on('data', this.onData);
    } else {
      process.nextTick(resumeStream, this.stream);
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    clientBytesRead(chunk.length);
    if (!this.push(chunk)) this.stream.pause();
  };

  private readonly onEnd = (): void => {
    this.push(null);
  };

  private readonly onAborted = (): void => {
    if (!this.streamClosed) this.emit('aborted');
  };

  private readonly onClose = (): void => {
    this.streamClosed = true;
    this.push(null);
    // 'close' before 'end' is how a reader that holds the body before sending it on (mirroring, failover:
    // services/replay-body.ts) tells a client that left mid-body from a whole body, as node's compatibility
    // request told it; without it the cut body ends with 'end' and goes upstream as a complete request.
    this.emit('close');
  };
}

function resumeStream(stream: ServerHttp2Stream): void {
  stream.resume();
}
