import type { Readable } from 'node:stream';
import type { ProxyResponse } from './proxy-exchange.js';
import type { BodySink } from './request-context.js';

/**
 * Streams `source` to the client with backpressure and ends the answer with it; a source that fails cuts
 * the exchange. (A ProxyResponse is not a node Writable, so `pipe` does not apply.) A client gone before the
 * source's end destroys the source: a compressor's window (several MB for brotli) or a spooled body's file is
 * freed then, not whenever the collector finds the stream (150 answers cut mid-way through brotli had left all
 * 150 compressors open).
 */
export function relayToResponse(source: Readable, res: ProxyResponse): void {
  relayToSink(source, res, () => res.destroy());
  res.once('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  // A response already gone (its 'close' may have fired: a head refused as it was sent) never closes again: the
  // source (a compressor and its budget reservation, a spooled file) is freed now.
  if (res.clientGone) source.destroy();
}

/** Streams `source` into a middleware's body sink with backpressure and ends it with it; a failing source calls `cut`. */
export function relayToSink(source: Readable, sink: BodySink, cut: () => void): void {
  source.on('data', (chunk: Buffer) => {
    if (!sink.write(chunk)) {
      source.pause();
      sink.once('drain', () => source.resume());
    }
  });
  source.once('end', () => sink.end());
  source.once('error', cut);
}
