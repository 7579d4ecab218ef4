import type { TrafficSeries, TrafficWindow } from './traffic-recorder.js';

/**
 * `--workers`: the dashboard's charts over every worker. Each worker records the requests it served; the
 * windows are added bucket by bucket on `frame`'s buckets (a worker that read its clock across a bucket's edge
 * is shifted onto them): requests and errors summed, mean latency weighted by requests, max latency the largest.
 */
export function mergeTrafficWindows(frame: TrafficWindow, windows: readonly TrafficWindow[]): TrafficWindow {
  const out: TrafficWindow = { ...frame, routers: {}, services: {} };
  for (const window of windows) {
    const shift = Math.round((window.start - frame.start) / frame.bucketSeconds);
    for (const kind of ['routers', 'services'] as const) {
      for (const [name, series] of Object.entries(window[kind])) {
        const into = (out[kind][name] ??= emptySeries(frame.buckets));
        addSeries(into, series, shift);
      }
    }
  }
  return out;
}

function emptySeries(buckets: number): TrafficSeries {
  const zeros = (): number[] => new Array<number>(buckets).fill(0);
  return { requests: zeros(), errors: zeros(), latencyMeanMs: zeros(), latencyMaxMs: zeros() };
}

/** Adds `from` into `into`, `from`'s bucket i landing on `into`'s bucket i + shift. */
function addSeries(into: TrafficSeries, from: TrafficSeries, shift: number): void {
  for (let i = 0; i < from.requests.length; i++) {
    const at = i + shift;
    const n = from.requests[i] ?? 0;
    if (at < 0 || at >= into.requests.length || n === 0) continue;
    const before = into.requests[at] ?? 0;
    const total = before + n;
    into.latencyMeanMs[at] = Math.round((((into.latencyMeanMs[at] ?? 0) * before + (from.latencyMeanMs[i] ?? 0) * n) / total) * 1000) / 1000;
    into.latencyMaxMs[at] = Math.max(into.latencyMaxMs[at] ?? 0, from.latencyMaxMs[i] ?? 0);
    into.requests[at] = total;
    into.errors[at] = (into.errors[at] ?? 0) + (from.errors[i] ?? 0);
  }
}
