import type { UdpRouter, UdpService } from '../../labels-spec/dynamic/tcp/index.js';

/** The merged `udp` section a runtime is built from, every name qualified (`dns@file`). */
export interface UdpSection {
  readonly routers: Readonly<Record<string, UdpRouter>>;
  readonly services: Readonly<Record<string, UdpService>>;
}

export const NO_UDP: UdpSection = { routers: {}, services: {} };
