// TCP and UDP sections are validated (tcp/); until the proxy routes TCP, each TCP router, service and middleware is
// named in a warning so a user sees each thing that will not be served. UDP is routed (proxy/udp): no warning.
import type { ConfigIssue } from '../issues.js';
import { isPlainObject } from '../schema/strict-object.js';
import type { DynamicConfig } from './config.js';

export function warnTcpUdpNotRouted(config: Pick<DynamicConfig, 'tcp' | 'udp'>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of ['tcp'] as const) {
    const section = config[key];
    const kinds = { routers: section.routers, services: section.services, middlewares: 'middlewares' in section ? section.middlewares : {} };
    for (const [kind, what] of [['routers', 'router'], ['services', 'service'], ['middlewares', 'middleware']] as const) {
      for (const name of Object.keys(kinds[kind])) {
        issues.push({
          severity: 'warning',
          code: 'PE_NOT_IMPLEMENTED',
          path: [key, kind, name],
          message: `${key}.${kind}.${name}: ${key.toUpperCase()} ${what}s are not implemented yet in pe-edge; ${what} "${name}" is ignored`,
        });
      }
    }
  }
  return issues;
}

/** The container declares a TCP or UDP router or service (Traefik then builds no default HTTP router for it). */
export function declaresTcpOrUdp(config: { tcp?: unknown; udp?: unknown }): boolean {
  return [config.tcp, config.udp].some((section) => isPlainObject(section)
    && Object.entries(section).some(([kind, items]) => ['routers', 'services'].includes(kind.toLowerCase()) && isPlainObject(items) && Object.keys(items).length > 0));
}
