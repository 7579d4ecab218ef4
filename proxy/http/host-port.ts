// Go's net.SplitHostPort and net.JoinHostPort, which Traefik applies to Host headers, remote addresses and
// server addresses: one reading of `host:port` for every place pe-edge reports or matches what Traefik does.

export interface HostPort {
  /** Brackets of an IPv6 host removed. */
  readonly host: string;
  readonly port: string;
}

/** Why Go's net.SplitHostPort refuses an address: its AddrError's text (Go writes `address <addr>: <why>`). */
export type HostPortFault =
  | 'missing port in address'
  | 'too many colons in address'
  | "missing ']' in address"
  | "unexpected '[' in address"
  | "unexpected ']' in address";

/** Go's net.SplitHostPort: `h:80`, `[::1]:80` (brackets removed); where Go returns an error, its reason. */
export function splitHostPort(hostport: string): HostPort | HostPortFault {
  const last = hostport.lastIndexOf(':');
  if (last < 0) return 'missing port in address';
  let host: string;
  let from = 0;
  let after = 0;
  if (hostport.charCodeAt(0) === 91 /* [ */) {
    // The first ']' must stand just before the last ':'.
    const end = hostport.indexOf(']');
    if (end < 0) return "missing ']' in address";
    if (end + 1 !== last) return hostport.charCodeAt(end + 1) === 58 /* : */ ? 'too many colons in address' : 'missing port in address';
    host = hostport.slice(1, end);
    from = 1;
    after = end + 1;
  } else {
    host = hostport.slice(0, last);
    if (host.includes(':')) return 'too many colons in address';
  }
  if (hostport.indexOf('[', from) >= 0) return "unexpected '[' in address";
  if (hostport.indexOf(']', after) >= 0) return "unexpected ']' in address";
  return { host, port: hostport.slice(last + 1) };
}

/** Go's net.SplitHostPort's host, or the whole value where Go refuses to split it (Traefik's fallback for hosts without a port). */
export function hostOrWhole(hostport: string): string {
  const split = splitHostPort(hostport);
  return typeof split === 'string' ? hostport : split.host;
}

/** A server address as Traefik dials it: Go's split, and a port that is a number up to 65535. */
export interface ServerAddress {
  /** Without brackets; '' dials the local system, as Go does. */
  readonly host: string;
  readonly port: number;
}

/** A server's `host:port` (IPv6 in brackets) → its parts, or why it is none: Go's reason, or `invalid port "x"`. */
export function serverAddress(address: string): ServerAddress | string {
  const split = splitHostPort(address);
  if (typeof split === 'string') return split;
  // Go would also look a service name up (`:domain`); Traefik's own addresses are numeric.
  const port = split.port;
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return `invalid port "${port}"`;
  return { host: split.host, port: Number(port) };
}

/** Go's net.JoinHostPort: an IPv6 host in brackets (`[::1]:80`), as Go writes a request's RemoteAddr. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
