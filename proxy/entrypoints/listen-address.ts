import { parseAddress } from '../../labels-spec/index.js';

/** Traefik entrypoint address `[host]:port[/tcp|/udp]` → what net.Server.listen or dgram's bind takes. */
export interface ListenAddress {
  host: string | undefined;
  port: number;
  protocol: 'tcp' | 'udp';
}

export function parseListenAddress(address: string): ListenAddress {
  const { host, port, protocol } = parseAddress(address);
  return { host: host === '' ? undefined : host, port, protocol };
}
