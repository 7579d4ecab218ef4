// Traefik's TCP and UDP label rules for one container (docker provider's buildTCPServiceConfiguration and
// buildUDPServiceConfiguration, then provider.BuildTCPRouterConfiguration and BuildUDPRouterConfiguration):
// an automatic service named after the container, the container as each service's one server, a router's
// service defaulted when the container has exactly one, and no default rule for TCP routers.
import type { DynamicConfig, LabelDecodeResult } from '../../../labels-spec/index.js';

export interface TcpUdpServers {
  /** false: the container is kept stopped or unhealthy (allowNonRunning, allowEmptyServices): services get no server. */
  addsServers: boolean;
  /** host and port of the container for a service's server, or why there is none (the container is then left out). */
  addressFor(protocol: 'tcp' | 'udp', service: string, labelPort: number | undefined): { host: string; port: number } | { error: string };
}

/** Completes `config.tcp` and `config.udp` in place; `name` is the container's service name (Traefik's getServiceName). */
export function completeTcpUdp(config: DynamicConfig, decoded: LabelDecodeResult, name: string, servers: TcpUdpServers): { warnings: string[] } | { error: string } {
  const warnings: string[] = [];
  const { tcp, udp } = config;
  if (Object.keys(tcp.routers).length > 0 || Object.keys(tcp.services).length > 0) {
    if (Object.keys(tcp.services).length === 0) tcp.services[name] = { loadBalancer: { servers: [] } };
    for (const [service, definition] of Object.entries(tcp.services)) {
      if (!servers.addsServers || !('loadBalancer' in definition)) continue;
      const label = decoded.tcpServers[service] ?? {};
      const address = servers.addressFor('tcp', service, label.port);
      if ('error' in address) return address;
      definition.loadBalancer.servers = [{ address: `${address.host}:${address.port}`, tls: label.tls ?? false }];
    }
    for (const [router, definition] of Object.entries(tcp.routers)) {
      if (definition.rule === '') {
        warnings.push(`TCP router "${router}" has no rule and Traefik has no default rule for TCP routers: set traefik.tcp.routers.${router}.rule (HostSNI(\`*\`) for plain TCP); router dropped`);
        delete tcp.routers[router];
        continue;
      }
      const linked = linkService(definition, Object.keys(tcp.services));
      if (linked !== undefined) {
        warnings.push(`TCP router "${router}" ${linked}; router dropped`);
        delete tcp.routers[router];
      }
    }
  }
  if (Object.keys(udp.routers).length > 0 || Object.keys(udp.services).length > 0) {
    if (Object.keys(udp.services).length === 0) udp.services[name] = { loadBalancer: { servers: [] } };
    for (const [service, definition] of Object.entries(udp.services)) {
      if (!servers.addsServers || !('loadBalancer' in definition)) continue;
      const address = servers.addressFor('udp', service, decoded.udpServers[service]?.port);
      if ('error' in address) return address;
      definition.loadBalancer.servers = [{ address: `${address.host}:${address.port}` }];
    }
    for (const [router, definition] of Object.entries(udp.routers)) {
      const linked = linkService(definition, Object.keys(udp.services));
      if (linked !== undefined) {
        warnings.push(`UDP router "${router}" ${linked}; router dropped`);
        delete udp.routers[router];
      }
    }
  }
  return { warnings };
}

/** A router without a service takes the container's only one; with several, it cannot be linked (the reason). */
function linkService(router: { service?: string | undefined }, services: readonly string[]): string | undefined {
  if (router.service !== undefined && router.service !== '') return undefined;
  if (services.length > 1) return `cannot be linked automatically with multiple services (${services.join(', ')})`;
  if (services[0] !== undefined) router.service = services[0];
  return undefined;
}
