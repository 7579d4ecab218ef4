// Where request series live: prom-client's own Counter/Gauge/Histogram in both stores below.
//
// `plainSeries` (production): each series is a plain object found once per scope by the caller's key and
// bumped in place; prom-client formats it at scrape time through subclasses of its Counter, Gauge and Histogram
// that override `get()` (a typed adapter, no casts). `promClientSeries`: the same families with prom-client's
// label children (`labels(...).inc()`, `.observe()`), which hash and validate the label set on every call.
// Why the plain store: test/bench/metrics-store.bench.ts measured, in one run on the seed's production path,
// the prom-client store's CPU per request above the 2 % the issue allows (README, Metrics); rerun it to decide again.
import { Counter, Gauge, Histogram, type Aggregator, type Registry } from 'prom-client';

export type Labels = Record<string, string>;

export interface CounterChild {
  inc(n: number): void;
}
export interface GaugeChild {
  set(v: number): void;
}
export interface HistogramChild {
  observe(v: number): void;
}

/** One family: a child per label set, found by the caller's key; `scope` names what dropping removes. */
export interface Family<C, M = unknown> {
  /** The prom-client metric registered for it (read again by renamed families). */
  readonly metric: M;
  child(key: string, labels: Labels, scope: string): C;
  /** Removes every series whose scope `gone` says is gone (removed routers, services, servers). */
  drop(gone: (scope: string) => boolean): void;
}

export interface SeriesStore {
  counter(registry: Registry, name: string, help: string, labelNames: readonly string[], aggregator?: Aggregator): Family<CounterChild, Counter>;
  gauge(registry: Registry, name: string, help: string, labelNames: readonly string[], aggregator?: Aggregator): Family<GaugeChild, Gauge>;
  histogram(registry: Registry, name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Family<HistogramChild, Histogram>;
}

type CounterValues = Awaited<ReturnType<Counter['get']>>['values'];
type LabelValues = CounterValues[number]['labels'];
/** A histogram value as prom-client's Registry and Histogram.get() read it from getForPromString(). */
interface HistogramDataValue {
  metricName: string;
  labels: LabelValues;
  sharedLabels: LabelValues;
  value: number;
}
interface HistogramData {
  name: string;
  help: string;
  type: 'histogram';
  values: HistogramDataValue[];
  aggregator: Aggregator;
}

/** Labels with names sorted, as Go's client prints them. */
function sortedLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k] as string;
  return out;
}

class PlainValue implements CounterChild, GaugeChild {
  value = 0;
  constructor(readonly labels: Labels, readonly scope: string) {}
  inc(n: number): void {
    this.value += n;
  }
  set(v: number): void {
    this.value = v;
  }
}

class PlainHistogramValue implements HistogramChild {
  /** Per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly labels: Labels, readonly scope: string, private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }
  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > (b[i] as number)) i++;
    (this.counts[i] as number)++;
    this.sum += v;
    this.count++;
  }
}

function dropFrom<S extends { scope: string }>(series: Map<string, S>, gone: (scope: string) => boolean): void {
  for (const [key, s] of series) if (gone(s.scope)) series.delete(key);
}

/** A prom-client Counter whose series are PlainValues; prom-client formats what `get()` returns. */
class PlainCounter extends Counter implements Family<CounterChild, Counter> {
  readonly metric: Counter = this;
  private readonly series = new Map<string, PlainValue>();
  child(key: string, labels: Labels, scope: string): PlainValue {
    let s = this.series.get(key);
    if (s === undefined) this.series.set(key, (s = new PlainValue(sortedLabels(labels), scope)));
    return s;
  }
  drop(gone: (scope: string) => boolean): void {
    dropFrom(this.series, gone);
  }
  override async get(): ReturnType<Counter['get']> {
    const base = await super.get();
    const values: CounterValues = [];
    for (const s of this.series.values()) values.push({ labels: s.labels, value: s.value });
    return { ...base, values };
  }
}

class PlainGauge extends Gauge implements Family<GaugeChild, Gauge> {
  readonly metric: Gauge = this;
  private readonly series = new Map<string, PlainValue>();
  child(key: string, labels: Labels, scope: string): PlainValue {
    let s = this.series.get(key);
    if (s === undefined) this.series.set(key, (s = new PlainValue(sortedLabels(labels), scope)));
    return s;
  }
  drop(gone: (scope: string) => boolean): void {
    dropFrom(this.series, gone);
  }
  override async get(): ReturnType<Gauge['get']> {
    const base = await super.get();
    const values: CounterValues = [];
    for (const s of this.series.values()) values.push({ labels: s.labels, value: s.value });
    return { ...base, values };
  }
}

class PlainHistogram extends Histogram implements Family<HistogramChild, Histogram> {
  readonly metric: Histogram = this;
  private readonly series = new Map<string, PlainHistogramValue>();
  private readonly bounds: readonly number[];
  private readonly le: string[];
  private readonly metricName: string;
  private readonly helpText: string;
  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super({ name, help, labelNames, buckets: [...buckets], registers: [registry] });
    this.bounds = [...buckets];
    this.le = [...buckets.map(String), '+Inf'];
    this.metricName = name;
    this.helpText = help;
  }
  child(key: string, labels: Labels, scope: string): PlainHistogramValue {
    let s = this.series.get(key);
    if (s === undefined) this.series.set(key, (s = new PlainHistogramValue(sortedLabels(labels), scope, this.bounds)));
    return s;
  }
  drop(gone: (scope: string) => boolean): void {
    dropFrom(this.series, gone);
  }
  /**
   * The Registry formats a histogram from this method (prom-client's own, which Histogram.get() also reads and
   * then merges each value's sharedLabels into its labels): the plain series, labels whole, le last.
   */
  getForPromString(): Promise<HistogramData> {
    const values: HistogramDataValue[] = [];
    const name = this.metricName;
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.le.length; i++) {
        cumulative += s.counts[i] as number;
        values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: this.le[i] as string }, sharedLabels: {}, value: cumulative });
      }
      values.push({ metricName: `${name}_sum`, labels: s.labels, sharedLabels: {}, value: s.sum });
      values.push({ metricName: `${name}_count`, labels: s.labels, sharedLabels: {}, value: s.count });
    }
    return Promise.resolve({ name, help: this.helpText, type: 'histogram', values, aggregator: 'sum' });
  }
}

