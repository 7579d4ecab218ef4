// TCP and UDP sections: kept as written (pe-edge does not route them yet), with one warning per
// router, service and middleware naming it, so a user sees each thing that will not be served.
import { invalid, notImplemented, type ConfigIssue } from '../issues.js';
import { isPlainObject } from '../schema/strict-object.js';

const ITEM_KINDS: Readonly<Record<string, string>> = { routers: 'router', services: 'service', middlewares: 'middleware' };

export function tcpUdpSection(raw: unknown, key: 'tcp' | 'udp', issues: ConfigIssue[]): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  if (raw !== null && !isPlainObject(raw)) {
    issues.push(invalid([key], 'expected an object'));
    return undefined;
  }
  const section = raw ?? {};
  const protocol = key.toUpperCase();
  for (const [kind, items] of Object.entries(section)) {
    const what = ITEM_KINDS[kind.toLowerCase()];
    if (what === undefined || !isPlainObject(items)) {
      issues.push(notImplemented([key, kind]));
      continue;
    }
    for (const name of Object.keys(items)) {
      issues.push({
        severity: 'warning',
        code: 'PE_NOT_IMPLEMENTED',
        path: [key, kind, name],
        message: `${key}.${kind}.${name}: ${protocol} ${what}s are not implemented yet in pe-edge; ${what} "${name}" is ignored`,
      });
    }
  }
  return section;
}

/** The container declares a TCP or UDP router or service (Traefik then builds no default HTTP router for it). */
export function declaresTcpOrUdp(config: { tcp?: unknown; udp?: unknown }): boolean {
  return [config.tcp, config.udp].some((section) => isPlainObject(section)
    && Object.entries(section).some(([kind, items]) => ['routers', 'services'].includes(kind.toLowerCase()) && isPlainObject(items) && Object.keys(items).length > 0));
}
