import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';

/**
 * A stream node opened for a client's HEADERS, held until node has read the rest of the batch it came in
 * (`SessionPeer.arrived`, served by http2-streams.ts): a RST_STREAM in that batch closes it first.
 */
export interface ArrivedStream {
  readonly stream: ServerHttp2Stream;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
}
