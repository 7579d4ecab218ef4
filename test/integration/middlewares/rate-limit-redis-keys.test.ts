// rateLimit.redis and client-chosen sources: a source taken from a request header (or X-Forwarded-For) is as long
// as the client makes it (http.maxHeaderBytes is 1 MiB), and each distinct one is a Redis key kept for the bucket's
// ttl. Stored as sent, each request may store up to 1 MiB in Redis for as long as an hour (average 1 per hour): a client
// uploading long distinct values fills Redis. A Redis sized as a cache (maxmemory, allkeys-lru) then evicts other
// sources' buckets, so a refused client gets a fresh burst; one that dies (out of memory) makes every rateLimit using
// it answer 500. A long source is stored under its SHA-256: a request costs Redis the same whatever its headers.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startBackend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { rateLimitDynamicYaml, RedisServer, redisTestsCanRun } from '../../support/redis-server.js';

/** GET `url` with `x-src: source`; the status. */
function getWithSource(url: string, source: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'x-src': source }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('no answer in 15 s')));
  });
}

if (redisTestsCanRun('rateLimit.redis source keys')) {
  test('long header-derived sources do not fill Redis: 40 distinct 256 KiB sources (10 MiB) do not evict a spent bucket from an 8 MiB Redis', { timeout: 90_000 }, async (t) => {
    // A Redis sized as a cache: 8 MiB, least recently used keys evicted.
    const redis = await RedisServer.start(['--maxmemory', '8mb', '--maxmemory-policy', 'allkeys-lru']);
    t.after(() => redis.stop());
    const backend = await startBackend('app', undefined, { maxHeaderSize: 2 * 1024 * 1024 });
    t.after(() => backend.close());
    const dir = new TempConfigDir();
    const dynamicFile = dir.write('dynamic.yml', rateLimitDynamicYaml(backend, { average: 1, period: '1h', burst: 1, sourceHeader: 'X-Src' }, [`endpoints: ["${redis.endpoint}"]`]));
    const web = await freePort();
    dir.write('traefik.yml', staticYaml({ entryPoints: { web }, dynamicFile }));
    const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    t.after(async () => {
      await proc.stop();
      dir.remove();
    });
    await proc.waitListening(1, 15_000);
    await proc.waitForLine('configuration applied', 10_000).catch(() => undefined);
    const url = `http://127.0.0.1:${web}/`;
    const victim: number[] = [];
    for (let i = 0; i < 2; i++) victim.push(await getWithSource(url, 'victim'));

    // 10 MiB of distinct sources (each is its own bucket: admitted).
    const filler = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 40; i++) await getWithSource(url, `${i}-${filler}`);

    for (let i = 0; i < 3; i++) victim.push(await getWithSource(url, 'victim'));
    assert.deepEqual(victim, [200, 429, 429, 429, 429], 'burst 1 per hour: the spent bucket is still in Redis after the long sources');

    const inspect = new Redis({ port: redis.port, host: '127.0.0.1' });
    t.after(() => inspect.disconnect());
    const keys = await inspect.keys('rate:*');
    assert.equal(keys.length, 41);
    assert.ok(keys.every((k) => k.length <= 128), `every key is short: the longest has ${Math.max(...keys.map((k) => k.length))} characters`);
    assert.ok(keys.includes('rate:limit@file:victim'), 'a short source keeps Traefik\'s key rate:<middleware>:<source>');
  });
}
