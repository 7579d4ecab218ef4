import { declaresTcpOrUdp, decodeLabels, defaultRuleFor, type DynamicConfig, type LabelDecodeResult, type LabelIssue } from '../../../labels-spec/index.js';
import { containerAddress } from './container-address.js';
import { completeTcpUdp } from './tcp-udp-config.js';
import { containerServiceName, type ContainerView } from './container-view.js';
import type { ContainerConstraint } from './constraints.js';

export interface DockerProviderOptions {
  exposedByDefault: boolean;
  network: string;
  useBindPortIP: boolean;
  defaultRule: string;
  allowEmptyServices: boolean;
  /** Where host-network containers are reached, resolved by the provider (host-gateway.ts). */
  hostGateway?: string | undefined;
  /** providers.docker.constraints, compiled once; absent keeps every container. */
  constraint?: ContainerConstraint | undefined;
  /** Whose options these are, for messages: providers.docker (default) or providers.swarm. */
  provider?: 'docker' | 'swarm' | undefined;
}

/** The container port a service's server uses: from its `loadbalancer.server.port` label, or picked (the lowest exposed). */
export interface ServicePort {
  /** Which label sets it: traefik.<protocol>.services.<service>.loadbalancer.server.port. */
  protocol: 'http' | 'tcp' | 'udp';
  service: string;
  port: number;
  fromLabel: boolean;
}

/** One container's contribution, or why it contributes nothing. Names are unqualified (`@docker` is added later). */
export type ContainerResult =
  | { kind: 'routed'; container: ContainerView; config: DynamicConfig; warnings: string[]; issues: LabelIssue[]; servicePorts?: ServicePort[] }
  | { kind: 'skipped'; container: ContainerView; reason: string; issues: LabelIssue[] };

/**
 * Traefik's label-to-configuration rules for one container: selection, implicit router and
 * service named after the compose service, one server per service at the container's address.
 * Any label error leaves this container out entirely; other containers are not affected.
 * `decoded` is this container's labels decoded; its `config` is completed in place (pass a copy of a kept one).
 */
