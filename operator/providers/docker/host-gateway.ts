import { lookup } from 'node:dns/promises';

/** Resolves a name to one address; rejects when it does not resolve. */
export type HostLookup = (name: string) => Promise<string>;

/** The names Docker Desktop / `host-gateway` and Podman give the host, tried in Traefik's order. */
export const HOST_GATEWAY_NAMES = ['host.docker.internal', 'host.containers.internal'] as const;

// A lookup that hangs (no DNS server reachable) must not hold up a sync for long.
const LOOKUP_TIMEOUT_MS = 1_000;

const systemLookup: HostLookup = async (name) => (await lookup(name)).address;

/**
 * Where a container in host network mode is reached (Traefik's getIPAddress): the first of `names` that
 * resolves (/etc/hosts, then DNS), else 127.0.0.1. An IPv6 answer comes back bracketed, ready for a URL.
 */
export async function hostGatewayAddress(names: readonly string[] = HOST_GATEWAY_NAMES, resolve: HostLookup = systemLookup): Promise<string> {
  for (const name of names) {
    const address = await withTimeout(resolve(name), LOOKUP_TIMEOUT_MS).catch(() => undefined);
    if (address !== undefined && address !== '') return address.includes(':') ? `[${address}]` : address;
  }
  return '127.0.0.1';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('lookup timed out')), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
