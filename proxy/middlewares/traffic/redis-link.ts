import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as IoRedis from 'ioredis';
import type { Cluster, Redis, RedisOptions as IoRedisOptions } from 'ioredis';
import { splitHostPort } from '../../http/host-port.js';
import { describePemSource, readPemSource } from '../../tls/pem-source.js';
import { timerMs } from '../../timer-bounds.js';

/** rateLimit.redis as labels-spec outputs it (durations in milliseconds); Traefik's defaults are applied here. */
export interface RedisOptions {
  endpoints?: string[] | undefined;
  username?: string | undefined;
  password?: string | undefined;
  db?: number | undefined;
  tls?: RedisClientTlsConfig | undefined;
  readTimeout?: number | undefined;
  dialTimeout?: number | undefined;
}

/** What a Redis-backed limiter reports; the operator turns it into log lines and a metric. */
export interface RedisLimitEvents {
  /** One call failed (error, timeout): its request was answered 500, as Traefik answers it. */
  failed(middleware: string): void;
  /** An outage began for this middleware (`error` set) or ended (`error` null): once each, never per request. */
  outage(middleware: string, endpoint: string, error: Error | null): void;
}

export const quietRedisEvents: RedisLimitEvents = { failed: () => undefined, outage: () => undefined };

/** Traefik's defaults (dynamic.Redis.SetDefaults). */
const DEFAULT_ENDPOINT = 'localhost:6379';
const DEFAULT_READ_MS = 3000;
const DEFAULT_DIAL_MS = 5000;
/** Reconnection attempts back off to this, and go on for as long as Redis is gone. */
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * Traefik's token bucket script (pkg/middlewares/ratelimiter/lua.go), one bucket per key, in Redis, with one change:
 * the time is Redis's (TIME), not the caller's ARGV[4]. The script moves `last` back to an earlier caller time without
 * counting the difference, so with each replica's own clock a client alternating between two replicas S seconds
 * apart gained S seconds of tokens per pair of requests (20 ms of skew let a 100/s limit pass everything). ARGV[4] is
 * still sent, as Traefik sends it. replicate_commands lets a script write after TIME on Redis before 5 (a no-op since).
 */
export const TOKEN_BUCKET_LUA = `
redis.replicate_commands()
local key = KEYS[1]
local now = redis.call('time')
local limit, burst, ttl, t, max_delay = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
    tonumber(now[1]) * 1000000 + tonumber(now[2]), tonumber(ARGV[5])

local bucket = {
    limit = limit,
    burst = burst,
    tokens = 0,
    last = 0
}

local rl_source = redis.call('hgetall', key)

if table.maxn(rl_source) == 4 then
    -- Get bucket state from redis
    bucket.last = tonumber(rl_source[2])
    bucket.tokens = tonumber(rl_source[4])
end

local last = bucket.last
if t < last then
    last = t
end

local elapsed = t - last
local delta = bucket.limit * elapsed
local tokens = bucket.tokens + delta
tokens = math.min(tokens, bucket.burst)
tokens = tokens - 1

local wait_duration = 0
if tokens < 0 then
    wait_duration = (tokens * -1) / bucket.limit
    if wait_duration > max_delay then
        tokens = tokens + 1
        tokens = math.min(tokens, burst)
    end
end

redis.call('hset', key, 'last', t, 'tokens', tokens)
redis.call('expire', key, ttl)

return {tostring(true), tostring(wait_duration), tostring(tokens)}`;

const TOKEN_BUCKET_SHA = createHash('sha1').update(TOKEN_BUCKET_LUA).digest('hex');

/**
 * ioredis, loaded with the first `redis` configuration: loading it costs about as much as starting node, which every
 * pe-edge without `rateLimit.redis` (and every `pe-edge check`, `version`, `healthcheck`) would otherwise pay.
 */
let ioredis: typeof IoRedis | undefined;
function loadIoredis(): typeof IoRedis {
  ioredis ??= createRequire(import.meta.url)('ioredis') as typeof IoRedis;
  return ioredis;
}

