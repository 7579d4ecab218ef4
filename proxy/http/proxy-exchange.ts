import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { putHeader } from './header-bag.js';

// The one contract between the fronts (node:http, node:http2, the lean HTTP/1.1 front) and the rest of
// the request path. Each front adapts its own objects to it (proxy/entrypoints/node-exchange.ts and
// http1-front/), so routing, middlewares and forwarding never cast to node's types.

/**
 * The peer facts read from a client connection; TLS connections also tell their SNI. (Their version, cipher and
 * client certificate are the connection's `TlsConnection`, RequestContext.tlsConnection: asked once per connection.)
 */
export interface PeerSocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly destroyed?: boolean;
  /** The SNI the client sent (TLS connections; false or null without one). */
  readonly servername?: string | false | null | undefined;
}

/** A client request as routing, middlewares and the forwarder read it. */
export interface ProxyRequest {
  readonly method?: string | undefined;
  /** The request target as sent (origin-form, or absolute-form on HTTP/1.1). */
  readonly url?: string | undefined;
  /** Lower-case names; repeated lines joined with ", " (node's rule). Middlewares edit it in place. */
  readonly headers: IncomingHttpHeaders;
  /** [name, value, ...] as the client spelled them; what the forwarder sends. Edited in place. */
  readonly rawHeaders: string[];
  /** Every line of each header apart (HTTP/1.1 only; HTTP/2 requests keep lines in rawHeaders). */
  readonly headersDistinct?: NodeJS.Dict<string[]>;
  readonly httpVersion: string;
  readonly httpVersionMajor: number;
  readonly socket: PeerSocket;
  /** The request body to relay, or null when this front never carries one. */
  readonly bodyStream: Readable | null;
  /** HTTP/2: the stream ended with its HEADERS frame (END_STREAM), so there is no body whatever the method. */
  readonly endedWithHead?: boolean;
}

/**
 * Response headers about to be sent (lower-case names). A removed header is left `undefined`, never deleted
 * (removeResponseHeader): a `delete` turns V8's object into a slow dictionary for every later reader (about
 * 1.3 µs per answer in a micro-benchmark; end to end within the machine's noise). Whatever walks them skips
 * undefined values.
 */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Removes `name` from response headers (marks it undefined; see ResponseHeaders). */
export function removeResponseHeader(headers: ResponseHeaders, name: string): void {
  if (headers[name] !== undefined) headers[name] = undefined;
}

/** `headers` without its removed entries, for writers that refuse an undefined value (node:http). */
export function presentHeaders(headers: ResponseHeaders): Record<string, string | string[]> {
  let out: Record<string, string | string[]> | null = null;
  for (const name in headers) {
    if (headers[name] !== undefined) continue;
    out = {};
    for (const kept in headers) {
      const value = headers[kept];
      if (value !== undefined) putHeader(out, kept, value);
    }
    break;
  }
  return out ?? (headers as Record<string, string | string[]>);
}

export type ResponseEvent = 'close' | 'drain' | 'finish';

/** A client response as the request path writes it. */
export interface ProxyResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  /**
   * The whole answer was handed to the connection. (node's HTTP/2 response reports writableFinished for a
   * stream the client reset, so the contract has its own word for it.)
   */
  readonly completed: boolean;
  /** No byte can reach the client any more: the connection is gone, or the client reset the HTTP/2 stream. */
  readonly clientGone: boolean;
  readonly statusCode: number;
  /**
   * Sends the head. Never throws: a head the connection cannot take (a stream the client just reset,
   * bytes node refuses) ends the exchange instead and the error is returned, for the caller to report.
   * Only proxy/http/traefik-responses.ts and the forwarder call it, so every head goes through the hooks.
   * HTTP/1.x status lines carry Go's reason phrase for the status, whatever the upstream wrote (as Traefik).
   */
  sendHead(status: number, headers: ResponseHeaders): Error | null;
  /** Body bytes; false asks the writer to wait for 'drain'. Writes after the end or on a gone client are dropped. */
  write(chunk: Buffer | string): boolean;
  /**
   * Optional: writes bytes that stay the lender's (an upstream connection reads into that memory again once
   * `release` is called). Calls `release` once nothing references them any more (written to the kernel, or
   * dropped), never before; may never call it (the memory is then not reused). Answers as `write`.
   */
  writeLent?(chunk: Buffer, release: () => void): boolean;
  end(): unknown;
  end(chunk: Buffer | string): unknown;
  /** Cuts the exchange (the connection on HTTP/1.1, the stream on HTTP/2). */
  destroy(): void;
  on(event: ResponseEvent, listener: () => void): unknown;
  once(event: ResponseEvent, listener: () => void): unknown;
  off(event: ResponseEvent, listener: () => void): unknown;
  /**
   * Trailer fields sent after the body, when the answer ends (gRPC's grpc-status). HTTP/2: a trailing HEADERS
   * frame. HTTP/1.1: the last chunk's trailer section, when the answer is chunked and the client sent
   * `TE: trailers`; dropped otherwise. Called after the head, before end(); never throws.
   */
  relayTrailers(trailers: ResponseHeaders): void;
  /** The trailers given to relayTrailers (sent or not), for logs and metrics; null when none. */
  sentTrailers(): Readonly<ResponseHeaders> | null;
  /** A header of the head as sent (lower-case name), for logs and metrics; undefined when absent or not sent. */
  sentHeader(name: string): string | undefined;
  /** The head as sent (lower-case names), for the access log's header fields; null before the head. */
  sentHeaders(): Readonly<ResponseHeaders> | null;
}

/** The sent value of `name` in a head kept by reference (the first, when it was repeated): what `sentHeader` answers. */
export function sentValue(sent: Readonly<ResponseHeaders> | null, name: string): string | undefined {
  const v = sent?.[name];
  return Array.isArray(v) ? v[0] : v;
}