export const plainSeries: SeriesStore = {
  counter: (registry, name, help, labelNames, aggregator = 'sum') => new PlainCounter({ name, help, labelNames, aggregator, registers: [registry] }),
  gauge: (registry, name, help, labelNames, aggregator = 'sum') => new PlainGauge({ name, help, labelNames, aggregator, registers: [registry] }),
  histogram: (registry, name, help, labelNames, buckets) => new PlainHistogram(registry, name, help, labelNames, buckets),
};

/** prom-client's label children, cached per key; each call still hashes its label set (prom-client's design). */
class ChildCache<C, M> implements Family<C, M> {
  private readonly children = new Map<string, { child: C; labels: Labels; scope: string }>();
  constructor(readonly metric: M, private readonly make: (labels: Labels) => C, private readonly remove: (labels: Labels) => void) {}
  child(key: string, labels: Labels, scope: string): C {
    let c = this.children.get(key);
    if (c === undefined) {
      const sorted = sortedLabels(labels);
      this.children.set(key, (c = { child: this.make(sorted), labels: sorted, scope }));
    }
    return c.child;
  }
  drop(gone: (scope: string) => boolean): void {
    for (const [key, c] of this.children) {
      if (!gone(c.scope)) continue;
      this.remove(c.labels);
      this.children.delete(key);
    }
  }
}

export const promClientSeries: SeriesStore = {
  counter(registry, name, help, labelNames, aggregator = 'sum') {
    const counter = new Counter({ name, help, labelNames, aggregator, registers: [registry] });
    return new ChildCache<CounterChild, Counter>(counter, (labels) => {
      const child = counter.labels(labels);
      return { inc: (n) => child.inc(n) };
    }, (labels) => counter.remove(labels));
  },
  gauge(registry, name, help, labelNames, aggregator = 'sum') {
    const gauge = new Gauge({ name, help, labelNames, aggregator, registers: [registry] });
    return new ChildCache<GaugeChild, Gauge>(gauge, (labels) => gauge.labels(labels), (labels) => gauge.remove(labels));
  },
  histogram(registry, name, help, labelNames, buckets) {
    const histogram = new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [registry] });
    return new ChildCache<HistogramChild, Histogram>(histogram, (labels) => histogram.labels(labels), (labels) => histogram.remove(labels));
  },
};

/**
 * A family shown under another name with one label renamed, read from `source` at scrape time: Traefik v1's
 * `traefik_backend_*` (label `backend`) from v3's `traefik_service_*` (label `service`), the same observations.
 */
export class RenamedCounter extends Counter {
  constructor(registry: Registry, name: string, help: string, private readonly source: Counter, private readonly from: string, private readonly to: string) {
    super({ name, help, labelNames: [], registers: [registry] });
  }
  override async get(): ReturnType<Counter['get']> {
    const [base, src] = await Promise.all([super.get(), this.source.get()]);
    return { ...base, values: src.values.map((v) => ({ ...v, labels: renameLabel(v.labels, this.from, this.to) })) };
  }
}

export class RenamedHistogram extends Histogram {
  constructor(registry: Registry, private readonly ownName: string, private readonly helpText: string, private readonly source: Histogram, private readonly sourceName: string, private readonly from: string, private readonly to: string) {
    super({ name: ownName, help: helpText, labelNames: [], registers: [registry] });
  }
  /** What the Registry formats and Histogram.get() splays (see PlainHistogram). */
  async getForPromString(): Promise<HistogramData> {
    const src = await this.source.get();
    const values = src.values.map((v) => ({
      metricName: this.ownName + (v.metricName ?? this.sourceName).slice(this.sourceName.length),
      labels: renameLabel(v.labels, this.from, this.to),
      sharedLabels: {},
      value: v.value,
    }));
    return { name: this.ownName, help: this.helpText, type: 'histogram', values, aggregator: 'sum' };
  }
}

/** The same labels with `from` renamed `to`, names kept in Go's sorted order (le stays last). */
function renameLabel(labels: LabelValues, from: string, to: string): LabelValues {
  const out: LabelValues = {};
  const keys = Object.keys(labels).map((k) => (k === from ? to : k));
  const named = keys.filter((k) => k !== 'le').sort();
  if (keys.includes('le')) named.push('le');
  for (const k of named) out[k] = labels[k === to ? from : k];
  return out;
}
