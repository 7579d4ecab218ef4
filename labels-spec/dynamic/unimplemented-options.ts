// Keys of later Traefik v3 lines that pe-edge accepts (so a file or label written for them loads)
// but does not act on yet: each is warned about by name when set, never silently without effect.
import { notImplemented, type ConfigIssue, type IssuePath as Path } from '../issues.js';
import type { Middleware } from './middlewares/index.js';
import type { Router } from './routers.js';
import type { Service } from './services/index.js';
import type { ServersTransport } from './servers-transports.js';
import type { TcpServersTransport } from './tcp/index.js';

// Every service option of Traefik v3.7 is implemented; a later one goes here.
const UNIMPLEMENTED_SERVICE: Readonly<Record<string, readonly string[]>> = {};

const UNIMPLEMENTED_TRANSPORT = ['spiffe'] as const;

const UNIMPLEMENTED: Readonly<Record<string, readonly string[]>> = {
  retry: ['timeout', 'maxRequestBodyBytes', 'status', 'disableRetryOnNetworkError', 'retryNonIdempotentMethod'],
};

// What a user of the key needs to hear beyond "ignored".
const WHAT_INSTEAD: Readonly<Record<string, string>> = {};

// go-redis connection-pool sizes: pe-edge's client (ioredis) pipelines every command over one connection per endpoint.
const REDIS_POOL_KEYS = ['poolSize', 'minIdleConns', 'maxActiveConns'] as const;
const REDIS_POOL = 'without effect in pe-edge, whose Redis client sends every command over one pipelined connection per endpoint (no pool to size); ignored';

// go-redis's deadline for writing a command; ioredis writes without one, and readTimeout bounds the whole call.
const REDIS_WRITE_TIMEOUT = 'without effect in pe-edge: a call to Redis is bounded by readTimeout from the moment it is sent to its answer; ignored';

function redisPoolOptions(m: Middleware, path: Path, name: string): ConfigIssue[] {
  const redis = 'rateLimit' in m ? m.rateLimit.redis : undefined;
  if (redis === undefined) return [];
  const at = (k: string): Path => [...path, 'rateLimit', 'redis', k];
  const out = REDIS_POOL_KEYS.filter((k) => redis[k] !== undefined).map((k) => notImplemented(at(k), { kind: 'middleware', name }, REDIS_POOL));
  if (redis.writeTimeout !== undefined) out.push(notImplemented(at('writeTimeout'), { kind: 'middleware', name }, REDIS_WRITE_TIMEOUT));
  return out;
}

/** A warning per listed key set in the options of `typed`'s one type (a middleware or a service). */
function typedOptionsNotImplemented(
  typed: object, table: Readonly<Record<string, readonly string[]>>, path: Path, item: NonNullable<ConfigIssue['item']>,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const [type, keys] of Object.entries(table)) {
    const options = (typed as Record<string, Record<string, unknown> | undefined>)[type];
    if (options === undefined) continue;
    for (const key of keys) if (options[key] !== undefined) out.push(notImplemented([...path, type, key], item, WHAT_INSTEAD[`${type}.${key}`]));
  }
  return out;
}

export function middlewareOptionsNotImplemented(m: Middleware, path: Path, name: string): ConfigIssue[] {
  return [...typedOptionsNotImplemented(m, UNIMPLEMENTED, path, { kind: 'middleware', name }), ...redisPoolOptions(m, path, name)];
}

export function serviceOptionsNotImplemented(s: Service, path: Path, name: string): ConfigIssue[] {
  return typedOptionsNotImplemented(s, UNIMPLEMENTED_SERVICE, path, { kind: 'service', name });
}

/**
 * spiffe asks that the server prove a SPIFFE identity (ids, trustDomain) through a Workload API agent. Ignored, the
 * transport would trust what its other TLS settings trust (insecureSkipVerify: anything), where Traefik refuses the
 * transport when SPIFFE is not set up: so it is an error wherever a transport names it (HTTP and TCP, dynamic and
 * static). A dynamic transport is left out with its services; a static one stops pe-edge from starting.
 */
export function spiffeRefused(path: Path, item: ConfigIssue['item']): ConfigIssue {
  const text = 'not implemented in pe-edge (it needs a SPIFFE Workload API agent on the host); refused rather than trusting servers its SPIFFE identities would refuse';
  return { ...notImplemented(path, item, text), severity: 'error' };
}

export function serversTransportOptionsNotImplemented(t: ServersTransport, path: Path, name: string): ConfigIssue[] {
  return UNIMPLEMENTED_TRANSPORT.filter((k) => t[k] !== undefined).map((k) => spiffeRefused([...path, k], { kind: 'serversTransport', name }));
}

export function routerOptionsNotImplemented(r: Router, path: Path, name: string): ConfigIssue[] {
  if (r.observability?.traceVerbosity === undefined) return [];
  return [notImplemented([...path, 'observability', 'traceVerbosity'], { kind: 'router', name })];
}

export function tcpServersTransportOptionsNotImplemented(t: TcpServersTransport, path: Path, name: string): ConfigIssue[] {
  return t.tls?.spiffe === undefined ? [] : [spiffeRefused([...path, 'tls', 'spiffe'], { kind: 'tcpServersTransport', name })];
}
