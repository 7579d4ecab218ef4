import type { ContainerView } from './container-view.js';

export interface AddressOptions {
  /** providers.docker.network, overridden by the container's traefik.docker.network label. */
  network: string;
  useBindPortIP: boolean;
  /** Host network mode: host.docker.internal or host.containers.internal resolved (host-gateway.ts); 127.0.0.1 without. */
  hostGateway?: string | undefined;
}

/**
 * The host:port pe-edge reaches a container on (Traefik's getIPPort). Unlike Traefik, a container on
 * several networks with none named uses the first by name, not a random one, and says so.
 */
export function containerAddress(c: ContainerView, port: number, o: AddressOptions): { host: string; port: number; warning?: string } | { error: string } {
  if (o.useBindPortIP) {
    const binding = (c.bindings[`${port}/tcp`] ?? c.bindings[`${port}/udp`] ?? [])[0];
    if (binding !== undefined && binding.hostIp !== '' && binding.hostIp !== '0.0.0.0' && binding.hostPort !== '') {
      return { host: binding.hostIp, port: Number(binding.hostPort) };
    }
  }
  if (c.networkMode === 'host') return { host: o.hostGateway ?? '127.0.0.1', port };
  const wanted = o.network;
  if (wanted !== '') {
    const n = c.networks[wanted] ?? findComposeNetwork(c, wanted);
    if (n !== undefined && (n.ip !== '' || n.ipv6 !== '')) return { host: n.ip !== '' ? n.ip : `[${n.ipv6}]`, port };
  }
  const names = Object.keys(c.networks).sort();
  for (const name of names) {
    const n = c.networks[name];
    if (n !== undefined && n.ip !== '') {
      const warning = wanted !== ''
        ? `network "${wanted}" not found on container ${c.name}; using "${name}"`
        : names.length > 1 ? `container ${c.name} is on several networks (${names.join(', ')}); using "${name}" (set traefik.docker.network to choose)` : undefined;
      return warning === undefined ? { host: n.ip, port } : { host: n.ip, port, warning };
    }
  }
  return { error: `container ${c.name} has no IP address on any network` };
}

/** Compose prefixes network names with the project (`demo_backend`), a stack with its namespace; accept the short name too. */
function findComposeNetwork(c: ContainerView, wanted: string): { ip: string; ipv6: string } | undefined {
  const project = c.labels['com.docker.compose.project'] ?? c.labels['com.docker.stack.namespace'];
  return project === undefined ? undefined : c.networks[`${project}_${wanted}`];
}