/** The script's arguments, in Traefik's units: tokens per microsecond, seconds, microseconds. */
export interface BucketCall {
  ratePerMicrosecond: number;
  burst: number;
  ttlSeconds: number;
  nowMicroseconds: number;
  maxDelayMicroseconds: number;
}

/**
 * One Redis client for one `redis` configuration, shared by every rateLimit that names the same one.
 * Several endpoints make a Redis Cluster client, as go-redis's UniversalClient does for Traefik.
 * Calls fail fast while the client is disconnected (no offline queue, no retries) and never wait longer than
 * readTimeout, even when it is 0 (go-redis's "no timeout": Traefik's request would wait on a stuck Redis for as
 * long as its client does); the client reconnects on its own, for as long as it takes.
 */
export class RedisLink {
  /** The endpoints as configured, for log lines. */
  readonly endpoint: string;
  private readonly client: Redis | Cluster;
  /** Settles once the first connection attempt ends, either way: until then a call waits for it (bounded). */
  private readonly firstAttempt: Promise<void>;
  private firstAttemptOver = false;
  /** Released by its last rateLimit: calls still under way fail quietly (a reload is no outage). */
  private closed = false;
  private readonly timeoutMs: number;
  /** Middlewares whose last call failed: their outage has been reported. */
  private readonly down = new Set<string>();

  constructor(options: RedisOptions, private readonly events: RedisLimitEvents) {
    const endpoints = options.endpoints !== undefined && options.endpoints.length > 0 ? options.endpoints : [DEFAULT_ENDPOINT];
    this.endpoint = endpoints.join(',');
    // Traefik: a timeout <= 0 means none; pe-edge never lets a request wait on Redis unbounded.
    const positive = (ms: number | undefined, fallback: number): number => (ms !== undefined && ms > 0 ? ms : fallback);
    // From the moment a call is sent to its answer (ioredis has no separate write deadline: writeTimeout is warned about).
    this.timeoutMs = positive(options.readTimeout, DEFAULT_READ_MS);
    const common: IoRedisOptions = {
      username: options.username || undefined,
      password: options.password || undefined,
      db: options.db ?? 0,
      connectTimeout: positive(options.dialTimeout, DEFAULT_DIAL_MS),
      commandTimeout: this.timeoutMs,
      maxRetriesPerRequest: 0,
      ...(options.tls !== undefined ? { tls: redisTlsOptions(options.tls, 'redis.tls') } : {}),
    };
    const retry = (times: number): number => Math.min(100 * times, MAX_RECONNECT_DELAY_MS);
    const { Cluster: ClusterClient, Redis: RedisClient } = loadIoredis();
    if (endpoints.length > 1) {
      // Redis Cluster has one database (SELECT is refused there): `db` is left out, as go-redis's cluster client ignores it.
      this.client = new ClusterClient(endpoints.map(hostPort), { redisOptions: { ...common, db: 0 }, enableOfflineQueue: false, clusterRetryStrategy: retry });
    } else {
      this.client = new RedisClient({ ...hostPort(endpoints[0] as string), ...common, enableOfflineQueue: false, retryStrategy: retry });
    }
    // Connection errors are reported per middleware through the calls that fail; an unheard 'error' would end the process.
    this.client.on('error', () => undefined);
    this.firstAttempt = new Promise<void>((resolve) => {
      this.client.once('ready', resolve);
      this.client.once('close', resolve);
      this.client.once('end', resolve);
    }).then(() => {
      this.firstAttemptOver = true;
    });
  }

