// ioredis options from `redisStorage`: the endpoint, ACL user, db, TLS and timeouts, with commands that fail at once
// while the server is away (nothing waits on a reconnecting client) and reconnects that back off to 5 s.
import type { RedisOptions } from 'ioredis';
import type { AcmeRedisStorage } from '../../labels-spec/static/redis-storage.js';
import { redisTlsOptions } from '../../proxy/middlewares/traffic/redis-link.js';

/** The longest wait between two reconnect attempts while Redis is away. */
export const RECONNECT_MAX_MS = 5000;

/** `host:port`, `[v6]:port`, or a host alone (port 6379). Throws naming the field. */
export function parseRedisEndpoint(endpoint: string, field: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(endpoint);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(endpoint);
  const match = bracketed ?? plain;
  const host = match?.[1];
  const port = Number(match?.[2] ?? 6379);
  if (host === undefined || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${field}: "${endpoint}" is not host:port`);
  }
  return { host, port };
}

/**
 * Throws an Error naming `field` (e.g. `certificatesResolvers.le.acme.redisStorage`) when the endpoint or a TLS file
 * cannot be used. `offlineQueue`: a subscriber queues its SUBSCRIBE until connected; a command client does not.
 */
export function redisOptions(config: AcmeRedisStorage, field: string, offlineQueue: boolean): RedisOptions {
  const endpoint = config.endpoints[0] ?? 'localhost:6379';
  const { host, port } = parseRedisEndpoint(endpoint, `${field}.endpoints`);
  return {
    host,
    port,
    ...(config.username !== '' ? { username: config.username } : {}),
    ...(config.password !== '' ? { password: config.password } : {}),
    db: config.db,
    ...(config.tls !== undefined ? { tls: { ...redisTlsOptions(config.tls, `${field}.tls`), servername: host } } : {}),
    connectTimeout: config.dialTimeout,
    commandTimeout: Math.max(config.readTimeout, config.writeTimeout),
    lazyConnect: true,
    enableOfflineQueue: offlineQueue,
    maxRetriesPerRequest: offlineQueue ? null : 0,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 6), RECONNECT_MAX_MS),
  };
}

/** `host:port` as logged. */
export function redisEndpointLabel(config: AcmeRedisStorage): string {
  return config.endpoints[0] ?? 'localhost:6379';
}
