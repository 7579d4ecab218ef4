// tcp.services.<name>: a load balancer over `host:port` servers, or weighted round robin over other TCP services.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { oneOf } from '../../schema/one-of.js';
import { bool, int, listOf, nonEmptyStr, str } from '../../schema/scalars.js';
import { duration } from '../../duration.js';
import { propagatedHealthCheck } from '../services/health-check.js';

/** PROXY protocol header sent to the server; Traefik's default version is 2. */
export const proxyProtocol = strictObject({
  version: int.pipe(z.number().refine((v) => v === 1 || v === 2, 'proxyProtocol.version must be 1 or 2')).default(2),
});

export const tcpServer = strictObject({
  // `host:port`; label providers fill it from the container's address and `port`.
  address: nonEmptyStr,
  // Connect to the server over TLS (the serversTransport's tls settings apply).
  tls: bool.default(false),
});

/** v3.4+: active TCP health check (connect, optionally send/expect a payload). */
export const tcpServerHealthCheck = strictObject({
  port: int.optional(),
  send: str.optional(),
  expect: str.optional(),
  interval: duration.default('30s'),
  unhealthyInterval: duration.optional(),
  timeout: duration.default('5s'),
});

export const tcpLoadBalancer = strictObject({
  servers: listOf(tcpServer).default([]),
  serversTransport: str.optional(),
  // Deprecated in v3 for serversTransport.proxyProtocol / terminationDelay; still honoured by Traefik.
  proxyProtocol: proxyProtocol.optional(),
  terminationDelay: int.optional(),
  healthCheck: tcpServerHealthCheck.optional(),
});

export const tcpWeighted = strictObject({
  services: listOf(strictObject({ name: nonEmptyStr, weight: int.default(1) })).default([]),
  healthCheck: propagatedHealthCheck.optional(),
});

export const tcpServiceRegistry = { loadBalancer: tcpLoadBalancer, weighted: tcpWeighted } as const;
export const tcpServiceSchema = oneOf('TCP service', tcpServiceRegistry);

export type ProxyProtocol = z.output<typeof proxyProtocol>;
export type TcpServer = z.output<typeof tcpServer>;
export type TcpServerHealthCheck = z.output<typeof tcpServerHealthCheck>;
export type TcpLoadBalancer = z.output<typeof tcpLoadBalancer>;
export type TcpWeighted = z.output<typeof tcpWeighted>;
export type TcpService = z.output<typeof tcpServiceSchema>;
