import { ownCopy } from '../../http/own-copy.js';

/**
 * mailgun/ttlmap as Traefik's rateLimit uses it: entries expire `ttl` whole seconds after their last
 * write, counted in wall-clock Unix seconds (so an idle entry lives between ttl-1 and ttl seconds), and
 * when more than `capacity` entries are held the one expiring soonest is dropped. A key is kept as a copy of
 * its own (`ownCopy`): one cut from a longer text (an X-Forwarded-For entry) would hold that text alive.
 */
export class TtlMap<V> {
  // Insertion order = expiry order: an entry is moved to the end whenever its expiry second changes.
  private readonly entries = new Map<string, { readonly key: string; value: V; expires: number }>();

  constructor(
    private readonly capacity: number,
    private readonly ttlSeconds: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value of key if held, without touching its expiry. */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** The live value of key, refreshing its expiry; an expired one is replaced by `create()`. */
  touch(key: string, create: () => V, nowMs: number): V {
    const second = Math.floor(nowMs / 1000);
    const expires = second + this.ttlSeconds;
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expires > second) {
      if (entry.expires !== expires) {
        this.entries.delete(key);
        entry.expires = expires;
        this.entries.set(entry.key, entry);
      }
      return entry.value;
    }
    if (entry !== undefined) this.entries.delete(key);
    // ttlmap frees one slot once it holds more than its capacity: expired first, else the soonest to expire.
    if (this.entries.size > this.capacity) {
      const first = this.entries.keys().next();
      if (first.done !== true) this.entries.delete(first.value);
    }
    const value = create();
    const own = ownCopy(key);
    this.entries.set(own, { key: own, value, expires });
    return value;
  }
}
