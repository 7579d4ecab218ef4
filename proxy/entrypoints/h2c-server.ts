import http2 from 'node:http2';
import { http2Limits, type Http2HeaderTables } from './https-server.js';
import { serveHttp2Streams, type Http2RequestHandler } from './http2-front/http2-streams.js';

/** HTTP/2 prior knowledge on a plain connection: the client's first 24 bytes (RFC 9113 §3.4). */
export const H2C_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Whether the bytes read so far open an h2c connection: 'more' while they are a strict prefix of the preface. */
export function h2cPreface(seen: Buffer): 'yes' | 'no' | 'more' {
  const n = Math.min(seen.length, H2C_PREFACE.length);
  if (seen.compare(H2C_PREFACE, 0, n, 0, n) !== 0) return 'no';
  return n === H2C_PREFACE.length ? 'yes' : 'more';
}

export type H2cServer = http2.Http2Server;

/**
 * node's cleartext HTTP/2 server for the h2c connections of a plain entrypoint (Traefik wraps its non-TLS server
 * with h2c.NewHandler). It never listens: the entrypoint hands it the connections whose first bytes are the
 * preface. Its streams are served as the TLS h2 front's, with the same limits, as the TLS h2 front's.
 */
export function createH2cServer(opts: { readonly maxHeaderBytes?: number; readonly headerTables?: Http2HeaderTables | undefined; readonly http2MaxConcurrentStreams?: number | undefined; readonly onRequest: Http2RequestHandler }): H2cServer {
  const server = http2.createServer(http2Limits(opts));
  serveHttp2Streams(server, opts.onRequest);
  return server;
}
