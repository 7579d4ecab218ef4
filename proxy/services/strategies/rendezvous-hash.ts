import { MarkedServers, type ServerBalancer } from './server-balancer.js';

interface HrwEntry<T> {
  readonly value: T;
  /** The server's name in the hash: its URL, as Traefik names servers. */
  readonly name: Uint8Array;
  readonly weight: number;
  up: boolean;
}

const TWO_POW_64 = 2 ** 64;

/**
 * `strategy: hrw`, as Traefik's hrw.go: rendezvous hashing on the client's peer IP (not X-Forwarded-For). Each
 * healthy server scores `weight / -ln(fnv1a64(ip + url) / 2^64)`; the highest wins, the first one on a tie.
 * A client stays on its server, and removing one of N servers moves only the clients that were on it (~1/N).
 * Servers with weight <= 0 are never picked, as Traefik leaves them out. No sticky cookie (Traefik has none here).
 */
export class RendezvousHash<T> extends MarkedServers<T, HrwEntry<T>> implements ServerBalancer<T> {
  readonly meter = null;

  constructor(items: readonly { value: T; weight: number; name: string }[]) {
    super();
    for (const { value, weight, name } of items) {
      if (!(weight > 0)) continue;
      this.entries.push({ value, weight, name: Buffer.from(name, 'utf8'), up: true });
    }
  }

  next(clientIp: string): T | undefined {
    return this.nextExcept(NONE, clientIp);
  }

  nextExcept(excluded: readonly T[], clientIp: string): T | undefined {
    // FNV-1a is a left fold: the client's bytes are hashed once, each server's name continues from there.
    const client = new Fnv1a64();
    client.update(Buffer.from(clientIp, 'utf8'));
    let best: HrwEntry<T> | undefined;
    let bestScore = 0;
    const h = new Fnv1a64();
    for (const e of this.entries) {
      if (!e.up || excluded.includes(e.value)) continue;
      h.copyFrom(client);
      h.update(e.name);
      const score = (1 / -Math.log(h.toNumber() / TWO_POW_64)) * e.weight;
      if (score > bestScore) {
        best = e;
        bestScore = score;
      }
    }
    return best?.value;
  }

  position(): undefined {
    return undefined;
  }
}

const NONE: readonly never[] = [];

/** FNV-1a 64 (Go's hash/fnv New64a) in four 16-bit limbs: exact, without BigInt on the request path. */
export class Fnv1a64 {
  // 0xcbf29ce484222325, lowest limb first.
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  update(bytes: Uint8Array): void {
    let { h0, h1, h2, h3 } = this;
    for (const byte of bytes) {
      h0 ^= byte;
      // × 0x100000001b3 = × 0x1b3 + × 2^40 (limb 2 gets limb 0 shifted by 8 bits, limb 3 limb 1).
      const r0 = h0 * 0x1b3;
      const r1 = h1 * 0x1b3 + (r0 >>> 16);
      const r2 = h2 * 0x1b3 + h0 * 0x100 + (r1 >>> 16);
      const r3 = h3 * 0x1b3 + h1 * 0x100 + (r2 >>> 16);
      h0 = r0 & 0xffff;
      h1 = r1 & 0xffff;
      h2 = r2 & 0xffff;
      h3 = r3 & 0xffff;
    }
    this.h0 = h0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
  }

  copyFrom(other: Fnv1a64): void {
    this.h0 = other.h0;
    this.h1 = other.h1;
    this.h2 = other.h2;
    this.h3 = other.h3;
  }

  /** The sum as Go's float64(uint64): rounded to the nearest double once. */
  toNumber(): number {
    return ((this.h3 * 0x10000 + this.h2) * 0x10000 + this.h1) * 0x10000 + this.h0;
  }

  toHex(): string {
    return [this.h3, this.h2, this.h1, this.h0].map((x) => x.toString(16).padStart(4, '0')).join('');
  }
}
