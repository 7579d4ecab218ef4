// rateLimit.redis across replicas whose clocks differ: each replica used to hand the bucket script its own wall-clock
// time, and the script (Traefik's) moves `last` back to an earlier time without counting the difference as spent. A
// client alternating between a replica 1 s ahead and one on time then gained a second's worth of tokens on every pair
// of requests, however fast it sent them: with 20 ms of skew a 100/s limit let every request through. Buckets are
// now timed by Redis's clock, the one clock every replica shares.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedisLink, quietRedisEvents, type BucketCall } from '../../../proxy/middlewares/traffic/redis-link.js';
import { RedisServer, redisTestsCanRun } from '../../support/redis-server.js';

if (redisTestsCanRun('rateLimit.redis clocks')) {
  test('two replicas 1 s apart share one bucket of 10/s, burst 2: a client alternating between them gets what 10/s allows, not every request', { timeout: 30_000 }, async (t) => {
    const redis = await RedisServer.start();
    t.after(() => redis.stop());
    const link = new RedisLink({ endpoints: [redis.endpoint] }, quietRedisEvents);
    t.after(() => link.close());
    // Traefik's settings for average 10 per second: maxDelay 1s/(2*10) = 50 ms, ttl 2 s.
    const maxDelayMicroseconds = 50_000;
    const call = (skewMs: number): BucketCall => ({
      ratePerMicrosecond: 10 / 1e6, burst: 2, ttlSeconds: 2, nowMicroseconds: (Date.now() + skewMs) * 1000, maxDelayMicroseconds,
    });
    let admitted = 0;
    const started = Date.now();
    for (let i = 0; i < 100; i++) {
      const wait = await link.tokenBucket('rate:limit@file:203.0.113.7', call(i % 2 === 0 ? 1000 : 0));
      if (wait <= maxDelayMicroseconds) admitted++;
    }
    const seconds = (Date.now() - started) / 1000;
    // The burst, 10 per second elapsed, and one held within maxDelay.
    const allowed = 2 + Math.ceil(10 * seconds) + 1;
    assert.ok(admitted <= allowed, `${admitted} of 100 admitted in ${seconds} s, at most ${allowed} allowed`);
  });
}
