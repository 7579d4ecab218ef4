// A service has exactly one of loadBalancer, weighted, mirroring, failover, highestRandomWeight.
import type { z } from 'zod';
import { oneOf } from '../../schema/one-of.js';
import { failover } from './failover.js';
import { highestRandomWeight } from './highest-random-weight.js';
import { loadBalancer } from './load-balancer.js';
import { mirroring } from './mirroring.js';
import { weighted } from './weighted.js';

export const serviceRegistry = { loadBalancer, weighted, mirroring, failover, highestRandomWeight } as const;
export type ServiceType = keyof typeof serviceRegistry;
export const serviceTypes = Object.keys(serviceRegistry) as readonly ServiceType[];

export const serviceSchema = oneOf('service', serviceRegistry);
export type Service = z.output<typeof serviceSchema>;

export { loadBalancer, server, type LoadBalancer, type Server } from './load-balancer.js';
export { weighted, type Weighted } from './weighted.js';
export { mirroring, type Mirroring } from './mirroring.js';
export { failover, type Failover } from './failover.js';
export { highestRandomWeight, type HighestRandomWeight } from './highest-random-weight.js';
export { healthCheck, passiveHealthCheck, type HealthCheck, type PassiveHealthCheck } from './health-check.js';
export { sticky, stickyCookie, type Sticky, type StickyCookie } from './sticky.js';
