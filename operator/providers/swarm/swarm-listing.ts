import type Docker from 'dockerode';
import { swarmLabelSettings } from '../../../labels-spec/index.js';
import type { ContainerView } from '../docker/container-view.js';

/** What the provider needs of a Swarm service (GET /services), as much as deciding needs. */
interface SwarmService {
  ID: string;
  Spec?: { Name?: string; Labels?: Record<string, string>; Mode?: { Global?: unknown }; EndpointSpec?: { Mode?: string } };
  Endpoint?: { VirtualIPs?: { NetworkID?: string; Addr?: string }[] };
}

/** A task (GET /tasks): its slot, state and addresses on each network. */
interface SwarmTask {
  ID: string;
  Slot?: number;
  Status?: { State?: string };
  NetworksAttachments?: { Network?: { ID?: string; Spec?: { Name?: string } }; Addresses?: string[] }[];
}

/** The Swarm's state as routing sees it: one view per running task, or one per service routed to its virtual IP. */
export interface SwarmListing {
  views: ContainerView[];
  /** Services left without a view, and why (Traefik logs these at debug or warn level). */
  notes: string[];
}

/**
 * Traefik's listServices: every service's labels (Spec.Labels, compose's deploy.labels), and either the service's
 * virtual IPs (traefik.swarm.lbswarm=true, endpoint mode vip) or each running task's addresses, on swarm-scoped
 * networks only. A task's view carries its service's labels; ports are never detected (Swarm publishes none), so a
 * service needs its loadbalancer.server.port label, as in Traefik.
 */
export async function listSwarm(docker: Docker): Promise<SwarmListing> {
  const services = (await docker.listServices()) as SwarmService[];
  const networks = (await docker.listNetworks({ filters: JSON.stringify({ scope: ['swarm'] }) })) as { Id: string; Name: string }[];
  const networkNames = new Map(networks.map((n) => [n.Id, n.Name]));
  const views: ContainerView[] = [];
  const notes: string[] = [];
  for (const service of services) {
    const name = service.Spec?.Name ?? service.ID;
    const labels = service.Spec?.Labels ?? {};
    const lbSwarm = swarmLabelSettings(labels).lbSwarm;
    const dnsrr = service.Spec?.EndpointSpec?.Mode === 'dnsrr';
    if (lbSwarm && dnsrr) notes.push(`Ignored dnsrr endpoint-mode not supported, service name: ${name}. Fallback to pe-edge load balancing`);
    if (lbSwarm && !dnsrr) {
      const addresses: Record<string, { ip: string; ipv6: string }> = {};
      for (const vip of service.Endpoint?.VirtualIPs ?? []) {
        const network = networkNames.get(vip.NetworkID ?? '');
        const ip = stripPrefix(vip.Addr);
        if (network !== undefined && ip !== '') addresses[network] = addressOf(ip);
      }
      if (Object.keys(addresses).length === 0) notes.push(`service ${name}: no virtual IP on a swarm network; not routed`);
      else views.push(view(service.ID, name, name, labels, addresses));
      continue;
    }
    const global = service.Spec?.Mode?.Global !== undefined;
    const tasks = (await docker.listTasks({ filters: JSON.stringify({ service: [service.ID], 'desired-state': ['running'] }) })) as SwarmTask[];
    for (const task of tasks) {
      if (task.Status?.State !== 'running') continue;
      const addresses: Record<string, { ip: string; ipv6: string }> = {};
      for (const attachment of task.NetworksAttachments ?? []) {
        const network = networkNames.get(attachment.Network?.ID ?? '') ?? attachment.Network?.Spec?.Name;
        const ip = stripPrefix(attachment.Addresses?.[0]);
        if (network !== undefined && ip !== '') addresses[network] = addressOf(ip);
      }
      if (Object.keys(addresses).length === 0) continue;
      views.push(view(task.ID, global ? `${name}.${task.ID}` : `${name}.${task.Slot ?? 0}`, name, labels, addresses));
    }
  }
  return { views, notes };
}

function view(id: string, name: string, service: string, labels: Record<string, string>, networks: Record<string, { ip: string; ipv6: string }>): ContainerView {
  return { id, name, swarmService: service, labels, running: true, paused: false, health: null, networkMode: '', networks, ports: [], bindings: {} };
}

/** `10.0.1.5/24` → `10.0.1.5`. */
function stripPrefix(cidr: string | undefined): string {
  return (cidr ?? '').replace(/\/\d+$/, '');
}

function addressOf(ip: string): { ip: string; ipv6: string } {
  return ip.includes(':') ? { ip: '', ipv6: ip } : { ip, ipv6: '' };
}
