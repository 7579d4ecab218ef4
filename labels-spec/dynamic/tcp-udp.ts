// TCP and UDP sections are validated (tcp/) and routed (proxy/tcp, proxy/udp).
import { isPlainObject } from '../schema/strict-object.js';

/** The container declares a TCP or UDP router or service (Traefik then builds no default HTTP router for it). */
export function declaresTcpOrUdp(config: { tcp?: unknown; udp?: unknown }): boolean {
  return [config.tcp, config.udp].some((section) => isPlainObject(section)
    && Object.entries(section).some(([kind, items]) => ['routers', 'services'].includes(kind.toLowerCase()) && isPlainObject(items) && Object.keys(items).length > 0));
}
