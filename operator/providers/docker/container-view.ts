import type { ContainerInspectInfo } from 'dockerode';
import { serviceNameOf } from '../../../labels-spec/index.js';

/** What the provider needs of one container, read once from `docker inspect`. */
export interface ContainerView {
  id: string;
  /** Container name without the leading '/'. */
  name: string;
  labels: Readonly<Record<string, string>>;
  running: boolean;
  paused: boolean;
  /** Docker HEALTHCHECK status, null when the image has none. */
  health: 'starting' | 'healthy' | 'unhealthy' | null;
  /** `host`, `container:<id>`, `bridge`, or a network name. */
  networkMode: string;
  /** Attached networks by name. */
  networks: Readonly<Record<string, { ip: string; ipv6: string }>>;
  /** Exposed or published container ports, ascending. */
  ports: readonly number[];
  /** Host bindings per `<port>/<proto>`. */
  bindings: Readonly<Record<string, readonly { hostIp: string; hostPort: string }[]>>;
  /** The image it was created from, as named (`app:1.2`), when known: `pe-edge check` compares its EXPOSE with the port used. */
  image?: string | undefined;
  /**
   * A Swarm task or service: the Swarm service's name (`pe_app1`), which names the implicit router and service
   * and groups replicas; a container takes it from its compose labels or its own name.
   */
  swarmService?: string | undefined;
}

export function toContainerView(info: ContainerInspectInfo): ContainerView {
  const networks: Record<string, { ip: string; ipv6: string }> = {};
  for (const [name, n] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
    networks[name] = { ip: n.IPAddress ?? '', ipv6: n.GlobalIPv6Address ?? '' };
  }
  const portKeys = new Set<string>([...Object.keys(info.NetworkSettings?.Ports ?? {}), ...Object.keys(info.Config?.ExposedPorts ?? {})]);
  const ports = [...new Set([...portKeys].map((k) => Number.parseInt(k, 10)).filter((p) => Number.isInteger(p) && p > 0))].sort((a, b) => a - b);
  const bindings: Record<string, { hostIp: string; hostPort: string }[]> = {};
  for (const [key, list] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    bindings[key] = (list ?? []).map((b) => ({ hostIp: b.HostIp ?? '', hostPort: b.HostPort ?? '' }));
  }
  const health = info.State?.Health?.Status;
  return {
    id: info.Id,
    name: (info.Name ?? '').replace(/^\//, ''),
    labels: info.Config?.Labels ?? {},
    running: info.State?.Running === true,
    paused: info.State?.Paused === true,
    health: health === 'starting' || health === 'healthy' || health === 'unhealthy' ? health : null,
    networkMode: info.HostConfig?.NetworkMode ?? '',
    networks,
    ports,
    bindings,
    image: info.Config?.Image,
  };
}

/** The compose service a container is a replica of (its container name outside compose), as Traefik names it. */
export function containerServiceName(c: ContainerView): string {
  if (c.swarmService !== undefined) return serviceNameOf({ containerName: c.swarmService });
  return serviceNameOf({ composeProject: c.labels['com.docker.compose.project'], composeService: c.labels['com.docker.compose.service'], containerName: c.name });
}
