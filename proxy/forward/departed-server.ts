// What pe-edge does for a server that left the configuration while requests of an old runtime may still reach its
// pool (UpstreamPool.closed): the dial it still gets, and the fallback pool a closed pool creates late.
import type { UpstreamPool } from './upstream-transport.js';

/**
 * ms a dial still under way when its server leaves the configuration may take before it counts as unreachable. A
 * removed container's address swallows a dial (no RST, no answer to ARP) for 3 to 4 s before the kernel gives up,
 * and for dialTimeout (30 s) where the address is routed elsewhere; a server that is still there accepts in far less.
 */
export const DEPARTED_DIAL_MS = 1000;

/** The dial timeout for a server that left the configuration: the configured one (0: none), capped at DEPARTED_DIAL_MS. */
export function departedDialTimeout(configured: number): number {
  return configured > 0 ? Math.min(configured, DEPARTED_DIAL_MS) : DEPARTED_DIAL_MS;
}

/**
 * A fallback pool (upgrades, HTTP/1.1 over TLS) created on first use: when its owner is already closed, it is closed
 * at once too, and serves each request on a pool of its own (UndiciUpstreamPool).
 */
export function createFallback(create: () => UpstreamPool, ownerClosed: boolean): UpstreamPool {
  const pool = create();
  if (ownerClosed) pool.close().catch(() => undefined);
  return pool;
}
