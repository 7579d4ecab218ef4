// How Go's http.Client follows a redirect (net/http/client.go), which Traefik's health probes use with its default
// CheckRedirect: which statuses are followed, with which method, Host and headers, and how many.

/** Go's default CheckRedirect refuses the 10th redirect ("stopped after 10 redirects"): 9 are followed. */
export const MAX_FOLLOWED_REDIRECTS = 9;

/** Headers Go keeps only when the redirect stays on the first request's host or a subdomain of it. */
const SENSITIVE = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2']);

export interface RedirectHop {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
}

/**
 * The next request after an answer `status` with `location` to the request `from` (Go's redirectBehavior), or null
 * when Go returns the answer as it is: a 3xx other than 301/302/303/307/308, or no Location.
 * `first` is the probe's first request: its Host override goes only with a relative Location, as in Go.
 */
export function nextRedirect(from: RedirectHop, first: RedirectHop, status: number, location: string | undefined): RedirectHop | null {
  if (location === undefined || location === '') return null;
  let method: string;
  if (status === 301 || status === 302 || status === 303) method = from.method === 'GET' || from.method === 'HEAD' ? from.method : 'GET';
  else if (status === 307 || status === 308) method = from.method;
  else return null;
  const url = new URL(location, from.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(from.headers)) {
    const key = name.toLowerCase();
    if (key === 'host' || key === 'referer') continue;
    if (SENSITIVE.has(key) && !isDomainOrSubdomain(url.host, first.url.host)) continue;
    headers[name] = value;
  }
  const host = Object.entries(first.headers).find(([name]) => name.toLowerCase() === 'host')?.[1];
  if (host !== undefined && !isAbsolute(location)) headers.host = host;
  // Go sends the previous URL as Referer, except from https to http.
  if (!(from.url.protocol === 'https:' && url.protocol === 'http:')) headers.referer = referer(from.url);
  return { url, method, headers };
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
