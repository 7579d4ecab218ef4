// udp.routers and udp.services: UDP has no rule; a router binds an entrypoint to a service.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { oneOf } from '../../schema/one-of.js';
import { int, listOf, nonEmptyStr, str, strList } from '../../schema/scalars.js';

export const udpRouterSchema = strictObject({
  entryPoints: strList.optional(),
  // Optional: label providers assign a service when a container defines exactly one.
  service: str.optional(),
});

export const udpLoadBalancer = strictObject({
  servers: listOf(strictObject({ address: nonEmptyStr })).default([]),
});

export const udpWeighted = strictObject({
  services: listOf(strictObject({ name: nonEmptyStr, weight: int.default(1) })).default([]),
});

export const udpServiceRegistry = { loadBalancer: udpLoadBalancer, weighted: udpWeighted } as const;
export const udpServiceSchema = oneOf('UDP service', udpServiceRegistry);

export type UdpRouter = z.output<typeof udpRouterSchema>;
export type UdpLoadBalancer = z.output<typeof udpLoadBalancer>;
export type UdpService = z.output<typeof udpServiceSchema>;
