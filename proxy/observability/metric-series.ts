// Where request series live: prom-client's own Counter/Gauge/Histogram in both stores below.
//
// `plainSeries` (production): each series is a plain object found once per scope by the caller's key and
// bumped in place; prom-client formats it at scrape time through subclasses of its Counter, Gauge and Histogram
// that hand their series over from `get()` and `getForPromString()` (a typed adapter, no casts). `promClientSeries`: the same families with prom-client's
// label children (`labels(...).inc()`, `.observe()`), which hash and validate the label set on every call.
// Why the plain store: test/bench/metrics-store.bench.ts, in one run, measured the end-of-request hook at 1.8 µs per
// request with it and 8.6 µs with label children, the difference 7 % of a whole request's CPU time (plain HTTP,
// the seed's middleware chain or none), over the 2 % allowed (README, Metrics). Rerun it to decide again.
import { Counter, Gauge, Histogram, type Aggregator, type Registry } from 'prom-client';
import { ownCopy } from '../http/own-copy.js';

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
/**
 * A new series' labels, names sorted as Go's client prints them, each value a copy of its own (`ownCopy`), as is the
 * series' key: a headerLabels value is cut from its request's head, and kept as it came for as long as its series,
 * it would hold that whole head (up to http.maxHeaderBytes, 1 MiB) alive. Copied once, when a series is made.
 */
function keptLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) out[k] = ownCopy(labels[k] as string);
  return out;
}

// Scrapes: prom-client's Registry formats a value's `sharedLabels` once per object and caches the text in a WeakMap,
// so every value below hands its series' label object over as sharedLabels (one object per series and bucket,
// made when the series is), and an empty `labels`. Text is then formatted once per series, not once per scrape.

