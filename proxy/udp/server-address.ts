/** A UDP server address split as Go's net.SplitHostPort does; Traefik skips a server whose address does not split. */
export interface ServerAddress {
  /** Without brackets; '' dials the local system, as Go does. */
  readonly host: string;
  readonly port: number;
}

export function splitServerAddress(address: string): ServerAddress | Error {
  const fail = (why: string): Error => new Error(`address ${address}: ${why}`);
  let host: string;
  let port: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close === -1) return fail('missing \']\' in address');
    if (close + 1 === address.length) return fail('missing port in address');
    if (address[close + 1] !== ':') return fail(address.indexOf(':', close + 1) === -1 ? 'missing port in address' : 'too many colons in address');
    host = address.slice(1, close);
    port = address.slice(close + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon === -1) return fail('missing port in address');
    host = address.slice(0, colon);
    if (host.includes(':')) return fail('too many colons in address');
    port = address.slice(colon + 1);
  }
  // Go would also look a service name up (`:domain`); Traefik's own addresses are numeric.
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return fail(`invalid port "${port}"`);
  return { host, port: Number(port) };
}
