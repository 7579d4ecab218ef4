import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoNanoseconds } from '../../../labels-spec/duration.js';
import { limiterSettings } from '../../../proxy/middlewares/traffic/rate-limit.js';
import { TokenBucket } from '../../../proxy/middlewares/traffic/token-bucket.js';
import { TtlMap } from '../../../proxy/middlewares/traffic/ttl-map.js';

test('X-Retry-In is printed as Go prints a time.Duration', () => {
  const table: [ns: number, text: string][] = [
    [0, '0s'],
    [1, '1ns'],
    [999, '999ns'],
    [1_500, '1.5µs'],
    [999_900_000, '999.9ms'],
    [333_333_333, '333.333333ms'],
    [5_000_000, '5ms'],
    [1_000_000_000, '1s'],
    [1_500_000_000, '1.5s'],
    [59_999_999_999, '59.999999999s'],
    [60_000_000_000, '1m0s'],
    [90_500_000_000, '1m30.5s'],
    [3_600_000_000_000, '1h0m0s'],
    [3_723_000_000_000, '1h2m3s'],
  ];
  for (const [ns, text] of table) assert.equal(formatGoNanoseconds(ns), text, `${ns} ns`);
});

// Each row: reservations at the given times (seconds); the wait each one is told, in ns, or 'refused'
// when it exceeds maxDelay (the token is then given back).
interface BucketCase {
  name: string;
  rate: number;
  burst: number;
  maxDelayNs: number;
  steps: [at: number, expect: number | 'refused' | 'now'][];
}

const BUCKETS: BucketCase[] = [
  {
    name: 'average 1 burst 1 (maxDelay 500ms): back-to-back second request refused, 0.6 s later delayed 0.4 s',
    rate: 1,
    burst: 1,
    maxDelayNs: 500e6,
    steps: [[10, 'now'], [10.0001, 'refused'], [10.6, 400e6]],
  },
  {
    name: 'average 100 burst 50 (maxDelay 5ms): 50 instant, the 51st refused, a token 4 ms away is waited for',
    rate: 100,
    burst: 50,
    maxDelayNs: 5e6,
    steps: [...Array.from({ length: 50 }, (): [number, 'now'] => [1, 'now']), [1, 'refused'], [1.006, 4e6], [1.006, 'refused']],
  },
  {
    name: 'Pixelated Empathy: average 100 per 1m burst 50 (r = 1.67/s, maxDelay 500ms)',
    rate: 100 / 60,
    burst: 50,
    maxDelayNs: 500e6,
    steps: [...Array.from({ length: 50 }, (): [number, 'now'] => [0, 'now']), [0, 'refused'], [0.3, 300e6], [0.31, 'refused']],
  },
  {
    name: 'a refill never exceeds burst',
    rate: 10,
    burst: 2,
    maxDelayNs: 50e6,
    steps: [[0, 'now'], [0, 'now'], [100, 'now'], [100, 'now'], [100, 'refused']],
  },
];

test('token bucket follows golang.org/x/time/rate Reserve/Cancel', () => {
  for (const c of BUCKETS) {
    const bucket = new TokenBucket(c.rate, c.burst);
    c.steps.forEach(([at, expect], i) => {
      const delay = bucket.reserve(at, c.maxDelayNs);
      const label = `${c.name}: step ${i} at ${at}s waited ${delay}ns`;
      if (expect === 'now') assert.equal(delay, 0, label);
      else if (expect === 'refused') assert.ok(delay > c.maxDelayNs, label);
      else assert.ok(Math.abs(delay - expect) < 1e3, label);
    });
  }
});

test('refused back-to-back request is told to retry in 999.9ms', () => {
  const bucket = new TokenBucket(1, 1);
  bucket.reserve(5, 500e6);
  assert.equal(formatGoNanoseconds(bucket.reserve(5.0001, 500e6)), '999.9ms');
});

test('ttl map: entries expire by whole Unix seconds and the soonest to expire is evicted past capacity', () => {
  const map = new TtlMap<string>(2, 2);
  let made = 0;
  const make = (): string => `v${++made}`;
  assert.equal(map.touch('a', make, 10_000), 'v1');
  assert.equal(map.touch('a', make, 11_999), 'v1', 'alive until its expiry second starts');
  assert.equal(map.touch('a', make, 12_999), 'v1', 'each write refreshes the expiry');
  assert.equal(map.touch('a', make, 15_000), 'v2', 'expired after 2 s idle: a new value');
  map.touch('b', make, 15_000); // v3, expires second 17 like a
  map.touch('c', make, 16_000); // v4, expires second 18
  map.touch('d', make, 16_000); // past capacity: a (soonest to expire, first written) goes
  assert.equal(map.size, 3, 'ttlmap holds capacity + 1 before evicting');
  assert.equal(map.touch('b', make, 16_500), 'v3', 'b is still there, now expiring at second 18 after c');
  map.touch('e', make, 16_500); // evicts c, now the soonest to expire
  assert.equal(map.size, 3);
  assert.equal(map.touch('b', make, 16_600), 'v3');
  assert.equal(map.touch('c', make, 16_600), 'v7', 'c was evicted: a new value');
});

test('rate, maxDelay and bucket TTL follow Traefik (integer truncation of the rate included)', () => {
  const table: [average: number, periodMs: number, rate: number, maxDelayNs: number, ttl: number][] = [
    [1, 1000, 1, 500e6, 2],
    [100, 1000, 100, 5e6, 2],
    [3, 2000, 1.5, 500e6, 2],
    [100, 60_000, 100 / 60, 500e6, 2],
    [1, 60_000, 1 / 60, 500e6, 61],
    [1, 0, 1, 500e6, 2],
    [3, 1000, 3, 166_666_666, 2],
    [1, 4000, 0.25, 500e6, 5],
  ];
  for (const [average, periodMs, rate, maxDelayNs, ttlSeconds] of table) {
    const got = limiterSettings(average, periodMs);
    assert.ok(Math.abs(got.rate - rate) < 1e-9, `${average}/${periodMs}ms rate ${got.rate}`);
    assert.deepEqual({ maxDelayNs: got.maxDelayNs, ttlSeconds: got.ttlSeconds }, { maxDelayNs, ttlSeconds }, `${average}/${periodMs}ms`);
  }
});
