// EdgeProxy.update builds off the request path: while a large configuration is being built, requests are
// answered by the runtime in place, then by the new one once it is swapped in; the last apply wins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBackend, type Backend } from '../../support/backends.js';
import { httpGet } from '../../support/load-client.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import type { BuildInput, EdgeProxy } from '../../../proxy/index.js';

/** `app.test` to `url`, plus `extra` Host routers (and their services) to make the build long. */
function input(url: string, extra = 0): BuildInput {
  const routers: Record<string, BuildInput['http']['routers'][string]> = { 'app@file': { rule: 'Host(`app.test`)', service: 'app', entryPoints: ['web'] } };
  const services: Record<string, BuildInput['http']['services'][string]> = { 'app@file': { loadBalancer: { servers: [{ url }] } } };
  for (let i = 0; i < extra; i++) {
    routers[`filler${i}@file`] = { rule: `Host(\`filler${i}.test\`) && PathPrefix(\`/p${i}\`)`, service: `filler${i}`, entryPoints: ['web'] };
    services[`filler${i}@file`] = { loadBalancer: { servers: [{ url }] } };
  }
  return buildInput({ http: { routers, services } });
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('EdgeProxy.update: sliced builds off the request path', () => {
  let old: Backend;
  let next: Backend;
  let proxy: EdgeProxy;
  let url: string;
  before(async () => {
    old = await startBackend('old');
    next = await startBackend('new');
    proxy = await startProxy(input(old.url));
    url = `http://127.0.0.1:${proxy.port('web')}/`;
  });
  after(async () => {
    await proxy.close(0);
    await old.close();
    await next.close();
  });

  it('requests during a long rebuild are answered by the old runtime, then by the new one', async () => {
    const before = proxy.runtime;
    // 1 ms slices: the 10,000-router build takes many event-loop turns, so requests get in between.
    const landed = proxy.update(input(next.url, 10_000), 1);
    assert.equal(proxy.building, true, 'a large configuration does not land within the first slice');
    const during: string[] = [];
    while (proxy.building) {
      const reply = await httpGet(url, { host: 'app.test' });
      // Only answers that finished while the build was still running count as "during".
      if (proxy.building) during.push(reply.body);
    }
    const runtime = await landed;
    assert.ok(during.length > 0, 'at least one request was answered while the build ran');
    assert.deepEqual([...new Set(during)], ['old'], 'every answer during the build came from the runtime in place');
    assert.notEqual(runtime, null);
    assert.equal(proxy.runtime, runtime);
    assert.notEqual(proxy.runtime, before);
    assert.equal((await httpGet(url, { host: 'app.test' })).body, 'new');
    assert.equal((await httpGet(url, { host: 'filler9999.test' })).status, 404, 'path-less request: the filler rule needs its prefix');
    assert.equal((await httpGet(`${url}p9999`, { host: 'filler9999.test' })).body, 'new');
  });

  it('a superseded update never lands; the last one wins', async () => {
    proxy.apply(input(old.url));
    const first = proxy.update(input(next.url, 10_000), 1);
    assert.equal(proxy.building, true);
    const second = proxy.update(input(old.url, 10_000), 1);
    assert.equal(await first, null, 'the superseded build reports that it did not land');
    const runtime = await second;
    assert.notEqual(runtime, null);
    assert.equal(proxy.runtime, runtime);
    for (let i = 0; i < 50; i++) await turn();
    assert.equal(proxy.runtime, runtime, 'nothing lands after the last update');
    assert.equal((await httpGet(url, { host: 'app.test' })).body, 'old');
  });

  it('apply supersedes a sliced update under way', async () => {
    const sliced = proxy.update(input(next.url, 10_000), 1);
    assert.equal(proxy.building, true);
    const applied = proxy.apply(input(old.url, 3));
    assert.equal(proxy.building, false);
    assert.equal(await sliced, null);
    for (let i = 0; i < 50; i++) await turn();
    assert.equal(proxy.runtime, applied);
    assert.equal((await httpGet(url, { host: 'app.test' })).body, 'old');
    assert.equal(proxy.runtime.config.routers['filler2@file'] !== undefined, true);
    assert.equal(proxy.runtime.config.routers['filler3@file'], undefined);
  });

  it('a small configuration is swapped in before update returns', async () => {
    const pending = proxy.update(input(next.url));
    assert.equal(proxy.building, false);
    const runtime = proxy.runtime;
    assert.equal(await pending, runtime);
    assert.equal((await httpGet(url, { host: 'app.test' })).body, 'new');
  });
});
