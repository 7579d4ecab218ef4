// The validated dynamic configuration: every map present, bad items left out.
import type { Middleware } from './middlewares/index.js';
import type { Router } from './routers.js';
import type { Service } from './services/index.js';
import type { ServersTransport } from './servers-transports.js';
import type { TlsOptions } from './tls-options.js';
import type { TlsCertificate, TlsStore } from './tls-stores.js';
import type { TcpConfig, UdpConfig } from './tcp/index.js';

export interface HttpConfig {
  routers: Record<string, Router>;
  services: Record<string, Service>;
  middlewares: Record<string, Middleware>;
  serversTransports: Record<string, ServersTransport>;
}

export interface TlsConfig {
  certificates: TlsCertificate[];
  options: Record<string, TlsOptions>;
  stores: Record<string, TlsStore>;
}

export interface DynamicConfig {
  http: HttpConfig;
  tls: TlsConfig;
  tcp: TcpConfig;
  udp: UdpConfig;
}

export function emptyDynamicConfig(): DynamicConfig {
  return {
    http: { routers: {}, services: {}, middlewares: {}, serversTransports: {} },
    tls: { certificates: [], options: {}, stores: {} },
    tcp: { routers: {}, services: {}, middlewares: {}, serversTransports: {} },
    udp: { routers: {}, services: {} },
  };
}
