/** Traefik entrypoint address `[host]:port[/tcp|/udp]` → what net.Server.listen takes. */
export interface ListenAddress {
  host: string | undefined;
  port: number;
}

export function parseListenAddress(address: string): ListenAddress {
  const match = /^(.*):(\d+)(?:\/(tcp|udp))?$/i.exec(address.trim());
  if (match === null) throw new Error(`invalid entrypoint address "${address}": expected [host]:port`);
  if (match[3] !== undefined && match[3].toLowerCase() === 'udp') {
    throw new Error(`entrypoint address "${address}": UDP entrypoints are not implemented yet in pe-edge`);
  }
  let host = match[1] ?? '';
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port: Number(match[2]) };
}
