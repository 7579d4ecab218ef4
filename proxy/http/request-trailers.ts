import type { IncomingHttpHeaders } from 'node:http';
import { canonicalHeaderKey } from './go-text.js';
import { isToken } from './head-syntax.js';
import { trimOws } from './header-whitespace.js';

// A request's trailers arrive after its head was routed and checked by every middleware: Traefik never forwards
// their values (its ReverseProxy copies the request before they are read; traefik#13383, #13822). The names its
// `Trailer` header announces do go upstream, as Go's transports write them: canonical, once each, sorted, ','.

/** Names Go's fixTrailer refuses in an announcement: the fields that frame the body. */
const FRAMING_NAMES: ReadonlySet<string> = new Set(['Transfer-Encoding', 'Trailer', 'Content-Length']);

/** The canonical names a `Trailer` header lists (Go's foreachHeaderElement: split on ',', trimmed, empties skipped; repeated lines come joined). */
function announcedNames(value: string): Set<string> {
  const names = new Set<string>();
  for (const element of value.split(',')) {
    const name = trimOws(element);
    if (name !== '') names.add(canonicalHeaderKey(name));
  }
  return names;
}

/**
 * Go's HTTP/1.1 server refuses (400) a chunked request whose `Trailer` announces a framing field; an HTTP/2 one
 * just leaves such a name out.
 */
export function announcesFramingTrailer(headers: IncomingHttpHeaders): boolean {
  const value = headers.trailer;
  if (value === undefined || headers['transfer-encoding'] === undefined) return false;
  for (const name of announcedNames(value)) if (FRAMING_NAMES.has(name)) return true;
  return false;
}

/**
 * The `Trailer` value to send upstream, or null. Only a chunked HTTP/1.1 request or an HTTP/2 one announces
 * trailers (Go leaves `Trailer` of any other request among its headers, where ReverseProxy drops it as hop-by-hop).
 * Names that are no token are left out (Go would send them as they came).
 */
export function upstreamTrailerAnnouncement(headers: IncomingHttpHeaders, httpVersionMajor: number): string | null {
  const value = headers.trailer;
  if (value === undefined || (httpVersionMajor !== 2 && headers['transfer-encoding'] === undefined)) return null;
  const names = [...announcedNames(value)].filter((name) => !FRAMING_NAMES.has(name) && isToken(name));
  return names.length === 0 ? null : names.sort().join(',');
}
