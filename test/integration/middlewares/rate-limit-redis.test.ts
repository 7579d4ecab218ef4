// rateLimit.redis (Traefik v3.4) end to end: real pe-edge processes (the CLI) sharing one real redis-server
// (Debian's), counting one token bucket per source between them; Redis killed or stuck mid-test: requests are
// answered 500 as Traefik answers them (never let through unlimited), one error line per outage and a metric;
// Redis back: limits resume on their own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startBackend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet, type Reply } from '../../support/load-client.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { EdgeProxy } from '../../../proxy/index.js';
import { rateLimitDynamicYaml as dynamicYaml, REDIS_SERVER, RedisServer, redisServerMissing } from '../../support/redis-server.js';

type After = { after: (fn: () => Promise<void> | void) => void };


/** A pe-edge CLI with its own `web` entrypoint (and a `metrics` one serving Prometheus), stopped after the test. */
async function startEdge(t: After, dynamic: string): Promise<{ proc: CliProcess; url: string; metricsUrl: string }> {
  const dir = new TempConfigDir();
  const dynamicFile = dir.write('dynamic.yml', dynamic);
  const [web, metrics] = [await freePort(), await freePort()];
  const extra = ['metrics:', '  prometheus:', '    entryPoint: metrics'].join('\n');
  dir.write('traefik.yml', staticYaml({ entryPoints: { web, metrics }, dynamicFile, extra }));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  t.after(async () => {
    await proc.stop();
    dir.remove();
  });
  await proc.waitListening(2, 15_000);
  await proc.waitForLine('configuration applied', 10_000).catch(() => undefined);
  return { proc, url: `http://127.0.0.1:${web}/`, metricsUrl: `http://127.0.0.1:${metrics}/metrics` };
}

/** `count` requests, alternating between the edges' URLs; the statuses in order. */
async function alternate(urls: readonly string[], count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await httpGet(urls[i % urls.length] as string)).status);
  return statuses;
}

const tally = (statuses: readonly number[], status: number): number => statuses.filter((s) => s === status).length;

function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const redisErrors = (proc: CliProcess): string[] => proc.messages('error').filter((m) => m.startsWith('rateLimit "limit@file": Redis at'));

/** Traefik's answer when its limiter cannot reach Redis: http.Error(rw, "Could not insert/update bucket", 500). */
function assertBucketStoreFailed(reply: Reply, what: string): void {
  assert.equal(reply.status, 500, `${what}: ${reply.status} ${reply.body}`);
  assert.equal(reply.body, 'Could not insert/update bucket\n', what);
  assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8', what);
  assert.equal(reply.headers['x-content-type-options'], 'nosniff', what);
}

