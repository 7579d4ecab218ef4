// Active and (v3.6) passive health checks; Traefik replaces non-positive interval/timeout by defaults.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, str, strMap } from '../../schema/scalars.js';
import { duration } from '../../duration.js';

/** Traefik's active health check defaults (HTTP and TCP), ms: what an unset or non-positive interval/timeout becomes. */
export const HEALTH_CHECK_INTERVAL_MS = 30_000;
export const HEALTH_CHECK_TIMEOUT_MS = 5_000;

function positiveOr(fallbackMs: number) {
  return (ms: number): number => (ms <= 0 ? fallbackMs : ms);
}

export const healthCheck = strictObject({
  path: str.optional(),
  scheme: str.optional(),
  mode: z.enum(['http', 'grpc']).default('http'),
  hostname: str.optional(),
  port: int.optional(),
  interval: duration.default('30s').transform(positiveOr(HEALTH_CHECK_INTERVAL_MS)),
  // v3.5: probe interval while a server is down; unset means `interval`, non-positive Traefik's default interval
  // (not `interval`), else a DOWN server would be probed again the moment its probe ends.
  unhealthyInterval: duration.transform(positiveOr(HEALTH_CHECK_INTERVAL_MS)).optional(),
  timeout: duration.default('5s').transform(positiveOr(HEALTH_CHECK_TIMEOUT_MS)),
  headers: strMap.default({}),
  followRedirects: bool.default(true),
  method: str.default(''),
  status: int.default(0),
});

export const passiveHealthCheck = strictObject({
  failureWindow: duration.default('10s'),
  maxFailedAttempts: int.pipe(z.number().min(1, 'maxFailedAttempts must be >= 1')).default(1),
});

/** `healthCheck: {}` on weighted/mirroring/failover only propagates child status. */
export const propagatedHealthCheck = strictObject({});

export type HealthCheck = z.output<typeof healthCheck>;
export type PassiveHealthCheck = z.output<typeof passiveHealthCheck>;
