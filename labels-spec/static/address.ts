// Entrypoint addresses: `[host]:port[/tcp|/udp]`, IPv6 hosts in brackets.
import { str } from '../schema/scalars.js';
import { trimSpace } from '../schema/go-trim-space.js';

export interface ListenAddress {
  /** Empty: all interfaces. IPv6 without brackets. */
  host: string;
  port: number;
  protocol: 'tcp' | 'udp';
}

const ADDRESS = /^(\[[^\]]*\]|[^:[\]/]*):(\d{1,5})(?:\/([A-Za-z]+))?$/;

/** Parses an entrypoint address; throws an Error naming the expected format. */
export function parseAddress(address: string): ListenAddress {
  const m = ADDRESS.exec(trimSpace(address));
  if (m === null) throw new Error(`invalid address "${address}"; use [host]:port[/tcp|/udp], e.g. ":443" or "0.0.0.0:80"`);
  const [, rawHost = '', rawPort = '', rawProtocol = 'tcp'] = m;
  const port = Number(rawPort);
  if (port > 65535) throw new Error(`invalid address "${address}": port ${port} is out of range 0-65535`);
  const protocol = rawProtocol.toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp') {
    throw new Error(`invalid address "${address}": protocol "${rawProtocol}" is not tcp or udp`);
  }
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  return { host, port, protocol };
}

export const address = str.superRefine((v, ctx) => {
  try {
    parseAddress(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});
