import zlib from 'node:zlib';
import { sha256Base64 } from '../../../labels-spec/sha256.js';
import type { RequestContext, ResponseHeaders } from '../../http/request-context.js';
import { clientCertificateFingerprint } from '../../http/tls-connection.js';
import { ownBytes, ownCopy } from '../../http/own-copy.js';

// A body's fingerprint in its key: zlib's CRC-32 (node 20.15+; a tenth of a SHA-256's cost for a 4 kB body), else
// its SHA-256. Either only narrows the search: an entry keeps its body, and a hit is a byte-for-byte match.
const hasCrc32 = typeof zlib.crc32 === 'function';

/**
 * A body in one encoding within one partition, as the cache looks it up: `prefix` (the encoding, the partition and
 * the body's length) finds the form last sent for that prefix, `text` (the prefix and the body's fingerprint) any
 * entry, and `body` confirms either.
 */
export interface BodyKey {
  /** The encoding and the partition: `prefix` without the length. */
  readonly scope: string;
  readonly prefix: string;
  readonly text: string;
  readonly body: Buffer;
  /** The body's CRC-32 when node has one (the key's fingerprint, and the gzip trailer's checksum), else null. */
  readonly crc32: number | null;
}

/**
 * A key whose fingerprint is computed when first asked for: a body sent again is found by its prefix and a
 * comparison, without its CRC-32 (about 1.5 µs for a 4 kB page, as much as the rest of a hit). The body may be
 * an upstream connection's lent read buffer: on a miss, compress asks `admits` (which reads `text`) before it
 * hands the buffer back, so the CRC-32 is always of these bytes.
 */
class LazyBodyKey implements BodyKey {
  private keyText: string | null = null;
  private crc: number | null = null;

  readonly prefix: string;

  constructor(readonly scope: string, readonly body: Buffer) {
    this.prefix = scope + ':' + body.length;
  }

  get text(): string {
    if (this.keyText !== null) return this.keyText;
    let fingerprint: string;
    if (hasCrc32) {
      this.crc = zlib.crc32(this.body);
      fingerprint = String(this.crc);
    } else {
      fingerprint = sha256Base64(this.body);
    }
    return (this.keyText = this.prefix + ':' + fingerprint);
  }

  get crc32(): number | null {
    if (this.keyText === null) void this.text;
    return this.crc;
  }
}

/**
 * The compressed forms of small bodies compressed recently, found by the encoding, the body's length and
 * CRC-32, and its bytes compared with those kept beside the compressed form; kept once the same body was
 * compressed twice. The same page, script or stylesheet served again then costs a comparison (well under a
 * microsecond for 4 kB), and its CRC-32 only when another body of its length was sent last in its partition
 * (about 1.5 µs; a SHA-256 cost about 3 µs), instead of a compression (for a 4 kB page on the production path about 100 µs for gzip and 120 µs for brotli at
 * quality 6; 30 and 60 µs as isolated calls).
 * What is kept is compressed by zlib with pe-edge's fixed parameters (a first, one-off compression may be cheaper
 * and larger: `compressAndSend` in compressed-body.ts), which are deterministic: a hit is the very bytes compressing a body to keep gives. Entries not sent again since they last moved go first once the byte budget
 * is spent. One cache per process (`--workers` each have their own).
 */
export class CompressedBodyCache {
  // A Map iterates in insertion order, oldest first. A hit only marks its entry used; eviction gives a used
  // entry a second chance (moved to the end, unmarked) instead of moving every hit: the same order for what
  // goes first, without two Map writes on the path of every hit.
  private readonly entries = new Map<string, KeptForm>();
  // By prefix, the entry of that prefix last kept or sent: a page sent again is found without its fingerprint.
  // Only entries of `entries` are here, at most one each.
  private readonly latest = new Map<string, KeptForm>();
  // TinyLFU's doorkeeper: a fingerprint of each key offered once, in a slot chosen by the same hash. A body is
  // kept only when it is offered again while its fingerprint is still there.
  private readonly offeredOnce = new Int32Array(1 << DOORKEEPER_BITS);
  private bytes = 0;
  private hitCount = 0;
  private missCount = 0;

  /** @param maxBytes what all entries may count against (see `entryCost`) */
  constructor(readonly maxBytes: number) {}