/** A value as prom-client's Registry reads it (and Histogram.get() merges sharedLabels into labels). */
interface TextValue {
  metricName?: string;
  labels: LabelValues;
  sharedLabels: LabelValues;
  value: number;
}
interface TextData {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: TextValue[];
  aggregator: Aggregator;
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
  /** The labels of each bucket line, `le` last as Go prints it. */
  readonly bucketLabels: Labels[];
  sum = 0;
  count = 0;
  constructor(readonly labels: Labels, readonly scope: string, private readonly bounds: readonly number[], le: readonly string[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
    this.bucketLabels = le.map((bound) => ({ ...labels, le: bound }));
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

/** Another family's label objects with one label renamed, made once per object (a view's labels are stable too). */
export type LabelView = (labels: Labels) => Labels;

export function renamingView(from: string, to: string): LabelView {
  const made = new WeakMap<Labels, Labels>();
  return (labels) => {
    let renamed = made.get(labels);
    if (renamed === undefined) made.set(labels, (renamed = renameLabel(labels, from, to)));
    return renamed;
  };
}

const same: LabelView = (labels) => labels;

/** The series of one counter or gauge family, kept apart from the prom-client class each family must extend. */
class PlainValues {
  private readonly series = new Map<string, PlainValue>();
  child(key: string, labels: Labels, scope: string): PlainValue {
    let s = this.series.get(key);
    if (s === undefined) this.series.set(ownCopy(key), (s = new PlainValue(keptLabels(labels), scope)));
    return s;
  }
  drop(gone: (scope: string) => boolean): void {
    dropFrom(this.series, gone);
  }
  /** JSON (--workers aggregation): whole label sets. */
  jsonValues(): CounterValues {
    const values: CounterValues = [];
    for (const s of this.series.values()) values.push({ labels: s.labels, value: s.value });
    return values;
  }
  /** Text: what the Registry formats (it prefers getForPromString when a metric has it). */
  textValues(view: LabelView = same): TextValue[] {
    const values: TextValue[] = [];
    for (const s of this.series.values()) values.push({ labels: {}, sharedLabels: view(s.labels), value: s.value });
    return values;
  }
}

interface PlainMeta {
  name: string;
  help: string;
  labelNames: readonly string[];
  aggregator: Aggregator;
  registry: Registry;
}

/** A prom-client Counter whose series are PlainValues; prom-client formats what it hands over. */
class PlainCounter extends Counter implements Family<CounterChild, Counter> {
  readonly metric: Counter = this;
  private readonly plain = new PlainValues();
  constructor(private readonly meta: PlainMeta) {
    super({ name: meta.name, help: meta.help, labelNames: meta.labelNames, aggregator: meta.aggregator, registers: [meta.registry] });
  }
  child(key: string, labels: Labels, scope: string): PlainValue {
    return this.plain.child(key, labels, scope);
  }
  drop(gone: (scope: string) => boolean): void {
    this.plain.drop(gone);
  }
  override async get(): ReturnType<Counter['get']> {
    return { ...(await super.get()), values: this.plain.jsonValues() };
  }
  textValues(view: LabelView = same): TextValue[] {
    return this.plain.textValues(view);
  }
  getForPromString(): Promise<TextData> {
    return Promise.resolve({ name: this.meta.name, help: this.meta.help, type: 'counter', values: this.plain.textValues(), aggregator: this.meta.aggregator });
  }
}

/** The same for a Gauge. */
class PlainGauge extends Gauge implements Family<GaugeChild, Gauge> {
  readonly metric: Gauge = this;
  private readonly plain = new PlainValues();
  constructor(private readonly meta: PlainMeta) {
    super({ name: meta.name, help: meta.help, labelNames: meta.labelNames, aggregator: meta.aggregator, registers: [meta.registry] });
  }
  child(key: string, labels: Labels, scope: string): PlainValue {
    return this.plain.child(key, labels, scope);
  }
  drop(gone: (scope: string) => boolean): void {
    this.plain.drop(gone);
  }
  override async get(): ReturnType<Gauge['get']> {
    return { ...(await super.get()), values: this.plain.jsonValues() };
  }
  getForPromString(): Promise<TextData> {
    return Promise.resolve({ name: this.meta.name, help: this.meta.help, type: 'gauge', values: this.plain.textValues(), aggregator: this.meta.aggregator });
  }
}

class PlainHistogram extends Histogram implements Family<HistogramChild, Histogram> {
  readonly metric: Histogram = this;
  private readonly series = new Map<string, PlainHistogramValue>();
  private readonly bounds: readonly number[];
  private readonly le: string[];
  constructor(private readonly meta: { name: string; help: string; labelNames: readonly string[]; registry: Registry }, buckets: readonly number[]) {
    super({ name: meta.name, help: meta.help, labelNames: meta.labelNames, buckets: [...buckets], registers: [meta.registry] });
    this.bounds = [...buckets];
    this.le = [...buckets.map(String), '+Inf'];
  }
  child(key: string, labels: Labels, scope: string): PlainHistogramValue {
    let s = this.series.get(key);
    if (s === undefined) this.series.set(ownCopy(key), (s = new PlainHistogramValue(keptLabels(labels), scope, this.bounds, this.le)));
    return s;
  }
  drop(gone: (scope: string) => boolean): void {
    dropFrom(this.series, gone);
  }
  /** Bucket, sum and count lines named after `name`. Each `labels` is a new object: Histogram.get() fills it. */
  textValues(name: string, view: LabelView = same): TextValue[] {
    const values: TextValue[] = [];
    const bucket = `${name}_bucket`;
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.le.length; i++) {
        cumulative += s.counts[i] as number;
        values.push({ metricName: bucket, labels: {}, sharedLabels: view(s.bucketLabels[i] as Labels), value: cumulative });
      }
      const shared = view(s.labels);
      values.push({ metricName: `${name}_sum`, labels: {}, sharedLabels: shared, value: s.sum });
      values.push({ metricName: `${name}_count`, labels: {}, sharedLabels: shared, value: s.count });
    }
    return values;
  }
  /** What the Registry formats, and what prom-client's Histogram.get() turns into whole label sets for JSON. */
  getForPromString(): Promise<TextData> {
    return Promise.resolve({ name: this.meta.name, help: this.meta.help, type: 'histogram', values: this.textValues(this.meta.name), aggregator: 'sum' });
  }
}

export const plainSeries: SeriesStore = {
  counter: (registry, name, help, labelNames, aggregator = 'sum') => new PlainCounter({ name, help, labelNames, aggregator, registry }),
  gauge: (registry, name, help, labelNames, aggregator = 'sum') => new PlainGauge({ name, help, labelNames, aggregator, registry }),
  histogram: (registry, name, help, labelNames, buckets) => new PlainHistogram({ name, help, labelNames, registry }, buckets),
};

/** prom-client's label children, cached per key; each call still hashes its label set (prom-client's design). */
class ChildCache<C, M> implements Family<C, M> {
  private readonly children = new Map<string, { child: C; labels: Labels; scope: string }>();
  constructor(readonly metric: M, private readonly make: (labels: Labels) => C, private readonly remove: (labels: Labels) => void) {}
  child(key: string, labels: Labels, scope: string): C {
    let c = this.children.get(key);
    if (c === undefined) {
      const sorted = keptLabels(labels);
      this.children.set(ownCopy(key), (c = { child: this.make(sorted), labels: sorted, scope }));
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
 * From the plain store the renamed label objects are made once per series; from prom-client's own metrics
 * (the bench's other store) they are renamed at every scrape.
 */
export class RenamedCounter extends Counter {
  private readonly view: LabelView;
  constructor(registry: Registry, private readonly ownName: string, private readonly helpText: string, private readonly source: Counter, from: string, to: string) {
    super({ name: ownName, help: helpText, labelNames: [], registers: [registry] });
    this.view = renamingView(from, to);
  }
  override async get(): ReturnType<Counter['get']> {
    const [base, src] = await Promise.all([super.get(), this.source.get()]);
    return { ...base, values: src.values.map((v) => ({ ...v, labels: this.view(stringLabels(v.labels)) })) };
  }
  async getForPromString(): Promise<TextData> {
    const values = this.source instanceof PlainCounter
      ? this.source.textValues(this.view)
      : (await this.source.get()).values.map((v) => ({ labels: {}, sharedLabels: this.view(stringLabels(v.labels)), value: v.value }));
    return { name: this.ownName, help: this.helpText, type: 'counter', values, aggregator: 'sum' };
  }
}

export class RenamedHistogram extends Histogram {
  private readonly view: LabelView;
  constructor(registry: Registry, private readonly ownName: string, private readonly helpText: string, private readonly source: Histogram, private readonly sourceName: string, from: string, to: string) {
    super({ name: ownName, help: helpText, labelNames: [], registers: [registry] });
    this.view = renamingView(from, to);
  }
  /** What the Registry formats and Histogram.get() splays (see PlainHistogram). */
  async getForPromString(): Promise<TextData> {
    const values = this.source instanceof PlainHistogram
      ? this.source.textValues(this.ownName, this.view)
      : (await this.source.get()).values.map((v) => ({
          metricName: this.ownName + (v.metricName ?? this.sourceName).slice(this.sourceName.length),
          labels: {},
          sharedLabels: this.view(stringLabels(v.labels)),
          value: v.value,
        }));
    return { name: this.ownName, help: this.helpText, type: 'histogram', values, aggregator: 'sum' };
  }
}

/** prom-client's label values as strings (le arrives as a number from its own histograms). */
function stringLabels(labels: LabelValues): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels)) if (v !== undefined) out[k] = String(v);
  return out;
}

/** The same labels with `from` renamed `to`, names kept in Go's sorted order (le stays last). */
function renameLabel(labels: Labels, from: string, to: string): Labels {
  const out: Labels = {};
  const keys = Object.keys(labels).map((k) => (k === from ? to : k));
  const named = keys.filter((k) => k !== 'le').sort();
  if (keys.includes('le')) named.push('le');
  for (const k of named) out[k] = labels[k === to ? from : k] as string;
  return out;
}
