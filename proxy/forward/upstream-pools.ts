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
    const key = `${origin} ${transportKey(transport)}`;
    this.generation.add(key);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = createUpstreamPool(origin, transport);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pools the last build did not acquire: close() lets in-flight requests finish first. */
  releaseUnused(): void {
    for (const [key, pool] of this.pools) {
      if (this.generation.has(key)) continue;
      this.pools.delete(key);
      pool.close().catch(() => undefined);
    }
  }

  get size(): number {
    return this.pools.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.close().catch(() => undefined)));
  }
}