export function containerConfig(c: ContainerView, o: DockerProviderOptions, decoded: LabelDecodeResult = decodeLabels(c.labels)): ContainerResult {
  const errors = decoded.issues.filter((i) => i.severity === 'error');
  const enabled = decoded.enable ?? o.exposedByDefault;
  if (!enabled) {
    return { kind: 'skipped', container: c, reason: decoded.enable === false ? 'traefik.enable=false' : 'not exposed (exposedByDefault is false and traefik.enable is not true)', issues: [] };
  }
  if (o.constraint !== undefined && !o.constraint(c.labels)) {
    return { kind: 'skipped', container: c, reason: `does not match providers.${o.provider ?? 'docker'}.constraints`, issues: [] };
  }
  if (errors.length > 0) return { kind: 'skipped', container: c, reason: `${errors.length} label error(s)`, issues: decoded.issues };
  // traefik.docker.allownonrunning wins over status and health: routers stay, the service gets no server (503, not 404).
  const allowNonRunning = decoded.allowNonRunning === true;
  const stopped = !c.running || c.paused;
  if (stopped && !allowNonRunning) return { kind: 'skipped', container: c, reason: c.paused ? 'paused' : 'not running', issues: decoded.issues };
  const unhealthy = c.health !== null && c.health !== 'healthy';
  if (unhealthy && !o.allowEmptyServices && !allowNonRunning) {
    return { kind: 'skipped', container: c, reason: `health status is ${c.health}`, issues: decoded.issues };
  }

  const name = containerServiceName(c);
  const config = decoded.config;
  const warnings: string[] = [];
  const servicePorts: ServicePort[] = [];
  // The container's address for a service's server: its port label, else the lowest exposed port (Traefik's getIPPort).
  const addressFor = (protocol: ServicePort['protocol'], service: string, labelPort: number | undefined): { host: string; port: number } | { error: string } => {
    const port = labelPort ?? c.ports[0];
    if (port === undefined) return { error: `service "${service}" error: port is missing (set traefik.${protocol}.services.${service}.loadbalancer.server.port)` };
    servicePorts.push({ protocol, service, port, fromLabel: labelPort !== undefined });
    const address = containerAddress(c, port, { network: decoded.network ?? o.network, useBindPortIP: o.useBindPortIP, hostGateway: o.hostGateway });
    if ('error' in address) return address;
    if (address.warning !== undefined && !warnings.includes(address.warning)) warnings.push(address.warning);
    return address;
  };

  // Traefik builds TCP and UDP first; a container whose TCP/UDP service cannot get its server is left out.
  const tcpUdp = completeTcpUdp(config, decoded, name, { addsServers: !unhealthy && !stopped, addressFor });
  if ('error' in tcpUdp) return { kind: 'skipped', container: c, reason: tcpUdp.error, issues: decoded.issues };
  warnings.push(...tcpUdp.warnings);
  // Traefik: TCP/UDP labels and no HTTP ones mean no HTTP configuration at all (no default router or service).
  const declared = decoded.declared;
  if (declaresTcpOrUdp(decoded.config) && declared.routers.length + declared.services.length + declared.middlewares.length === 0) {
    return { kind: 'routed', container: c, config, warnings, issues: decoded.issues, servicePorts };
  }

  const http = config.http;
  const declaredServices = decoded.declared.services;
  if (declaredServices.length === 0 && Object.keys(http.services).length === 0) {
    http.services[name] = { loadBalancer: { servers: [], passHostHeader: true, responseForwarding: { flushInterval: 100 }, strategy: 'wrr' } } as DynamicConfig['http']['services'][string];
  }
  const serviceNames = Object.keys(http.services);

  for (const serviceName of serviceNames) {
    const service = http.services[serviceName];
    if (service === undefined || !('loadBalancer' in service) || service.loadBalancer === undefined) continue;
    if (unhealthy || stopped) continue; // allowEmptyServices / allownonrunning: the service exists, this container adds no server
    const label = decoded.servers[serviceName] ?? {};
    if (label.url !== undefined) {
      // Traefik v3.4: the url label replaces the container address (the decoder refused it beside port or scheme).
      service.loadBalancer.servers = [{ url: label.url, weight: label.weight ?? 1, preservePath: label.preservePath ?? false }];
      continue;
    }
    const address = addressFor('http', serviceName, label.port);
    if ('error' in address) return { kind: 'skipped', container: c, reason: address.error, issues: decoded.issues };
    const scheme = label.scheme ?? 'http';
    service.loadBalancer.servers = [{ url: `${scheme}://${address.host}:${address.port}`, weight: label.weight ?? 1, preservePath: label.preservePath ?? false }];
  }

  if (decoded.declared.routers.length === 0 && Object.keys(http.routers).length === 0) {
    if (serviceNames.length <= 1) http.routers[name] = { rule: '' } as DynamicConfig['http']['routers'][string];
    else warnings.push(`container ${c.name}: no router created automatically: too many services (${serviceNames.join(', ')})`);
  }
  for (const [routerName, router] of Object.entries(http.routers)) {
    if (router.rule === undefined || router.rule === '') {
      const rule = defaultRuleFor(o.defaultRule, { Name: name, ContainerName: c.name, Labels: c.labels });
      if (typeof rule !== 'string' || rule === '') {
        warnings.push(`router "${routerName}": default rule could not be computed${typeof rule === 'object' && rule !== null && 'error' in rule ? `: ${String(rule.error)}` : ''}; router dropped`);
        delete http.routers[routerName];
        continue;
      }
      router.rule = rule;
    }
    if (router.service === undefined || router.service === '') {
      if (serviceNames.length === 1) router.service = serviceNames[0];
      else {
        warnings.push(`router "${routerName}" cannot be linked automatically with multiple services (${serviceNames.join(', ')}); router dropped`);
        delete http.routers[routerName];
      }
    }
  }
  return { kind: 'routed', container: c, config, warnings, issues: decoded.issues, servicePorts };
}
