// A service has exactly one of loadBalancer, weighted, mirroring, failover, highestRandomWeight, and may list middlewares beside it (v3.7).
import { z } from 'zod';
import { oneOf, type OneOf } from '../../schema/one-of.js';
import { strList } from '../../schema/scalars.js';
import { isPlainObject, strictObject } from '../../schema/strict-object.js';
import { failover } from './failover.js';
import { highestRandomWeight } from './highest-random-weight.js';
import { loadBalancer } from './load-balancer.js';
import { mirroring } from './mirroring.js';
import { weighted } from './weighted.js';

export const serviceRegistry = { loadBalancer, weighted, mirroring, failover, highestRandomWeight } as const;
export type ServiceType = keyof typeof serviceRegistry;
export const serviceTypes = Object.keys(serviceRegistry) as readonly ServiceType[];

/** Keys a service has beside its type (Traefik's Service struct: `middlewares` is not a type). */
export const serviceCommon = strictObject({
  // v3.7: applied to every request the service handles, whichever router (or parent service) sent it.
  middlewares: strList.optional(),
});

const typed = oneOf('service', serviceRegistry);
type Typed = OneOf<typeof serviceRegistry>;
export type Service = Typed & { middlewares?: string[] | undefined };

/** Parses `schema` into `ctx`, every issue under `prefix`; undefined when it failed. */
function parsePart<S extends z.ZodTypeAny>(schema: S, raw: unknown, prefix: (string | number)[], ctx: z.RefinementCtx): z.output<S> | undefined {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data as z.output<S>;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [...prefix, ...issue.path] } as z.IssueData);
  return undefined;
}

export const serviceSchema: z.ZodType<Service, z.ZodTypeDef, unknown> = z.unknown().transform((raw, ctx): Service => {
  const key = isPlainObject(raw) ? Object.keys(raw).find((k) => k.toLowerCase() === 'middlewares') : undefined;
  if (key === undefined || !isPlainObject(raw)) return parsePart(typed, raw, [], ctx) ?? z.NEVER;
  const { [key]: names, ...rest } = raw;
  const common = parsePart(serviceCommon, { middlewares: names }, [], ctx);
  const service = parsePart(typed, rest, [], ctx);
  if (common === undefined || service === undefined) return z.NEVER;
  return { ...(common.middlewares !== undefined ? { middlewares: common.middlewares } : {}), ...service };
});

export { loadBalancer, server, type LoadBalancer, type Server } from './load-balancer.js';
export { weighted, type Weighted } from './weighted.js';
export { mirroring, type Mirroring } from './mirroring.js';
export { failover, type Failover } from './failover.js';
export { highestRandomWeight, type HighestRandomWeight } from './highest-random-weight.js';
export { healthCheck, passiveHealthCheck, type HealthCheck, type PassiveHealthCheck } from './health-check.js';
export { sticky, stickyCookie, type Sticky, type StickyCookie } from './sticky.js';
