import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Readable } from 'node:stream';
import type { ProxyRequest } from '../../http/proxy-exchange.js';
import type { SessionPeer } from './session-peer.js';
import { StreamRequestBody } from './stream-request-body.js';

/**
 * A request on an HTTP/2 stream, read straight from node's core stream API: the header object and raw list
 * node decoded (pseudo-header fields included, as node's compatibility layer kept them), the body made only
 * when something reads it.
 */
export class Http2StreamRequest implements ProxyRequest {
  readonly httpVersion = '2.0';
  readonly httpVersionMajor = 2;
  private body: StreamRequestBody | null = null;

  constructor(
    readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
    readonly rawHeaders: string[],
    readonly socket: SessionPeer,
  ) {}

  get method(): string | undefined {
    return this.headers[':method'];
  }

  get url(): string | undefined {
    return this.headers[':path'];
  }

  get endedWithHead(): boolean {
    return this.stream.endAfterHeaders;
  }

  get bodyStream(): Readable {
    return (this.body ??= new StreamRequestBody(this.stream));
  }
}
