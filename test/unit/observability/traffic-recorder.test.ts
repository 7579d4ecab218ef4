// The dashboard's traffic recorder: 10 s buckets over one hour, per router and service, memory bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrafficRecorder } from '../../../proxy/observability/traffic-recorder.js';

function clock(startMs: number): { now: () => number; advance: (ms: number) => void } {
  let t = startMs;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const T0 = 1_700_000_000_000; // a multiple of 10 s

test('requests of one 10 s bucket add up; the window ends with the current bucket', () => {
  const c = clock(T0);
  const r = new TrafficRecorder({ now: c.now });
  r.record('web@file', 'app@file', 10, 200);
  c.advance(9_999);
  r.record('web@file', 'app@file', 30, 502);
  r.record('web@file', 'app@file', 20, 499);
  const w = r.window();
  assert.equal(w.bucketSeconds, 10);
  assert.equal(w.buckets, 360);
  assert.equal(w.start, T0 / 1000 - 3590);
  const s = w.routers['web@file'];
  assert.ok(s !== undefined);
  assert.equal(s.requests.length, 360);
  assert.equal(s.requests.at(-1), 3);
  assert.equal(s.errors.at(-1), 1, 'only 5xx count as errors, not 499');
  assert.equal(s.latencyMeanMs.at(-1), 20);
  assert.equal(s.latencyMaxMs.at(-1), 30);
  assert.equal(s.requests.slice(0, -1).reduce((a, b) => a + b, 0), 0);
  assert.deepEqual(w.services['app@file']?.requests.at(-1), 3);
});

test('a new bucket starts at the next 10 s boundary, the older one moves left', () => {
  const c = clock(T0);
  const r = new TrafficRecorder({ now: c.now });
  r.record('web@file', '', 5, 200);
  c.advance(10_000);
  r.record('web@file', '', 7, 200);
  r.record('web@file', '', 9, 200);
  const s = r.window().routers['web@file'];
  assert.deepEqual(s?.requests.slice(-2), [1, 2]);
  assert.deepEqual(s?.latencyMeanMs.slice(-2), [5, 8]);
  assert.deepEqual(r.window().services, {}, 'no service: no service series');
});

test('one hour bound: a bucket older than an hour is gone, and a slot reused is reset', () => {
  const c = clock(T0);
  const r = new TrafficRecorder({ now: c.now });
  r.record('web@file', 'app@file', 1, 200);
  c.advance(3590_000);
  assert.equal(r.window().routers['web@file']?.requests[0], 1, 'still inside the hour: the oldest bucket');
  c.advance(10_000);
  r.record('web@file', 'app@file', 2, 200);
  const s = r.window().routers['web@file'];
  assert.equal(s?.requests.reduce((a, b) => a + b, 0), 1, 'the hour-old request fell out; its ring slot now holds the new one');
  assert.equal(s?.requests.at(-1), 1);
  assert.equal(s?.latencyMaxMs.at(-1), 2);
});

test('a series idle for a whole hour is dropped', () => {
  const c = clock(T0);
  const r = new TrafficRecorder({ now: c.now });
  r.record('old@file', 'old@file', 1, 200);
  c.advance(3600_000);
  r.record('new@file', 'new@file', 1, 200);
  const w = r.window();
  assert.deepEqual(Object.keys(w.routers), ['new@file']);
  assert.equal(r.seriesCount, 2);
});

test('at most maxSeries series: the idlest makes room', () => {
  const c = clock(T0);
  const r = new TrafficRecorder({ now: c.now, maxSeries: 4 });
  r.record('a', 'sa', 1, 200);
  c.advance(10_000);
  r.record('b', 'sb', 1, 200);
  c.advance(10_000);
  r.record('a', 'sa', 1, 200); // a is used again: b is now the idlest
  c.advance(10_000);
  r.record('c', 'sc', 1, 200);
  assert.equal(r.seriesCount, 4);
  const w = r.window();
  assert.deepEqual(Object.keys(w.routers).sort(), ['a', 'c']);
  assert.deepEqual(Object.keys(w.services).sort(), ['sa', 'sc']);
});

test('the request hook leaves @internal routers and services out (the dashboard polling itself)', () => {
  const r = new TrafficRecorder({ now: () => T0 });
  const ctx = (routerName: string, serviceName: string) => ({
    routerName, serviceName, startedAt: process.hrtime.bigint(), res: { headersSent: true, statusCode: 200 },
  }) as unknown as Parameters<TrafficRecorder['onRequestDone']>[0];
  r.onRequestDone(ctx('api@internal', 'api@internal'));
  r.onRequestDone(ctx('dash@file', 'api@internal'));
  r.onRequestDone(ctx('', ''));
  r.onRequestDone(ctx('web@file', 'app@file'));
  assert.deepEqual(Object.keys(r.window().routers), ['web@file']);
});
