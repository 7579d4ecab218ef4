import type { ServerResponse } from 'node:http';
import { Writable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { ClientResponse, ResponseHeaders } from '../../http/request-context.js';

/** Encodings node:zlib can produce (zstd arrives in Node 22.15/23.8; pe-edge runs on Node 20). */
export type ZlibEncoding = 'gzip' | 'br';

// Traefik uses brotli.DefaultCompression (6); Node's default quality 11 costs several times the CPU.
const BROTLI_OPTIONS: zlib.BrotliOptions = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 6 } };

function createEncoder(encoding: ZlibEncoding): Transform {
  return encoding === 'br' ? zlib.createBrotliCompress(BROTLI_OPTIONS) : zlib.createGzip();
}

function markCompressed(headers: ResponseHeaders, encoding: ZlibEncoding): void {
  delete headers['content-length'];
  headers['content-encoding'] = encoding;
}

function encoderInto(res: ClientResponse, encoding: ZlibEncoding): Transform {
  const encoder = createEncoder(encoding);
  encoder.on('error', () => res.destroy());
  encoder.pipe(res as ServerResponse);
  return encoder;
}

/**
 * Where the body of an upstream response goes when it may be compressed: null (untouched) for
 * bodiless statuses, already-encoded bodies and declared lengths under minSize; an encoder at once
 * for declared lengths from minSize up; a DeferredCompressor when the length is unknown.
 */
export function compressedBody(res: ClientResponse, encoding: ZlibEncoding, minSize: number, status: number, headers: ResponseHeaders): Writable | null {
  if (status < 200 || status === 204 || status === 304) return null;
  const existing = headers['content-encoding'];
  if (existing !== undefined && existing !== '' && !(Array.isArray(existing) && existing.length === 0)) return null;
  const declared = headers['content-length'];
  if (typeof declared === 'string' && declared !== '') {
    if (Number(declared) < minSize) return null;
    markCompressed(headers, encoding);
    return encoderInto(res, encoding);
  }
  return new DeferredCompressor(res, encoding, minSize, headers);
}

type WriteHead = (...args: unknown[]) => ClientResponse;

/**
 * Buffers a body of unknown length until minSize bytes decide it: then the head goes out with
 * Content-Encoding and the body through the encoder; a shorter body goes out as it came, headers
 * untouched. The forwarder writes the head before the body starts, so this holds back the response's
 * own writeHead (as express's `compression` does) until the decision; a second writeHead while holding
 * (the forwarder answering 502 after an upstream error) goes straight through.
 */
class DeferredCompressor extends Writable {
  private readonly original: WriteHead;
  private held: unknown[] | null = null;
  private released = false;
  private buffered: Buffer[] = [];
  private size = 0;
  private encoder: Transform | null = null;

  constructor(private readonly res: ClientResponse, private readonly encoding: ZlibEncoding, private readonly minSize: number, private readonly headers: ResponseHeaders) {
    super();
    const target = res as unknown as { writeHead: WriteHead };
    this.original = target.writeHead;
    target.writeHead = (...args: unknown[]): ClientResponse => {
      if (this.held === null && !this.released) {
        this.held = args;
        return res;
      }
      this.restore();
      return this.original.apply(res, args);
    };
  }

  private restore(): void {
    if (this.released) return;
    this.released = true;
    (this.res as unknown as { writeHead: WriteHead }).writeHead = this.original;
  }

  /** Sends the held head, with compression headers when the body is to be compressed. */
  private release(compress: boolean): void {
    if (this.released) return;
    this.restore();
    if (compress) markCompressed(this.headers, this.encoding);
    if (this.held !== null) this.original.apply(this.res, this.held);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.encoder !== null) {
      this.feed(chunk, callback);
      return;
    }
    this.buffered.push(chunk);
    this.size += chunk.length;
    if (this.size < this.minSize) {
      callback();
      return;
    }
    this.release(true);
    this.encoder = encoderInto(this.res, this.encoding);
    const all = Buffer.concat(this.buffered, this.size);
    this.buffered = [];
    this.feed(all, callback);
  }

  private feed(chunk: Buffer, callback: () => void): void {
    const encoder = this.encoder as Transform;
    if (encoder.write(chunk)) callback();
    else encoder.once('drain', callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.encoder !== null) {
      this.encoder.end();
    } else {
      this.release(false);
      (this.res as ServerResponse).end(Buffer.concat(this.buffered, this.size));
      this.buffered = [];
    }
    callback();
  }
}
