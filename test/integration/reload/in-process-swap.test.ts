// EdgeProxy.apply under load, in process: 50 swaps between equivalent configurations fail no
// request, keep the upstream pools and open no new connection to the backends.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startBackend, type Backend } from '../../support/backends.js';
import { describeStats, httpGet, startLoad } from '../../support/load-client.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import type { EdgeProxy, Runtime } from '../../../proxy/index.js';

const SWAPS = 50;

interface Counted {
  backend: Backend;
  connections: number;
  /** Answer this much later (to make the proxy's pool open as many connections as the load can use). */
  delayMs: number;
}

async function countedBackend(name: string): Promise<Counted> {
  const answer = (res: import('node:http').ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(name);
  };
  const backend = await startBackend(name, (_req, res) => {
    if (counted.delayMs > 0) setTimeout(() => answer(res), counted.delayMs);
    else answer(res);
  });
  const counted: Counted = { backend, connections: 0, delayMs: 0 };
  backend.server.on('connection', () => counted.connections++);
  return counted;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('EdgeProxy.apply under concurrent keep-alive load', () => {
  const backends: Counted[] = [];
  let proxy: EdgeProxy | undefined;
  after(async () => {
    await proxy?.close(0);
    await Promise.all(backends.map((b) => b.backend.close()));
  });

  it(`${SWAPS} swaps that keep the servers: zero failed requests, same pools, no new backend connections`, async () => {
    backends.push(await countedBackend('app1'), await countedBackend('app2'));
    const [one, two] = backends as [Counted, Counted];
    const input = (variant: number, urls: string[]) =>
      buildInput({
        http: {
          routers: {
            'app@file': { rule: 'Host(`app.test`)', service: 'app', entryPoints: ['web'], ...(variant % 2 === 1 ? { priority: 50 } : {}) },
            'other@file': { rule: 'Host(`other.test`)', service: 'app', entryPoints: ['web'] },
          },
          services: { 'app@file': { loadBalancer: { servers: (variant % 2 === 1 ? [...urls].reverse() : urls).map((url) => ({ url })) } } },
        },
      } as Parameters<typeof buildInput>[0]);
    const urls = [one.backend.url, two.backend.url];
    proxy = await startProxy(input(0, urls));
    const url = `http://127.0.0.1:${proxy.port('web')}/`;

    // Warm-up: 16 requests held 100 ms by the backends make each pool open 8 keep-alive
    // connections, as many as 8 concurrent clients can ever keep busy on one backend.
    one.delayMs = two.delayMs = 100;
    const warm = await Promise.all(Array.from({ length: 16 }, () => httpGet(url, { host: 'app.test' })));
    assert.ok(warm.every((r) => r.status === 200));
    one.delayMs = two.delayMs = 0;
    const load = startLoad(url, { host: 'app.test', concurrency: 8 });
    await sleep(200);
    const poolsBefore = proxy.upstreamPoolCount;
    const connectionsBefore = one.connections + two.connections;
    assert.equal(poolsBefore, 2, 'one pool per backend');
    assert.ok(connectionsBefore > 0);

    for (let i = 1; i <= SWAPS; i++) {
      const runtime: Runtime = proxy.apply(input(i, urls));
      assert.deepEqual(runtime.errors, []);
      assert.equal(proxy.upstreamPoolCount, poolsBefore, `pool count after swap ${i}`);
      await sleep(40 + Math.floor(Math.random() * 21));
    }
    await sleep(200);
    const stats = await load.stop();

    assert.equal(stats.errors.length, 0, describeStats(stats));
    assert.equal(stats.bad.size, 0, describeStats(stats));
    assert.equal(stats.ok, stats.total, describeStats(stats));
    assert.ok(stats.total > 200, describeStats(stats));
    assert.ok((stats.byBody.get('app1') ?? 0) > 0 && (stats.byBody.get('app2') ?? 0) > 0, describeStats(stats));
    assert.equal(
      one.connections + two.connections,
      connectionsBefore,
      `backends saw new TCP connections across swaps that kept the servers (app1 ${one.connections}, app2 ${two.connections})`,
    );

    // Control: a swap that adds a server does get a new pool and a new connection.
    const three = await countedBackend('app3');
    backends.push(three);
    proxy.apply(input(0, [...urls, three.backend.url]));
    assert.equal(proxy.upstreamPoolCount, poolsBefore + 1);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await httpGet(url, { host: 'app.test' })).body);
    assert.ok(seen.has('app3'), `the new server serves: ${[...seen].join(',')}`);
    assert.ok(three.connections > 0);
  });
});