  /**
   * The key of a body in one encoding within one partition (see `partitionOf`). A short partition (no
   * credentials) is in the key's text as it is, a long one by its SHA-256: a hash less per request in the common
   * case. The body's length and fingerprint end the text (neither holds a `:`), and the two kinds of partition
   * start apart (`=`, `#`), so no two partitions share a text. Two bodies may share one (a CRC-32 collision): the
   * body the entry keeps tells them apart.
   */
  static key(encoding: string, body: Buffer, partition: string): BodyKey {
    const part = partition.length <= SHORT_PARTITION ? '=' + partition : '#' + sha256Base64(partition);
    return new LazyBodyKey(encoding + ':' + part, body);
  }

  /** The kept compressed form of exactly this body, if any. */
  get(key: BodyKey): Buffer | undefined {
    const recent = this.latest.get(key.prefix);
    if (recent !== undefined && recent.body.equals(key.body)) return this.hit(recent);
    const found = this.entries.get(key.text);
    if (found === undefined || !found.body.equals(key.body)) {
      this.missCount++;
      return undefined;
    }
    this.latest.set(found.prefix, found);
    return this.hit(found);
  }

  private hit(form: KeptForm): Buffer {
    this.hitCount++;
    form.used = true;
    return form.data;
  }

  /**
   * Offers a body's compressed form: kept from the second time it is offered, the first time only noted. Pages
   * that differ on every request (a CSRF token or a request id in them) would otherwise each be copied, kept,
   * promoted to the old generation and evicted unused: measured on the production path, that churn cost every
   * such page a fifth of its CPU. A body sent again costs one compression more before it is kept.
   */
  set(key: BodyKey, compressed: Buffer): void {
    if (this.admits(key)) this.keep(key, compressed);
  }

  /**
   * Whether a body offered now is to be kept: it was offered before (its fingerprint still in its slot). A first
   * offer is noted. Asked before compressing, so that what is kept can be compressed harder than a one-off.
   */
  admits(key: BodyKey): boolean {
    const hash = fnv1a(key.text);
    const slot = hash >>> (32 - DOORKEEPER_BITS);
    if (this.offeredOnce[slot] === hash) return true;
    this.offeredOnce[slot] = hash;
    return false;
  }

  /**
   * Keeps a body's compressed form (one `admits` said is to be kept) with a copy of the body, making room by the
   * eviction order. A body whose key text another body holds (a CRC-32 collision, which anyone can craft: CRC is
   * linear) replaces it: a colliding body can then cost the other one compression per request of its own, never
   * keep it out of the cache for good.
   */
  keep(key: BodyKey, compressed: Buffer): void {
    const cost = entryCost(key.text, compressed, key.body);
    if (cost > this.maxBytes) return;
    const held = this.entries.get(key.text);
    if (held !== undefined) {
      if (held.body.equals(key.body)) return;
      this.remove(key.text, held);
    }
    // Each entry is passed over at most once (unmarked as it moves), so this ends.
    for (const [oldest, kept] of this.entries) {
      if (this.bytes + cost <= this.maxBytes) break;
      if (kept.used) {
        this.entries.delete(oldest);
        kept.used = false;
        this.entries.set(oldest, kept);
      } else {
        this.remove(oldest, kept);
      }
    }
    // The key holds the request's Cookie or Authorization value when short: a window on the request's head.
    const form: KeptForm = { prefix: ownCopy(key.prefix), data: ownMemory(compressed), body: ownBytes(key.body), used: false };
    this.entries.set(ownCopy(key.text), form);
    this.latest.set(form.prefix, form);
    this.bytes += cost;
  }

  private remove(text: string, form: KeptForm): void {
    this.entries.delete(text);
    if (this.latest.get(form.prefix) === form) this.latest.delete(form.prefix);
    this.bytes -= entryCost(text, form.data, form.body);
  }

  get hits(): number {
    return this.hitCount;
  }

  get misses(): number {
    return this.missCount;
  }

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }
}

/** A compressed form kept, the body it is of, its key's prefix, and whether it was sent again since it last moved in the eviction order. */
interface KeptForm {
  readonly prefix: string;
  readonly data: Buffer;
  readonly body: Buffer;
  used: boolean;
}

