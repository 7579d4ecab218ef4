import type { BreakerMetrics } from './breaker-expression.js';

// oxy memmetrics: counters over 10 × 1 s buckets, latency over 6 × 10 s buckets.
const COUNT_BUCKETS = 10;
const COUNT_BUCKET_MS = 1000;
const LATENCY_BUCKETS = 6;
const LATENCY_BUCKET_MS = 10_000;

interface CountBucket {
  slot: number;
  total: number;
  networkErrors: number;
  codes: Map<number, number>;
}

interface LatencyBucket {
  slot: number;
  /** Latency in µs rounded down to 3 significant digits (HDR-like, ~1 % precision) → count. */
  counts: Map<number, number>;
}

/** Keeps 3 significant digits, so a 60 s window stays small at any request rate. */
function quantize(us: number): number {
  if (us < 1000) return Math.floor(us);
  const scale = 10 ** (Math.floor(Math.log10(us)) - 2);
  return Math.floor(us / scale) * scale;
}

/** A router's rolling request metrics, as a circuit breaker expression reads them. */
export class RollingMetrics implements BreakerMetrics {
  private readonly counts: CountBucket[] = Array.from({ length: COUNT_BUCKETS }, () => ({ slot: -1, total: 0, networkErrors: 0, codes: new Map() }));
  private readonly latencies: LatencyBucket[] = Array.from({ length: LATENCY_BUCKETS }, () => ({ slot: -1, counts: new Map() }));

  constructor(private readonly now: () => number = Date.now) {}

  record(status: number, latencyUs: number): void {
    const t = this.now();
    const cslot = Math.floor(t / COUNT_BUCKET_MS);
    const c = this.counts[cslot % COUNT_BUCKETS] as CountBucket;
    if (c.slot !== cslot) {
      c.slot = cslot;
      c.total = 0;
      c.networkErrors = 0;
      c.codes.clear();
    }
    c.total++;
    // Traefik counts the proxy's (or the backend's) 502 and 504 as network errors.
    if (status === 502 || status === 504) c.networkErrors++;
    c.codes.set(status, (c.codes.get(status) ?? 0) + 1);
    const lslot = Math.floor(t / LATENCY_BUCKET_MS);
    const l = this.latencies[lslot % LATENCY_BUCKETS] as LatencyBucket;
    if (l.slot !== lslot) {
      l.slot = lslot;
      l.counts.clear();
    }
    const key = quantize(latencyUs);
    l.counts.set(key, (l.counts.get(key) ?? 0) + 1);
  }

  reset(): void {
    for (const c of this.counts) c.slot = -1;
    for (const l of this.latencies) l.slot = -1;
  }

  private liveCounts(): CountBucket[] {
    const current = Math.floor(this.now() / COUNT_BUCKET_MS);
    return this.counts.filter((c) => c.slot > current - COUNT_BUCKETS && c.slot <= current);
  }

  networkErrorRatio(): number {
    let total = 0;
    let errors = 0;
    for (const c of this.liveCounts()) {
      total += c.total;
      errors += c.networkErrors;
    }
    return total === 0 ? 0 : errors / total;
  }

  responseCodeRatio(from: number, to: number, dividedByFrom: number, dividedByTo: number): number {
    let numerator = 0;
    let denominator = 0;
    for (const c of this.liveCounts()) {
      for (const [code, n] of c.codes) {
        if (code >= from && code < to) numerator += n;
        if (code >= dividedByFrom && code < dividedByTo) denominator += n;
      }
    }
    return denominator === 0 ? 0 : numerator / denominator;
  }

  /** HDR ValueAtQuantile (quantile in percent), in whole milliseconds; 0 without samples. */
  latencyAtQuantileMs(quantile: number): number {
    const current = Math.floor(this.now() / LATENCY_BUCKET_MS);
    const merged = new Map<number, number>();
    let total = 0;
    for (const l of this.latencies) {
      if (l.slot <= current - LATENCY_BUCKETS || l.slot > current) continue;
      for (const [key, n] of l.counts) {
        merged.set(key, (merged.get(key) ?? 0) + n);
        total += n;
      }
    }
    if (total === 0) return 0;
    const wanted = Math.max(1, Math.round((Math.min(quantile, 100) / 100) * total));
    let seen = 0;
    for (const key of [...merged.keys()].sort((a, b) => a - b)) {
      seen += merged.get(key) as number;
      if (seen >= wanted) return Math.floor(key / 1000);
    }
    return 0;
  }
}
