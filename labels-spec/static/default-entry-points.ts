// The entry points a router without `entryPoints` attaches to. HTTP and TCP routers: Traefik's getDefaultsEntrypoints
// (the asDefault ones when any is, else all; never a UDP one nor `traefik`). UDP routers: every UDP entry point.
import { parseAddress } from './address.js';

export interface EntryPointAddress {
  address: string;
  asDefault?: boolean | undefined;
}

/** tcp or udp, from the address's `/udp` suffix (an address the schema refused counts as tcp). */
export function entryPointProtocol(ep: EntryPointAddress): 'tcp' | 'udp' {
  try {
    return parseAddress(ep.address).protocol;
  } catch {
    return 'tcp';
  }
}

/** Default entry points of HTTP and TCP routers, sorted by name. */
export function defaultEntryPoints(entryPoints: Readonly<Record<string, EntryPointAddress>>): string[] {
  const names = Object.keys(entryPoints).sort();
  const flagged = names.filter((name) => entryPoints[name]?.asDefault === true);
  return (flagged.length > 0 ? flagged : names).filter((name) => name !== 'traefik' && entryPointProtocol(entryPoints[name] as EntryPointAddress) !== 'udp');
}

/** Every UDP entry point, sorted by name: where a UDP router without entryPoints listens. */
export function udpEntryPoints(entryPoints: Readonly<Record<string, EntryPointAddress>>): string[] {
  return Object.keys(entryPoints).sort().filter((name) => entryPointProtocol(entryPoints[name] as EntryPointAddress) === 'udp');
}
