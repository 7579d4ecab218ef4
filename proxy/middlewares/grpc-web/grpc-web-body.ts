import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { UpstreamError } from '../../forward/upstream-errors.js';
import type { BodySink, ResponseHeaders } from '../../http/request-context.js';
import { Base64Stream, trailerFrame } from './grpc-web-protocol.js';

// The two bodies grpcWeb rewrites as they stream: a `-text` request's, decoded from base64 on its way upstream, and
// every gRPC-Web answer's, its messages passed on as they come and the backend's trailers appended as the last frame.

/**
 * A `-text` request body decoded as it arrives. A character that is not base64, or a body that ends inside a
 * quantum, fails the upstream request (Go's decoder fails the body read, and Traefik answers 502).
 */
export function decodedTextBody(source: Readable): Readable {
  const decoder = new Base64Decoder();
  source.once('error', (err: Error) => decoder.destroy(bodyFailure(`client request body failed: ${err.message}`)));
  source.once('aborted', () => decoder.destroy(bodyFailure('client aborted the request body')));
  source.pipe(decoder);
  return decoder;
}

class Base64Decoder extends Transform {
  private readonly text = new Base64Stream();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let bytes: Buffer;
    try {
      bytes = this.text.push(chunk.toString('latin1'));
    } catch (err) {
      callback(bodyFailure(`grpcWeb -text request body: ${(err as Error).message}`));
      return;
    }
    callback(null, bytes.length === 0 ? undefined : bytes);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.text.complete ? null : bodyFailure('grpcWeb -text request body: unexpected EOF inside a base64 quantum'));
  }
}

function bodyFailure(message: string): UpstreamError {
  return new UpstreamError('client-aborted', message);
}


/**
 * A gRPC-Web answer's body: each piece the backend sends goes on at once (the proxy flushes every write of a body
 * of unknown length), base64-encoded on its own in `-text` mode (the wrapper's encoder is closed, so padded, at
 * each flush); at the end the trailer frame, with the trailers `trailers` returns (none for a trailers-only answer,
 * whose status travelled in the head).
 */
export class GrpcWebAnswerBody extends Writable {
  /** `target`: the client response, or the body sink of a middleware around grpcWeb (compress). */
  constructor(private readonly target: BodySink, private readonly text: boolean, private readonly trailers: () => Readonly<ResponseHeaders> | null) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.target.write(this.encoded(chunk))) callback();
    else this.target.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.target.end(this.encoded(trailerFrame(this.trailers())));
    callback();
  }

  private encoded(bytes: Buffer): Buffer {
    return this.text ? Buffer.from(bytes.toString('base64'), 'latin1') : bytes;
  }
}