/**
 * 65,536 slots (256 KiB): a body offered once is remembered until another key lands in its slot; after n
 * other keys it is still there with a probability of e^(-n/65,536) (95 % after 3,000, 74 % after 20,000). Two keys sharing a slot and all 32
 * bits of their hash would let the second be kept at its first offer: one in four billion by chance. Key texts
 * made to collide (the same length and CRC-32, in the same partition) let a body be kept at its first offer,
 * compressed at zlib's level 6 rather than the one-pass encoder: what a client can learn from that is what a hit
 * tells it, whether such a body was sent recently in its own partition.
 */
const DOORKEEPER_BITS = 16;

/** 32-bit FNV-1a of a key's UTF-16 code units: cheap, no allocation; the key text ends with the body's length and fingerprint. */
function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash;
}

/** Partitions up to this length (a router, a Host, no credentials) go into keys as they are. */
const SHORT_PARTITION = 96;

// The body kept to confirm hits, the key string and its prefix, the Buffer objects and the two Maps' bookkeeping
// count too (a reviewer measured 2,525 bytes of heap held per entry of 1,300 + 700 bytes with a 96-character
// partition, 2,466 counted with 512 here), so a flood of tiny bodies stays bounded as well.
function entryCost(key: string, compressed: Buffer, body: Buffer): number {
  return compressed.length + body.length + 2 * key.length + 600;
}

/**
 * zlib's one-call results are views of larger memory (its 16 KiB output buffer, node's 8 KiB pool): kept as
 * they come, a 50-byte entry would hold 16 KiB. A kept form gets memory of its own, of its exact size.
 */
function ownMemory(compressed: Buffer): Buffer {
  if (compressed.byteOffset === 0 && compressed.buffer.byteLength === compressed.length) return compressed;
  return ownBytes(compressed);
}

/** What sets one request's answers apart from others' in the cache: where it went and who it says it is. */
export interface Partition {
  router: string;
  host: string;
  cookie: string | string[] | undefined;
  authorization: string | undefined;
  /** SHA-256 fingerprint of the client's TLS certificate (mutual TLS), '' without one. */
  clientCertificate: string;
}

/**
 * A hit is faster than a miss, so a client could time whether a body was served recently. Entries are kept
 * apart per router and Host (one site cannot probe another's answers) and per credentials (Cookie,
 * Authorization, client certificate): a client can time only what was served on the same site to the same
 * credentials, or to requests without any, as browsers partition their caches.
 */
export function partitionOf(p: Partition): string {
  // Line feeds separate the fields: no header value, router name or host can hold one.
  const cookie = Array.isArray(p.cookie) ? p.cookie.join('; ') : p.cookie ?? '';
  return `${p.router}\n${p.host}\n${cookie}\n${p.authorization ?? ''}\n${p.clientCertificate}`;
}

/**
 * The cache key of an answer's body, or null when it must not be kept: answers to anything but GET (shared
 * caches keep no POST answers) and answers marked `private` or `no-store`.
 */
export function keyFor(ctx: RequestContext, encoding: string, body: Buffer, headers: ResponseHeaders): BodyKey | null {
  if (ctx.method !== 'GET' || mustNotKeep(headers['cache-control'])) return null;
  return CompressedBodyCache.key(encoding, body, partitionOf({
    router: ctx.routerName,
    host: ctx.host,
    cookie: ctx.req.headers.cookie,
    authorization: ctx.req.headers.authorization,
    clientCertificate: ctx.tlsConnection === null ? '' : clientCertificateFingerprint(ctx.tlsConnection),
  }));
}

// What the compressed forms of bodies may hold in all, per process: 8 MiB keeps a site's pages, scripts and
// stylesheets (each at most 64 KiB before compression, the one-call limit) without growing with traffic.
export const compressedBodies = new CompressedBodyCache(8 * 1024 * 1024);

/** Whether a response's Cache-Control marks its body as one user's (`private`) or not to be kept (`no-store`). */
export function mustNotKeep(cacheControl: string | string[] | undefined): boolean {
  if (cacheControl === undefined) return false;
  const text = (Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl).toLowerCase();
  // A directive is a token: any character a token cannot hold ends it (`private;`, `no-store"`).
  return /(?:^|[^a-z0-9!#$%&'*+.^_`|~-])(?:private|no-store)(?![a-z0-9!#$%&'*+.^_`|~-])/.test(text);
}
