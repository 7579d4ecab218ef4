import type { Readable } from 'node:stream';
import type { ProxyResponse } from './proxy-exchange.js';

/**
 * Streams `source` to the client with backpressure and ends the answer with it; a source that fails cuts
 * the exchange. (A ProxyResponse is not a node Writable, so `pipe` does not apply.)
 */
export function relayToResponse(source: Readable, res: ProxyResponse): void {
  source.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) {
      source.pause();
      res.once('drain', () => source.resume());
    }
  });
  source.once('end', () => res.end());
  source.once('error', () => res.destroy());
}
