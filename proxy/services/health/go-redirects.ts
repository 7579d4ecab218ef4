// How Go's http.Client follows a redirect (net/http/client.go), which Traefik's health probes use with its default
// CheckRedirect: which statuses are followed, with which method, Host and headers, and how many.

/** Go's default CheckRedirect refuses the 10th redirect ("stopped after 10 redirects"): 9 are followed. */
export const MAX_FOLLOWED_REDIRECTS = 9;

/**
 * Headers Go drops, for the rest of the chain, once a redirect leaves the first request's host name (not its port:
 * another port of the same host keeps them) for one that is neither it nor a subdomain of it.
 */
const SENSITIVE = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2', 'proxy-authorization', 'proxy-authenticate']);

export interface RedirectHop {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
}

/**
 * The next request after an answer `status` with `location` to the request `from` (Go's redirectBehavior), or null
 * when Go returns the answer as it is: a 3xx other than 301/302/303/307/308, or no Location.
 * `first` is the probe's first request: its headers are the ones every hop sends, as Go copies them.
 */
export function nextRedirect(from: RedirectHop, first: RedirectHop, status: number, location: string | undefined): RedirectHop | null {
  if (location === undefined || location === '') return null;
  let method: string;
  if (status === 301 || status === 302 || status === 303) method = from.method === 'GET' || from.method === 'HEAD' ? from.method : 'GET';
  else if (status === 307 || status === 308) method = from.method;
  else return null;
  const url = new URL(location, from.url);
  // Dropped once, dropped for good: `from` lacks them already when an earlier hop left the first host.
  const keepSensitive = isDomainOrSubdomain(url.hostname, first.url.hostname);
  const ownReferer = headerOf(first, 'referer') !== undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(from.headers)) {
    const key = name.toLowerCase();
    if (key === 'host' || (key === 'referer' && !ownReferer)) continue;
    if (SENSITIVE.has(key) && !keepSensitive) continue;
    headers[name] = value;
  }
  // The previous request's Host override goes on with a relative Location only, as in Go: an absolute one ends it.
  const host = headerOf(from, 'host');
  if (host !== undefined && !isAbsolute(location)) headers.host = host;
  // Go sends the previous URL as Referer, except from https to http; a Referer the probe sets is sent as it is.
  if (!ownReferer && !(from.url.protocol === 'https:' && url.protocol === 'http:')) headers.referer = referer(from.url);
  return { url, method, headers };
}

function headerOf(hop: RedirectHop, lowerName: string): string | undefined {
  return Object.entries(hop.headers).find(([name]) => name.toLowerCase() === lowerName)?.[1];
}

/** Go's url.IsAbs: the reference names a scheme. */
function isAbsolute(location: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(location);
}

function referer(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.hash = '';
  return copy.href;
}

function isDomainOrSubdomain(sub: string, parent: string): boolean {
  if (sub === parent) return true;
  return sub.endsWith(parent) && sub[sub.length - parent.length - 1] === '.';
}
