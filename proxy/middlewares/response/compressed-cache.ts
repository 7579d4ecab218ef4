import { hash } from 'node:crypto';

/**
 * The compressed forms of small bodies compressed recently, found by the SHA-256 of the body and the
 * encoding. The same page, script or stylesheet served again costs a hash (about 3 µs for 4 kB) instead of
 * a compression (about 60 µs for gzip, 120 µs for brotli at quality 6, measured on the production path).
 * Compression is deterministic for pe-edge's fixed parameters, so a hit is the very bytes a new compression
 * would give: nothing a client receives changes. Least recently used entries go first once the byte budget
 * is spent. One cache per process (`--workers` each have their own).
 */
export class CompressedBodyCache {
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  /** The key of a body in one encoding; content-addressed, so two routers serving one file share it. */
  static key(encoding: string, body: Buffer): string {
    return encoding + ':' + hash('sha256', body, 'base64');
  }

  get(key: string): Buffer | undefined {
    const found = this.entries.get(key);
    if (found === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, found);
    return found;
  }

  set(key: string, compressed: Buffer): void {
    const cost = entryCost(key, compressed);
    if (cost > this.maxBytes || this.entries.has(key)) return;
    for (const [oldest, value] of this.entries) {
      if (this.bytes + cost <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entryCost(oldest, value);
    }
    this.entries.set(key, compressed);
    this.bytes += cost;
  }

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }
}

// The key string and the Map's own bookkeeping count too, so a flood of tiny bodies stays bounded as well.
function entryCost(key: string, compressed: Buffer): number {
  return compressed.length + key.length + 64;
}

/** Whether a response's Cache-Control marks its body as one user's (`private`) or not to be kept (`no-store`). */
export function mustNotKeep(cacheControl: string | string[] | undefined): boolean {
  if (cacheControl === undefined) return false;
  const text = (Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl).toLowerCase();
  return /(?:^|[\s,])(?:private|no-store)(?:$|[\s,=])/.test(text);
}
