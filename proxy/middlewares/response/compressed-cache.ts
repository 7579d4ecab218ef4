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

  /**
   * The key of a body in one encoding, content-addressed, within one partition: the credentials the request
   * carried (Cookie, Authorization; '' for none). A hit is faster than a miss, so a client could time whether
   * a body was served recently; partitions keep that to bodies served to the same credentials (or to
   * requests without any, as a shared cache serves public pages), as browsers partition their caches.
   */
  static key(encoding: string, body: Buffer, credentials: string): string {
    const bodyHash = hash('sha256', body, 'base64');
    return credentials === '' ? encoding + ':' + bodyHash : encoding + ':' + hash('sha256', credentials, 'base64') + ':' + bodyHash;
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
    this.entries.set(key, ownMemory(compressed));
    this.bytes += cost;
  }

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }
}

// The key string, the Buffer object and the Map's bookkeeping count too (about 370 bytes measured per entry),
// so a flood of tiny bodies stays bounded as well.
function entryCost(key: string, compressed: Buffer): number {
  return compressed.length + key.length + 512;
}

/**
 * zlib's one-call results are views of larger memory (its 16 KiB output buffer, node's 8 KiB pool): kept as
 * they come, a 50-byte entry would hold 16 KiB. A kept form gets memory of its own, of its exact size.
 */
function ownMemory(compressed: Buffer): Buffer {
  if (compressed.byteOffset === 0 && compressed.buffer.byteLength === compressed.length) return compressed;
  const own = Buffer.allocUnsafeSlow(compressed.length);
  compressed.copy(own);
  return own;
}

/** What partitions the cache for one request: its Cookie and Authorization values ('' when it has neither). */
export function requestCredentials(cookie: string | string[] | undefined, authorization: string | undefined): string {
  if (cookie === undefined && authorization === undefined) return '';
  return (Array.isArray(cookie) ? cookie.join('; ') : cookie ?? '') + '\n' + (authorization ?? '');
}

/** Whether a response's Cache-Control marks its body as one user's (`private`) or not to be kept (`no-store`). */
export function mustNotKeep(cacheControl: string | string[] | undefined): boolean {
  if (cacheControl === undefined) return false;
  const text = (Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl).toLowerCase();
  // A directive is a token: any character a token cannot hold ends it (`private;`, `no-store"`).
  return /(?:^|[^a-z0-9!#$%&'*+.^_`|~-])(?:private|no-store)(?![a-z0-9!#$%&'*+.^_`|~-])/.test(text);
}
