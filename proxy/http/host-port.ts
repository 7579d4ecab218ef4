// Go's net.SplitHostPort and net.JoinHostPort, which Traefik applies to Host headers, remote addresses and
// server addresses: one reading of `host:port` for every place pe-edge reports or matches what Traefik does.

/** Go's net.SplitHostPort: `h:80`, `[::1]:80` (brackets removed); null where Go returns an error (no port, stray colons or brackets). */
export function splitHostPort(hostport: string): { host: string; port: string } | null {
  const last = hostport.lastIndexOf(':');
  if (last < 0) return null;
  let host: string;
  let from = 0;
  let after = 0;
  if (hostport.charCodeAt(0) === 91 /* [ */) {
    const end = hostport.indexOf(']');
    // The first ']' must stand just before the last ':'.
    if (end < 0 || end + 1 !== last) return null;
    host = hostport.slice(1, end);
    from = 1;
    after = end + 1;
  } else {
    host = hostport.slice(0, last);
    if (host.includes(':')) return null;
  }
  if (hostport.indexOf('[', from) >= 0 || hostport.indexOf(']', after) >= 0) return null;
  return { host, port: hostport.slice(last + 1) };
}

/** Go's net.JoinHostPort: an IPv6 host in brackets (`[::1]:80`), as Go writes a request's RemoteAddr. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
