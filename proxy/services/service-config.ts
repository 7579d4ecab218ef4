import type { UpstreamTransport } from '../forward/upstream-transport.js';
import type { Handler } from '../http/request-context.js';
import type { HealthCheckOptions } from './health/active-health-check.js';
import type { PassiveHealthOptions } from './passive-health.js';
import type { StickyCookieOptions } from './sticky-cookie.js';

// The parts of labels-spec's validated service model the proxy reads. Declared structurally here so
// the request path depends on what it uses, not on the whole schema.

export interface ServerConfig {
  url: string;
  weight?: number | undefined;
  preservePath?: boolean | undefined;
}

export interface LoadBalancerConfig {
  servers?: ServerConfig[] | undefined;
  passHostHeader?: boolean | undefined;
  serversTransport?: string | undefined;
  healthCheck?: HealthCheckOptions | null | undefined;
  passiveHealthCheck?: PassiveHealthOptions | null | undefined;
  sticky?: { cookie?: StickyCookieOptions | null | undefined } | null | undefined;
  strategy?: string | undefined;
  /** flushInterval in ms (labels-spec's duration). */
  responseForwarding?: { flushInterval?: number | undefined } | undefined;
}

export interface WeightedConfig {
  services?: { name: string; weight?: number | undefined }[] | undefined;
  sticky?: { cookie?: StickyCookieOptions | null | undefined } | null | undefined;
  healthCheck?: object | null | undefined;
}

export interface MirroringConfig {
  service: string;
  mirrors?: { name: string; percent?: number | undefined }[] | undefined;
  mirrorBody?: boolean | undefined;
  /** Bodies over it are not mirrored; default -1, no limit. */
  maxBodySize?: number | undefined;
  healthCheck?: object | null | undefined;
}

export interface FailoverConfig {
  service: string;
  fallback: string;
  healthCheck?: object | null | undefined;
  /** v3.7: answers of the main service to fail over on; a body is held up to maxRequestBodyBytes (negative: no limit). */
  errors?: { status?: string[] | undefined; maxRequestBodyBytes?: number | undefined } | null | undefined;
}

export interface HighestRandomWeightConfig {
  services?: { name: string; weight?: number | undefined }[] | undefined;
  healthCheck?: object | null | undefined;
}

export interface ServiceConfig {
  /** v3.7: middlewares every request to this service runs through, after its router's. */
  middlewares?: readonly string[] | undefined;
  loadBalancer?: LoadBalancerConfig | undefined;
  weighted?: WeightedConfig | undefined;
  mirroring?: MirroringConfig | undefined;
  failover?: FailoverConfig | undefined;
  highestRandomWeight?: HighestRandomWeightConfig | undefined;
}

/**
 * Wraps a built service in its `middlewares` (names relative to the service's provider); the error that
 * disables the service when one is missing or broken.
 */
export type ServiceMiddlewares = (serviceName: string, names: readonly string[], service: Handler) => Handler | Error;

/** Resolves a (qualified) serversTransport name; undefined when it does not exist. */
export type TransportLookup = (name: string) => UpstreamTransport | undefined;
