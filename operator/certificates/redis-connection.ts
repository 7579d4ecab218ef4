// ioredis options from `redisStorage`: the endpoint, ACL user, db, TLS and timeouts, with commands that fail at once
// while the server is away (nothing waits on a reconnecting client) and reconnects that back off to 5 s.
import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import type { AcmeRedisStorage, RedisClientTls } from '../../labels-spec/static/redis-storage.js';

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

/** A PEM given inline, or the file holding it (Traefik's ClientTLS reads either). */
function pemOrFile(value: string, field: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new Error(`${field}: unable to read ${value}: ${(err as Error).message}`);
  }
}

function tlsOptions(tls: RedisClientTls, host: string, field: string): NonNullable<RedisOptions['tls']> {
  if ((tls.cert === '') !== (tls.key === '')) throw new Error(`${field}: cert and key go together`);
  return {
    ...(tls.ca !== '' ? { ca: pemOrFile(tls.ca, `${field}.ca`) } : {}),
    ...(tls.cert !== '' ? { cert: pemOrFile(tls.cert, `${field}.cert`), key: pemOrFile(tls.key, `${field}.key`) } : {}),
    rejectUnauthorized: !tls.insecureSkipVerify,
    servername: host,
  };
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
    ...(config.tls !== undefined ? { tls: tlsOptions(config.tls, host, `${field}.tls`) } : {}),
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
