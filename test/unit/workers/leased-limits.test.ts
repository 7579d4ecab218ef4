// Two workers' leased limits against one primary ledger, over a link that answers on a later turn of the
// event loop as IPC does: together they admit what one process would, and never more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeasedLimits, type LedgerLink } from '../../../operator/workers/leased-limits.js';
import { LimitLedger } from '../../../operator/workers/limit-ledger.js';
import { limiterSettings } from '../../../proxy/middlewares/traffic/rate-limit.js';
import { localLimits, type BucketSettings, type RateBuckets } from '../../../proxy/middlewares/traffic/shared-limits.js';

const later = <T>(value: () => T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(value())));

function linkTo(ledger: LimitLedger, worker: number, calls: { count: number }): LedgerLink {
  return {
    take: (request) => {
      calls.count++;
      return later(() => ledger.take(worker, request));
    },
    acquire: (request) => {
      calls.count++;
      return later(() => ledger.acquire(worker, request));
    },
    release: (request) => void later(() => ledger.release(worker, request)),
    settle: (request) => void later(() => ledger.settle(worker, request)),
  };
}

function settings(average: number, burst: number): BucketSettings {
  return { ...limiterSettings(average, 1000), burst };
}

const decisions = <T>(ask: (decide: (value: T) => void) => void, count: number): Promise<T[]> =>
  Promise.all(Array.from({ length: count }, () => new Promise<T>((resolve) => ask(resolve))));

/** The waits of `count` reservations of `key`: no store that could fail (null) is asked here. */
const reserved = async (buckets: RateBuckets, key: string, count: number): Promise<number[]> =>
  (await decisions<number | null>((d) => buckets.reserve(key, d), count)).map((delay) => delay ?? assert.fail('no store to fail'));

test('rateLimit burst 10 at 1/s: two workers asking at once admit 10 in all, the rest refused', async () => {
  const ledger = new LimitLedger();
  const calls = { count: 0 };
  const s = settings(1, 10);
  const a = new LeasedLimits(linkTo(ledger, 1, calls), 2).rateBuckets('limit', s);
  const b = new LeasedLimits(linkTo(ledger, 2, calls), 2).rateBuckets('limit', s);
  const [fromA, fromB] = await Promise.all([reserved(a, '10.0.0.1', 12), reserved(b, '10.0.0.1', 12)]);
  const all = [...fromA, ...fromB];
  assert.equal(all.filter((delay) => delay === 0).length, 10, 'the burst, once');
  assert.ok(all.filter((delay) => delay !== 0).every((delay) => delay > s.maxDelayNs), 'the others refused (their token is seconds away)');
  assert.equal((await reserved(a, '10.0.0.2', 1))[0], 0, 'another source has its own bucket');
});

test('rateLimit with a large burst asks the primary once per batch, not per request', async () => {
  const ledger = new LimitLedger();
  const calls = { count: 0 };
  const a = new LeasedLimits(linkTo(ledger, 1, calls), 2).rateBuckets('limit', settings(100_000, 8_000));
  for (let i = 0; i < 3000; i++) assert.equal((await reserved(a, 'k', 1))[0], 0);
  // A batch is a quarter of this worker's half of the burst: 1,000 tokens.
  assert.ok(calls.count <= 4, `${calls.count} calls to the primary for 3,000 requests`);
});

test('rateLimit: a token within maxDelay is reserved ahead, as Traefik holds the request for it', async () => {
  const ledger = new LimitLedger();
  // 1/s, burst 1: maxDelay 500 ms. 600 ms after the burst is spent, the next token is about 400 ms away.
  const s = settings(1, 1);
  const a = new LeasedLimits(linkTo(ledger, 1, { count: 0 }), 2).rateBuckets('limit', s);
  assert.equal((await reserved(a, 'k', 1))[0], 0);
  await new Promise((r) => setTimeout(r, 600));
  const [second] = await reserved(a, 'k', 1);
  assert.ok(second !== undefined && second > 0 && second <= s.maxDelayNs, `held for its token, at most maxDelay: ${second} ns`);
});

test('inFlightReq amount 3 over two workers: 3 admitted in all; a release frees a slot for either worker', async () => {
  const ledger = new LimitLedger();
  const calls = { count: 0 };
  const a = new LeasedLimits(linkTo(ledger, 1, calls), 2).inFlightSlots('gate', 3);
  const b = new LeasedLimits(linkTo(ledger, 2, calls), 2).inFlightSlots('gate', 3);
  const [fromA, fromB] = await Promise.all([decisions<boolean>((d) => a.acquire('host', d), 3), decisions<boolean>((d) => b.acquire('host', d), 3)]);
  assert.equal([...fromA, ...fromB].filter(Boolean).length, 3);
  assert.equal(ledger.inFlightCount('gate', 'host'), 3);
  const holder = fromA.includes(true) ? a : b;
  const other = holder === a ? b : a;
  holder.release('host');
  await later(() => undefined);
  assert.deepEqual(await decisions<boolean>((d) => other.acquire('host', d), 2), [true, false], 'one slot came back, for the other worker');
});

test('inFlightReq: the slots of a worker that exits are free again', async () => {
  const ledger = new LimitLedger();
  const a = new LeasedLimits(linkTo(ledger, 1, { count: 0 }), 2).inFlightSlots('gate', 2);
  assert.deepEqual(await decisions<boolean>((d) => a.acquire('host', d), 2), [true, true]);
  ledger.forgetWorker(1);
  assert.equal(ledger.inFlightCount('gate', 'host'), 0);
  const b = new LeasedLimits(linkTo(ledger, 2, { count: 0 }), 2).inFlightSlots('gate', 2);
  assert.deepEqual(await decisions<boolean>((d) => b.acquire('host', d), 2), [true, true]);
});

test('a worker whose primary is gone refuses rather than admits or hangs', async () => {
  const gone: LedgerLink = { take: () => Promise.reject(new Error('gone')), acquire: () => Promise.reject(new Error('gone')), release: () => undefined, settle: () => undefined };
  const limits = new LeasedLimits(gone, 2);
  const s = settings(1, 1);
  const [delay] = await reserved(limits.rateBuckets('limit', s), 'k', 1);
  assert.ok(delay !== undefined && delay > s.maxDelayNs, 'refused');
  assert.deepEqual(await decisions<boolean>((d) => limits.inFlightSlots('gate', 1).acquire('k', d), 1), [false]);
});

test('leased tokens stay in the bucket until spent: after a pause, two workers admit no more than one process (burst 100 at 400/s)', async () => {
  const s = settings(400, 100);
  /** One request on each side, a 100 ms pause (the bucket refills), then 100 requests on each side at once. */
  const burstAfterPrime = async (sides: RateBuckets[]): Promise<number> => {
    const prime = await Promise.all(sides.map((b) => reserved(b, 'client', 1)));
    await new Promise((r) => setTimeout(r, 100));
    const burst = await Promise.all(sides.map((b) => reserved(b, 'client', 100)));
    return [...prime.flat(), ...burst.flat()].filter((delay) => delay <= s.maxDelayNs).length;
  };
  const alone = localLimits.rateBuckets('limit', s);
  const one = await burstAfterPrime([alone, alone]);
  const ledger = new LimitLedger();
  const two = await burstAfterPrime([1, 2].map((w) => new LeasedLimits(linkTo(ledger, w, { count: 0 }), 2).rateBuckets('limit', s)));
  // A few tokens of slack: the two runs' clocks differ by the time the ledger's answers take.
  assert.ok(two <= one + 3, `two workers admitted ${two}, one process ${one}`);
});
