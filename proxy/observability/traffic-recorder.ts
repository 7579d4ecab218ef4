import type { RequestContext } from '../http/request-context.js';
import { finalStatus } from './final-status.js';

/** One series of the dashboard's charts: oldest bucket first, one value per bucket. */
export interface TrafficSeries {
  requests: number[];
  /** Answers with status >= 500 (499, a client gone, is not pe-edge's error). */
  errors: number[];
  /** Mean and largest duration of the bucket's requests, in milliseconds (0 without requests). */
  latencyMeanMs: number[];
  latencyMaxMs: number[];
}

export interface TrafficWindow {
  bucketSeconds: number;
  /** Unix time (s) of the oldest bucket's start; bucket i starts at start + i * bucketSeconds. */
  start: number;
  buckets: number;
  routers: Record<string, TrafficSeries>;
  services: Record<string, TrafficSeries>;
}

export interface TrafficRecorderOptions {
  /** Width of one bucket (default 10 s). */
  bucketSeconds?: number;
  /** How much history is kept (default one hour). */
  windowSeconds?: number;
  /** Most routers plus services tracked at once; the one idle longest makes room (default 2000). */
  maxSeries?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

// Per bucket: requests, errors, summed duration (ms), largest duration (ms).
const FIELDS = 4;

/** A ring of fixed buckets for one router or service: memory is fixed when it is made. */
class Ring {
  readonly values: Float64Array;
  /** Absolute bucket number held in each slot (-1: never written). */
  readonly slots: Float64Array;
  lastBucket = 0;

  constructor(size: number) {
    this.values = new Float64Array(size * FIELDS);
    this.slots = new Float64Array(size).fill(-1);
  }

  add(bucket: number, ms: number, error: boolean): void {
    const size = this.slots.length;
    const slot = bucket % size;
    const at = slot * FIELDS;
    const v = this.values;
    if (this.slots[slot] !== bucket) {
      this.slots[slot] = bucket;
      v[at] = 0;
      v[at + 1] = 0;
      v[at + 2] = 0;
      v[at + 3] = 0;
    }
    v[at] = (v[at] as number) + 1;
    if (error) v[at + 1] = (v[at + 1] as number) + 1;
    v[at + 2] = (v[at + 2] as number) + ms;
    if (ms > (v[at + 3] as number)) v[at + 3] = ms;
    this.lastBucket = bucket;
  }

  series(first: number, count: number): TrafficSeries {
    const out: TrafficSeries = { requests: [], errors: [], latencyMeanMs: [], latencyMaxMs: [] };
    const size = this.slots.length;
    for (let b = first; b < first + count; b++) {
      const slot = b % size;
      const at = slot * FIELDS;
      const v = this.values;
      const n = this.slots[slot] === b ? (v[at] as number) : 0;
      out.requests.push(n);
      out.errors.push(n === 0 ? 0 : (v[at + 1] as number));
      out.latencyMeanMs.push(n === 0 ? 0 : round((v[at + 2] as number) / n));
      out.latencyMaxMs.push(n === 0 ? 0 : round(v[at + 3] as number));
    }
    return out;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * pe-edge's own short history of traffic for the dashboard, with no Prometheus: per router and per service,
 * requests, 5xx and latency in fixed buckets (10 s over the last hour by default). Memory is bounded: a
 * fixed ring per series and at most `maxSeries` series. Fed by the entrypoints' end-of-request hook.
 */
export class TrafficRecorder {
  readonly bucketSeconds: number;
  readonly buckets: number;
  private readonly maxSeries: number;
  private readonly now: () => number;
  private readonly routers = new Map<string, Ring>();
  private readonly services = new Map<string, Ring>();

  constructor(options: TrafficRecorderOptions = {}) {
    this.bucketSeconds = options.bucketSeconds ?? 10;
    this.buckets = Math.ceil((options.windowSeconds ?? 3600) / this.bucketSeconds);
    this.maxSeries = options.maxSeries ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** The end-of-request hook. Requests of `@internal` routers (the dashboard's own polling) are left out. */
  readonly onRequestDone = (ctx: RequestContext): void => {
    const router = ctx.routerName;
    if (router === '' || router.endsWith('@internal') || ctx.serviceName.endsWith('@internal')) return;
    const status = finalStatus(ctx.res);
    this.record(router, ctx.serviceName, Number(process.hrtime.bigint() - ctx.startedAt) / 1e6, status);
  };

  /** One finished request; `service` may be '' (a router that answered before any service). */
  record(router: string, service: string, ms: number, status: number): void {
    const bucket = Math.floor(this.now() / 1000 / this.bucketSeconds);
    const error = status >= 500;
    this.ring(this.routers, router).add(bucket, ms, error);
    if (service !== '') this.ring(this.services, service).add(bucket, ms, error);
  }

  /** The whole window, ending with the current bucket; series idle for the whole window are dropped. */
  window(): TrafficWindow {
    const current = Math.floor(this.now() / 1000 / this.bucketSeconds);
    const first = current - this.buckets + 1;
    const out: TrafficWindow = { bucketSeconds: this.bucketSeconds, start: first * this.bucketSeconds, buckets: this.buckets, routers: {}, services: {} };
    for (const [map, target] of [[this.routers, out.routers], [this.services, out.services]] as const) {
      for (const [name, ring] of map) {
        if (ring.lastBucket < first) map.delete(name);
        else target[name] = ring.series(first, this.buckets);
      }
    }
    return out;
  }

  /** How many series are held (for tests and the memory bound). */
  get seriesCount(): number {
    return this.routers.size + this.services.size;
  }

  private ring(map: Map<string, Ring>, name: string): Ring {
    let ring = map.get(name);
    if (ring !== undefined) {
      // Most recently used last: the first entry of a map is the one to evict.
      if (ring.lastBucket !== Math.floor(this.now() / 1000 / this.bucketSeconds)) {
        map.delete(name);
        map.set(name, ring);
      }
      return ring;
    }
    if (this.seriesCount >= this.maxSeries) this.evictIdlest();
    ring = new Ring(this.buckets);
    map.set(name, ring);
    return ring;
  }

  private evictIdlest(): void {
    const r = this.routers.entries().next().value;
    const s = this.services.entries().next().value;
    if (r === undefined && s === undefined) return;
    if (s === undefined || (r !== undefined && r[1].lastBucket <= s[1].lastBucket)) this.routers.delete((r as [string, Ring])[0]);
    else this.services.delete(s[0]);
  }
}
