import { serverAddress, type ServerAddress } from '../http/host-port.js';

export type { ServerAddress } from '../http/host-port.js';

/**
 * A UDP server address split as Go's net.SplitHostPort does (Traefik skips a server whose address does not split),
 * the refusal in Go's words: `address 10.0.0.2: missing port in address`.
 */
export function splitServerAddress(address: string): ServerAddress | Error {
  const split = serverAddress(address);
  return typeof split === 'string' ? new Error(`address ${address}: ${split}`) : split;
}
