import { constants, type OutgoingHttpHeaders } from 'node:http2';
import type { ForwardRequest } from '../http1/exchange.js';
import { CONNECTION_SPECIFIC_FIELDS } from '../../http/http2-fields.js';

const { HTTP2_HEADER_AUTHORITY, HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_SCHEME } = constants;


/**
 * The forwarder's flat header list as an HTTP/2 request's header block: Host becomes `:authority` (Go's
 * http2 transport does the same), names lower-case, repeated fields joined as one (cookies with "; "), and
 * `te` kept only as `trailers`, the one value HTTP/2 allows.
 */
export function h2RequestHeaders(request: ForwardRequest, scheme: 'http' | 'https', defaultAuthority: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {
    [HTTP2_HEADER_METHOD]: request.method,
    [HTTP2_HEADER_PATH]: request.path,
    [HTTP2_HEADER_SCHEME]: scheme,
    [HTTP2_HEADER_AUTHORITY]: defaultAuthority,
  };
  const flat = request.headers;
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const value = flat[i + 1] as string;
    if (name === 'host') {
      // The forwarder sends an empty Host only for one Go's transports refuse (it falls back to the server's authority
      // otherwise): Go's HTTP/1.1 transport blanks it, its HTTP/2 transport fails the request, which Traefik answers 500.
      if (value === '') throw new Error('http2: invalid Host header');
      out[HTTP2_HEADER_AUTHORITY] = value;
      continue;
    }
    if (CONNECTION_SPECIFIC_FIELDS.has(name) || name.charCodeAt(0) === 58 /* ':' */) continue;
    if (name === 'te') {
      if (value.trim().toLowerCase() === 'trailers') out.te = 'trailers';
      continue;
    }
    const before = out[name];
    if (before === undefined) out[name] = value;
    else out[name] = `${String(before)}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out;
}