  /** Runs Traefik's script for `key`; resolves with the wait in microseconds, rejects when Redis did not answer in time. */
  async tokenBucket(key: string, call: BucketCall): Promise<number> {
    if (!this.firstAttemptOver) await this.settled(this.firstAttempt);
    const args = [call.ratePerMicrosecond, call.burst, call.ttlSeconds, call.nowMicroseconds, call.maxDelayMicroseconds];
    let reply: unknown;
    try {
      reply = await this.client.evalsha(TOKEN_BUCKET_SHA, 1, key, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      reply = await this.client.eval(TOKEN_BUCKET_LUA, 1, key, ...args);
    }
    const wait = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
    if (!Number.isFinite(wait)) throw new Error(`unexpected answer from the token bucket script: ${JSON.stringify(reply)}`);
    return wait;
  }

  /** A call of `middleware` succeeded: an outage it was in has ended. */
  succeeded(middleware: string): void {
    if (this.down.delete(middleware)) this.events.outage(middleware, this.endpoint, null);
  }

  /** A call of `middleware` failed: counted every time, reported once per outage. */
  failed(middleware: string, error: Error): void {
    if (this.closed) return;
    this.events.failed(middleware);
    if (this.down.has(middleware)) return;
    this.down.add(middleware);
    this.events.outage(middleware, this.endpoint, error);
  }

  /**
   * QUIT, which Redis answers after the calls already sent: a reload that drops this configuration answers its
   * requests in flight (a call cut here would be their 500). Not connected, or no answer within the call timeout: cut.
   */
  close(): void {
    this.closed = true;
    this.client.quit().catch(() => this.client.disconnect());
  }

  /** Waits for `promise` at most the call timeout (the first connection may still be under way). */
  private settled(promise: Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timerMs(this.timeoutMs));
      void promise.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** An endpoint the schema checked is `host:port` (labels-spec rate-limit.ts): its parts, IPv6 brackets removed. */
function hostPort(endpoint: string): { host: string; port: number } {
  const split = splitHostPort(endpoint);
  return typeof split === 'string' ? { host: endpoint, port: NaN } : { host: split.host, port: Number(split.port) };
}

/** A Redis client's TLS as Traefik's ClientTLS: ca, cert and key, each a path or PEM text. */
export interface RedisClientTlsConfig {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  insecureSkipVerify?: boolean | undefined;
}

/**
 * ioredis's TLS options from Traefik's ClientTLS (rateLimit.redis.tls, an ACME resolver's redisStorage.tls): the cert
 * needs its key; a file that cannot be read is an error naming `field` (e.g. `redis.tls`).
 */
export function redisTlsOptions(tls: RedisClientTlsConfig, field: string): NonNullable<IoRedisOptions['tls']> {
  const cert = tls.cert ?? '';
  const key = tls.key ?? '';
  if ((cert === '') !== (key === '')) throw new Error(`${field}: both TLS cert and key must be defined`);
  const read = (value: string, part: string): string => {
    try {
      return readPemSource(value);
    } catch (err) {
      throw new Error(`${field}.${part}: unable to read ${describePemSource(value)}: ${(err as Error).message}`);
    }
  };
  return {
    ...(tls.ca !== undefined && tls.ca !== '' ? { ca: read(tls.ca, 'ca') } : {}),
    ...(cert !== '' ? { cert: read(cert, 'cert'), key: read(key, 'key') } : {}),
    rejectUnauthorized: tls.insecureSkipVerify !== true,
  };
}

/**
 * The Redis clients of every rateLimit with `redis` options, one per distinct configuration, carried across
 * reloads: each build acquires what it uses, and the clients nobody acquired are closed after the swap.
 */
export class RedisConnections {
  private readonly links = new Map<string, RedisLink>();
  private generation = new Set<string>();

  constructor(private readonly events: RedisLimitEvents = quietRedisEvents) {}

  beginBuild(): void {
    this.generation = new Set();
  }

  /** The client for `options`; throws (naming the option) when it cannot be made, e.g. an unreadable TLS file. */
  acquire(options: RedisOptions): RedisLink {
    // labels-spec outputs keys in its schema's order: equal configurations give equal keys.
    const key = JSON.stringify(options);
    this.generation.add(key);
    let link = this.links.get(key);
    if (link === undefined) {
      link = new RedisLink(options, this.events);
      this.links.set(key, link);
    }
    return link;
  }

  releaseUnused(): void {
    for (const [key, link] of this.links) {
      if (this.generation.has(key)) continue;
      link.close();
      this.links.delete(key);
    }
  }

  closeAll(): void {
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }

  get size(): number {
    return this.links.size;
  }
}
