// The validated TCP and UDP sections of the dynamic configuration (Traefik's TCPConfiguration, UDPConfiguration).
import type { TcpMiddleware } from './middlewares.js';
import type { TcpRouter } from './routers.js';
import type { TcpService } from './services.js';
import type { TcpServersTransport } from './servers-transports.js';
import type { UdpRouter, UdpService } from './udp.js';

export interface TcpConfig {
  routers: Record<string, TcpRouter>;
  services: Record<string, TcpService>;
  middlewares: Record<string, TcpMiddleware>;
  serversTransports: Record<string, TcpServersTransport>;
}

export interface UdpConfig {
  routers: Record<string, UdpRouter>;
  services: Record<string, UdpService>;
}

export { tcpRouterSchema, tcpRouterTls, type TcpRouter, type TcpRouterTls } from './routers.js';
export { tcpServiceSchema, tcpServiceRegistry, tcpLoadBalancer, tcpWeighted, tcpServer, tcpServerHealthCheck, proxyProtocol,
  type TcpService, type TcpLoadBalancer, type TcpWeighted, type TcpServer, type TcpServerHealthCheck, type ProxyProtocol } from './services.js';
export { tcpMiddlewareSchema, tcpMiddlewareRegistry, type TcpMiddleware } from './middlewares.js';
export { tcpServersTransportSchema, type TcpServersTransport } from './servers-transports.js';
export { udpRouterSchema, udpServiceSchema, udpServiceRegistry, type UdpRouter, type UdpService, type UdpLoadBalancer } from './udp.js';
