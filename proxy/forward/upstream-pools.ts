import { DeferredPool } from './deferred-pool.js';
import { createUpstreamPool, transportKey, type UpstreamPool, type UpstreamTransport } from './upstream-transport.js';

/**
 * Keep-alive pools keyed by origin + transport settings, carried from one runtime to the next.
 * A build marks the pools it uses; pools no build uses any more are closed once their requests finish.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, UpstreamPool>();
  private generation = new Set<string>();

  /** Starts the set of pools the next runtime uses. */
  beginBuild(): void {
    this.generation = new Set();
  }

  acquire(origin: string, transport: UpstreamTransport): UpstreamPool {
    const key = `${origin} ${this.transportId(transport)}`;
    this.generation.add(key);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      // Plain-HTTP (and h2c) pools wait for their first request; TLS ones are created now, so a CA file that
      // cannot be read disables the service at build time, as before.
      pool = origin.startsWith('http:') || origin.startsWith('h2c:') ? new DeferredPool(origin, transport) : createUpstreamPool(origin, transport);
      this.pools.set(key, pool);
      this.keys.set(pool, key);
    }
    return pool;
  }

  /** Marks a pool acquired earlier as used by this build too; false when it was released since. */
  retain(pool: UpstreamPool): boolean {
    const key = this.keys.get(pool);
    if (key === undefined) return false;
    this.generation.add(key);
    return true;
  }

  /** Each pool's key, so a carried balancer can keep its pools without parsing its server URLs again. */
  private readonly keys = new Map<UpstreamPool, string>();
  /** Transport settings → a short id, so pool keys stay short (there are as many keys as servers). */
  private readonly transportIds = new Map<string, string>();

  private transportId(transport: UpstreamTransport): string {
    const settings = transportKey(transport);
    let id = this.transportIds.get(settings);
    if (id === undefined) this.transportIds.set(settings, (id = String(this.transportIds.size)));
    return id;
  }

  /** Closes pools the last build did not acquire: close() lets in-flight requests finish first. */
  releaseUnused(): void {
    for (const [key, pool] of this.pools) {
      if (this.generation.has(key)) continue;
      this.pools.delete(key);
      this.keys.delete(pool);
      pool.close().catch(() => undefined);
    }
  }

  get size(): number {
    return this.pools.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    this.keys.clear();
    await Promise.all(all.map((p) => p.close().catch(() => undefined)));
  }
}