const missing = redisServerMissing();
if (missing === 'fail') {
  test('rateLimit.redis against a real Redis: redis-server is required in CI', () => {
    assert.fail(`${REDIS_SERVER} is missing: .ci/run installs redis-server`);
  });
} else if (missing === 'skip') {
  console.warn(`\n!!! SKIPPING the rateLimit.redis tests: ${REDIS_SERVER} is missing (apt-get install redis-server). They run in CI.\n`);
  test('rateLimit.redis against a real Redis', { skip: `SKIPPED LOUDLY: ${REDIS_SERVER} is missing` }, () => undefined);
} else {
  test('two pe-edge processes sharing one Redis admit average 10 per 10m burst 10 once in total; without redis each admits its own 10', { timeout: 90_000 }, async (t) => {
    // An ACL user (the default user is off): a pe-edge that could not log in would answer 500 instead of 200 or 429.
    const redis = await RedisServer.start(['--user', 'default', 'off', '--user', 'edge', 'on', '>s3cret', '~*', '&*', '+@all']);
    t.after(() => redis.stop());
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const limit = { average: 10, period: '10m', burst: 10 };
    const shared = dynamicYaml(backend, limit, [`endpoints: ["${redis.endpoint}"]`, 'username: edge', 'password: s3cret', 'db: 3']);
    const [a, b] = [await startEdge(t, shared), await startEdge(t, shared)];

    const together = await alternate([a.url, b.url], 24);
    assert.equal(tally(together, 200), 10, `10 admitted in all across both edges: ${together.join(',')}`);
    assert.equal(tally(together, 429), 14, together.join(','));
    assert.deepEqual(together.slice(0, 10), Array(10).fill(200), 'the burst first, whichever edge answers');

    // The bucket is Traefik's: the hash rate:<middleware>:<source> in the configured db, with its last/tokens fields.
    const inspect = new Redis({ port: redis.port, host: '127.0.0.1', username: 'edge', password: 's3cret', db: 3, lazyConnect: true });
    t.after(() => inspect.disconnect());
    await inspect.connect();
    assert.deepEqual(await inspect.keys('rate:*'), ['rate:limit@file:127.0.0.1']);
    const bucket = await inspect.hgetall('rate:limit@file:127.0.0.1');
    assert.deepEqual(Object.keys(bucket).sort(), ['last', 'tokens']);
    assert.ok(Number(bucket['tokens']) < 1, `the bucket is spent: ${JSON.stringify(bucket)}`);
    const ttl = await inspect.ttl('rate:limit@file:127.0.0.1');
    assert.ok(ttl > 0 && ttl <= 61, `Traefik's ttl for 1/60 token per second: 1 + 60 s, got ${ttl}`);
    await inspect.quit();

    // The same limit counted by each process alone: twice the admissions.
    const [c, d] = [await startEdge(t, dynamicYaml(backend, limit, null)), await startEdge(t, dynamicYaml(backend, limit, null))];
    const apart = await alternate([c.url, d.url], 24);
    assert.equal(tally(apart, 200), 20, `each edge admits its own 10: ${apart.join(',')}`);
  });

  test('Redis killed mid-test: every request is answered 500 "Could not insert/update bucket" at once, as Traefik does, never passed unlimited; one error line and a metric; Redis back on its port: the limit resumes', { timeout: 90_000 }, async (t) => {
    const redis = await RedisServer.start();
    t.after(() => redis.stop());
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const edge = await startEdge(t, dynamicYaml(backend, { average: 1, period: '10m', burst: 2 }, [`endpoints: ["${redis.endpoint}"]`, 'readTimeout: 500ms']));

    assert.deepEqual(await alternate([edge.url], 3), [200, 200, 429], 'burst 2, then refused');
    await redis.kill();
    const hits = backend.seen.length;
    for (let i = 0; i < 6; i++) {
      const started = Date.now();
      const reply = await httpGet(edge.url, { timeoutMs: 10_000 });
      const ms = Date.now() - started;
      assertBucketStoreFailed(reply, `request ${i} while Redis is down`);
      assert.ok(ms < 3000, `request ${i} answered in ${ms} ms, not held by the reconnecting client`);
    }
    assert.equal(backend.seen.length, hits, 'no request reached the backend while the limit could not be counted');
    await edge.proc.waitFor(() => redisErrors(edge.proc).length > 0, 5000, 'the outage line');
    const lines = redisErrors(edge.proc);
    assert.equal(lines.length, 1, `one line for the outage, not one per request: ${lines.join(' | ')}`);
    assert.match(lines[0] as string, new RegExp(`^rateLimit "limit@file": Redis at ${redis.endpoint.replace(/\./g, '\\.')} did not answer \\(.+\\); requests are answered 500 until it does$`));
    const metrics = (await httpGet(edge.metricsUrl)).body;
    const errors = metricValue(metrics, 'pe_edge_ratelimit_redis_errors_total{middleware="limit@file"}');
    assert.ok(errors !== undefined && errors >= 6, `every request answered 500 is counted: ${errors}`);

    // Back on the same port, empty (no persistence): a fresh bucket of 2, then 429 again, without a reload.
    await redis.start();
    const seen: number[] = [];
    const deadline = Date.now() + 20_000;
    const resumed = (): boolean => seen.length >= 3 && seen.slice(-3).join(',') === '200,200,429';
    while (!resumed()) {
      assert.ok(Date.now() < deadline, `the limit did not resume after Redis came back: ${seen.join(',')}`);
      seen.push((await httpGet(edge.url, { timeoutMs: 10_000 })).status);
      if (seen.at(-1) === 200 && seen.length % 4 === 0) await new Promise((r) => setTimeout(r, 200));
    }
    await edge.proc.waitFor(() => edge.proc.messages('info').some((m) => m.endsWith('answers again; requests are limited again')), 5000, `the recovery line in ${edge.proc.messages().join(' | ')}`);
    assert.equal(redisErrors(edge.proc).length, 1, 'still the one line');
  });

  test('a Redis that stops answering holds a request no longer than readTimeout: it is answered 500, logged once', { timeout: 60_000 }, async (t) => {
    const redis = await RedisServer.start();
    t.after(() => redis.stop());
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const edge = await startEdge(t, dynamicYaml(backend, { average: 1, period: '10m', burst: 1 }, [`endpoints: ["${redis.endpoint}"]`, 'readTimeout: 300ms']));
    assert.deepEqual(await alternate([edge.url], 2), [200, 429]);
    redis.pause();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      assertBucketStoreFailed(await httpGet(edge.url, { timeoutMs: 10_000 }), `request ${i} to a stuck Redis`);
      times.push(Date.now() - started);
    }
    // 300 ms, not go-redis's default 3 s: generous for a loaded machine, far below the default.
    assert.ok(times.every((ms) => ms >= 250 && ms < 2500), `each request waited about readTimeout: ${times.join(', ')} ms`);
    assert.equal(redisErrors(edge.proc).length, 1);
    assert.match(redisErrors(edge.proc)[0] as string, /timed out/);
    redis.resume();
    // Redis answers again with the bucket it had: still spent.
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status !== 429 && Date.now() < deadline) status = (await httpGet(edge.url)).status;
    assert.equal(status, 429, 'the limit holds again once Redis answers');
  });

  test('readTimeout 0 (go-redis: no deadline, so Traefik holds the request as long as its client waits): a stuck Redis still answers 500 within the 3 s default', { timeout: 60_000 }, async (t) => {
    const redis = await RedisServer.start();
    t.after(() => redis.stop());
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const proxy = await startProxy(buildInput({ http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app@file', middlewares: ['limit@file'] } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: { 'limit@file': { rateLimit: { average: 1, period: 600_000, burst: 1, redis: { endpoints: [redis.endpoint], readTimeout: 0 } } } },
    } }));
    t.after(() => proxy.close(0));
    const url = `http://127.0.0.1:${proxy.port('web')}/`;
    assert.deepEqual([(await httpGet(url)).status, (await httpGet(url)).status], [200, 429]);
    redis.pause();
    const started = Date.now();
    assertBucketStoreFailed(await httpGet(url, { timeoutMs: 15_000 }), 'a request to a stuck Redis with readTimeout 0');
    const ms = Date.now() - started;
    assert.ok(ms >= 2500 && ms < 6000, `held about 3 s, not for ever: ${ms} ms`);
  });

  test('one Redis client per redis configuration, kept across reloads that keep it, closed when no rateLimit uses it any more', { timeout: 60_000 }, async (t) => {
    const redis = await RedisServer.start();
    t.after(() => redis.stop());
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const inspect = new Redis({ port: redis.port, host: '127.0.0.1' });
    t.after(() => inspect.disconnect());
    const myId = await inspect.client('ID');
    // The ids of the other connections Redis has: pe-edge's clients.
    const clients = async (): Promise<string[]> => {
      const list = String(await inspect.client('LIST'));
      return list.split('\n').map((line) => /^id=(\d+) /.exec(line)?.[1]).filter((id): id is string => id !== undefined && id !== String(myId));
    };
    const settle = async (want: number): Promise<string[]> => {
      const deadline = Date.now() + 10_000;
      let ids = await clients();
      while (ids.length !== want && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        ids = await clients();
      }
      assert.equal(ids.length, want, `${want} pe-edge connection(s) to Redis, got ${ids.join(',')}`);
      return ids;
    };
    const input = (rateLimit: Record<string, unknown> | null) => buildInput({ http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app@file', ...(rateLimit !== null ? { middlewares: ['limit@file'] } : {}) } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: rateLimit !== null ? { 'limit@file': { rateLimit } } : {},
    } });
    const limit = (average: number, db: number) => ({ average, period: 600_000, burst: 1, redis: { endpoints: [redis.endpoint], db } });

    const proxy = await startProxy(input(limit(1, 0)));
    let closed = false;
    t.after(() => (closed ? undefined : proxy.close(0)));
    const url = `http://127.0.0.1:${proxy.port('web')}/`;
    assert.deepEqual([(await httpGet(url)).status, (await httpGet(url)).status], [200, 429]);
    const [first] = await settle(1);
    proxy.apply(input(limit(2, 0)));
    assert.equal((await httpGet(url)).status, 429, 'another average, the same Redis bucket: still spent');
    assert.deepEqual(await settle(1), [first], 'the same redis configuration: the same client');
    proxy.apply(input(limit(2, 1)));
    assert.equal((await httpGet(url)).status, 200, 'another db: another bucket');
    const [second] = await settle(1);
    assert.notEqual(second, first, 'a new client for the new configuration, the old one closed');
    proxy.apply(input(null));
    await settle(0);
    proxy.apply(input(limit(2, 1)));
    await settle(1);
    await proxy.close(0);
    closed = true;
    await settle(0);
  });

  test('a reload that drops a redis configuration answers the requests still waiting on its Redis (they are not cut into 500s)', { timeout: 60_000 }, async (t) => {
    const redis = await RedisServer.start();
    t.after(() => redis.stop());
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const input = (limited: boolean) => buildInput({ http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app@file', ...(limited ? { middlewares: ['limit@file'] } : {}) } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: limited ? { 'limit@file': { rateLimit: { average: 1, period: 600_000, burst: 5, redis: { endpoints: [redis.endpoint] } } } } : {},
    } });
    const proxy = await startProxy(input(true));
    t.after(() => proxy.close(0));
    const url = `http://127.0.0.1:${proxy.port('web')}/`;
    assert.equal((await httpGet(url)).status, 200, 'connected, one token spent');
    const admin = new Redis({ port: redis.port, host: '127.0.0.1' });
    t.after(() => admin.disconnect());
    // Redis holds every other client's commands for 1 s: the next request's call is sent and waits for its answer.
    await admin.call('CLIENT', 'PAUSE', '1000', 'ALL');
    const waiting = httpGet(url, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 200));
    proxy.apply(input(false));
    const reply = await waiting;
    assert.equal(reply.status, 200, `the request sent before the reload is answered by Redis, then forwarded: ${reply.status} ${reply.body}`);
  });

  test('Traefik\'s arithmetic through Redis: a token due within maxDelay holds the request, a later one is 429 with Retry-After and X-Retry-In; routers sharing the middleware share its bucket', { timeout: 60_000 }, async (t) => {
    const redis = await RedisServer.start();
    t.after(() => redis.stop());
    const backend = await startBackend('app');
    t.after(() => backend.close());
    // average 2 per second, burst 1: a token every 500 ms, maxDelay 1s/(2*2) = 250 ms.
    const proxy = await startProxy(buildInput({ http: {
      routers: {
        'a@file': { rule: 'PathPrefix(`/a`)', service: 'app@file', middlewares: ['limit@file'] },
        'b@file': { rule: 'PathPrefix(`/b`)', service: 'app@file', middlewares: ['limit@file'] },
      },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: { 'limit@file': { rateLimit: { average: 2, period: 1000, burst: 1, redis: { endpoints: [redis.endpoint] } } } },
    } }));
    t.after(() => proxy.close(0));
    const base = `http://127.0.0.1:${proxy.port('web')}`;

    const t0 = Date.now();
    assert.equal((await httpGet(`${base}/a`)).status, 200);
    // Redis counted the first token between t0 and now (the first call also waited for the connection).
    const t1 = Date.now();
    const refused = await httpGet(`${base}/b`);
    assert.equal(refused.status, 429, 'router b uses the bucket router a spent: Traefik keys it by middleware');
    assert.equal(refused.headers['retry-after'], '1');
    assert.match(String(refused.headers['x-retry-in']), /^\d+(\.\d+)?ms$/, 'the wait, in Go\'s duration format');
    // 300 ms or more after the first: the next token is at most 200 ms away (< maxDelay 250 ms): held for it.
    await new Promise((r) => setTimeout(r, Math.max(0, 300 - (Date.now() - t1))));
    const held = await httpGet(`${base}/b`);
    const answeredAfter = Date.now() - t0;
    assert.equal(held.status, 200, 'held for its token, then forwarded');
    assert.ok(answeredAfter >= 480, `not forwarded before its token was due (500 ms after the first): ${answeredAfter} ms`);
  });

  test('average 0 with redis options limits nothing and never asks Redis (rate.Inf, as without redis; Traefik\'s Redis limiter answers 429 here)', { timeout: 30_000 }, async (t) => {
    const port = await freePort();
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const events: string[] = [];
    const input = buildInput({ http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app@file', middlewares: ['limit@file'] } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: { 'limit@file': { rateLimit: { average: 0, period: 1000, burst: 1, redis: { endpoints: [`127.0.0.1:${port}`] } } } },
    } });
    const proxy = new EdgeProxy([entryPointOptions('web')], input, undefined, {}, undefined, {
      failed: (middleware) => events.push(`failed ${middleware}`),
      outage: (middleware) => events.push(`outage ${middleware}`),
    });
    await proxy.listen();
    t.after(() => proxy.close(0));
    assert.deepEqual(await alternate([`http://127.0.0.1:${proxy.port('web')}/`], 5), [200, 200, 200, 200, 200]);
    assert.deepEqual(events, [], 'Redis (nothing listens on its port) was never asked');
  });

  test('Redis down when pe-edge starts: requests are answered 500 from the first one, without waiting; once Redis listens, the limit applies', { timeout: 60_000 }, async (t) => {
    const port = await freePort();
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const outages: string[] = [];
    const input = buildInput({ http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app@file', middlewares: ['limit@file'] } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: { 'limit@file': { rateLimit: { average: 1, period: 600_000, burst: 1, redis: { endpoints: [`127.0.0.1:${port}`] } } } },
    } });
    const proxy = new EdgeProxy([entryPointOptions('web')], input, undefined, {}, undefined, {
      failed: () => undefined,
      outage: (_middleware, _endpoint, error) => outages.push(error === null ? 'back' : 'down'),
    });
    await proxy.listen();
    t.after(() => proxy.close(0));
    const url = `http://127.0.0.1:${proxy.port('web')}/`;
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      assertBucketStoreFailed(await httpGet(url), `request ${i}, nothing listening on Redis's port`);
      assert.ok(Date.now() - started < 2500, `answered in ${Date.now() - started} ms: a refused connection is not waited for`);
    }
    assert.deepEqual(outages, ['down']);
    const redis = await RedisServer.start([], undefined, port);
    t.after(() => redis.stop());
    const seen: number[] = [];
    const deadline = Date.now() + 20_000;
    while (seen.at(-1) !== 429) {
      assert.ok(Date.now() < deadline, `the limit never applied once Redis listened: ${seen.join(',')}`);
      seen.push((await httpGet(url)).status);
      if (seen.at(-1) !== 429) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(seen.includes(200), `the burst was admitted once Redis answered: ${seen.join(',')}`);
    assert.deepEqual(outages, ['down', 'back']);
  });

  test('several endpoints make a Redis Cluster client (go-redis\'s UniversalClient): two edges on a 3-node cluster admit burst 3 once in all', { timeout: 90_000 }, async (t) => {
    const nodes: RedisServer[] = [];
    t.after(async () => {
      for (const node of nodes) await node.stop();
    });
    for (let i = 0; i < 3; i++) nodes.push(await RedisServer.start(['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, '--cluster-node-timeout', '2000']));
    execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => n.endpoint), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore', timeout: 30_000 });
    // Every node must see every slot served before a client can route by key.
    const deadline = Date.now() + 30_000;
    while (!nodes.every((n) => execFileSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8' }).includes('cluster_state:ok'))) {
      assert.ok(Date.now() < deadline, 'the cluster did not come up');
      await new Promise((r) => setTimeout(r, 200));
    }
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const input = buildInput({ http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app@file', middlewares: ['limit@file'] } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: { 'limit@file': { rateLimit: { average: 3, period: 600_000, burst: 3, redis: { endpoints: nodes.map((n) => n.endpoint) } } } },
    } });
    const events: string[] = [];
    const edges = [];
    for (let i = 0; i < 2; i++) {
      const proxy = new EdgeProxy([entryPointOptions('web')], input, undefined, {}, undefined, {
        failed: () => undefined,
        outage: (_middleware, _endpoint, error) => events.push(error?.message ?? 'back'),
      });
      await proxy.listen();
      t.after(() => proxy.close(0));
      edges.push(`http://127.0.0.1:${proxy.port('web')}/`);
    }
    const statuses = await alternate(edges, 8);
    assert.deepEqual(events, [], 'the cluster answered every call');
    assert.equal(tally(statuses, 200), 3, `burst 3 in all across both edges: ${statuses.join(',')}`);
    assert.equal(tally(statuses, 429), 5);
  });
}
