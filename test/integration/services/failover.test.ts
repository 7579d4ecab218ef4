import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { validateDynamicConfig } from '../../../labels-spec/index.js';

/** A backend answering its name, whose /health answers 200 while `healthy[name]` is true, else 503. */
async function checked(t: TestContext, name: string, healthy: Record<string, boolean>): Promise<Backend> {
  healthy[name] = true;
  const b = await startBackend(name, (req, res) => {
    if (req.url === '/health') { res.writeHead(healthy[name] === true ? 200 : 503); res.end(); return; }
    res.end(name);
  });
  t.after(() => b.close());
  return b;
}

const healthCheck = { path: '/health', interval: 100, timeout: 500 };
const checkedLb = (...urls: string[]): object => ({ loadBalancer: { servers: urls.map((url) => ({ url })), healthCheck } });
const plainLb = (...urls: string[]): object => ({ loadBalancer: { servers: urls.map((url) => ({ url })) } });

async function proxyWith(t: TestContext, services: Record<string, object>) {
  const proxy = await startProxy(buildInput({ http: { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'fo' } }, services } }));
  t.after(() => proxy.close(0));
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const get = async (): Promise<string> => {
    const res = await request(url);
    return `${res.statusCode}:${await res.body.text()}`;
  };
  return { proxy, get };
}

/** Health checks probe every 100 ms: 350 ms covers a probe after any change. */
const aFewProbes = (): Promise<void> => new Promise((r) => setTimeout(r, 350));

test('failover serves the fallback while the main service\'s only server is DOWN, and the main again once it is UP', async (t) => {
  const healthy: Record<string, boolean> = {};
  const main = await checked(t, 'main', healthy);
  const spare = await startBackend('spare');
  t.after(() => spare.close());
  const { get } = await proxyWith(t, {
    'fo@file': { failover: { service: 'main', fallback: 'spare' } },
    'main@file': checkedLb(main.url),
    'spare@file': plainLb(spare.url),
  });
  await aFewProbes();
  assert.deepEqual([await get(), await get()], ['200:main', '200:main']);
  healthy.main = false;
  await aFewProbes();
  assert.deepEqual([await get(), await get()], ['200:spare', '200:spare']);
  healthy.main = true;
  await aFewProbes();
  assert.deepEqual([await get(), await get()], ['200:main', '200:main']);
});

test('a nested main (weighted with healthCheck: {}) fails over when its last child goes DOWN; with healthCheck the fallback is followed too: both DOWN is 503', async (t) => {
  const healthy: Record<string, boolean> = {};
  const a = await checked(t, 'a', healthy);
  const b = await checked(t, 'b', healthy);
  const spare = await checked(t, 'spare', healthy);
  const { get } = await proxyWith(t, {
    'fo@file': { failover: { service: 'pair', fallback: 'spare', healthCheck: {} } },
    'pair@file': { weighted: { services: [{ name: 'a' }, { name: 'b' }], healthCheck: {} } },
    'a@file': checkedLb(a.url),
    'b@file': checkedLb(b.url),
    'spare@file': checkedLb(spare.url),
  });
  await aFewProbes();
  assert.deepEqual([await get(), await get()].sort(), ['200:a', '200:b']);
  healthy.a = false;
  await aFewProbes();
  assert.deepEqual([await get(), await get()], ['200:b', '200:b'], 'the weighted service skips its DOWN child');
  healthy.b = false;
  await aFewProbes();
  assert.equal(await get(), '200:spare');
  healthy.spare = false;
  await aFewProbes();
  assert.equal(await get(), '503:Service Unavailable\n');
  healthy.b = true;
  await aFewProbes();
  assert.equal(await get(), '200:b');
});

test('a main service without a health check cannot be followed: the failover is refused (Traefik) and its router answers 404', async (t) => {
  const main = await startBackend('main');
  const spare = await startBackend('spare');
  t.after(async () => { await main.close(); await spare.close(); });
  const { proxy, get } = await proxyWith(t, {
    'fo@file': { failover: { service: 'main', fallback: 'spare' } },
    'main@file': plainLb(main.url),
    'spare@file': plainLb(spare.url),
  });
  assert.equal(await get(), '404:404 page not found\n');
  const service = proxy.runtime.status.get('service', 'fo@file');
  assert.equal(service?.status, 'disabled');
  assert.deepEqual(service?.errors, ['cannot register main as updater for fo@file: healthCheck not enabled in config for this weighted service']);
});

test('the API shows mirroring, failover (errors: maxRequestBodyBytes -1 by default) and highestRandomWeight services (type highestrandomweight, weight 1 by default) with their type and fields, as Traefik\'s does', async (t) => {
  const { config, issues } = validateDynamicConfig({
    http: {
      services: {
        fo: { failover: { service: 'main', fallback: 'spare', healthCheck: {} } },
        foe: { failover: { service: 'main', fallback: 'spare', errors: { status: ['500-504'] } } },
        spread: { highestRandomWeight: { services: [{ name: 'main' }, { name: 'spare', weight: 2 }], healthCheck: {} } },
        mirrored: { mirroring: { service: 'main', maxBodySize: 1024, mirrors: [{ name: 'spare', percent: 10 }] } },
        main: { loadBalancer: { servers: [{ url: 'http://127.0.0.1:9' }], healthCheck: { path: '/health' } } },
        spare: { loadBalancer: { servers: [{ url: 'http://127.0.0.1:9' }], healthCheck: { path: '/health' } } },
      },
    },
  });
  assert.deepEqual(issues, []);
  const services = Object.fromEntries(Object.entries(config.http.services).map(([name, s]) => [`${name}@file`, s]));
  const proxy = await startProxy({
    ...buildInput({
      entryPoints: { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } },
      http: { routers: {
        'fo@file': { rule: 'Host(`fo.test`)', service: 'fo' }, 'm@file': { rule: 'Host(`m.test`)', service: 'mirrored' },
        'foe@file': { rule: 'Host(`foe.test`)', service: 'foe' }, 'h@file': { rule: 'Host(`h.test`)', service: 'spread' },
      }, services },
    }),
    api: { insecure: true, version: '9.9.9', startDate: '2024-01-01T00:00:00.000Z', entryPoints: {}, features: { tracing: '', metrics: '', accessLog: false }, providers: ['File'] },
  });
  t.after(() => proxy.close(0));
  const api = `http://127.0.0.1:${proxy.port('traefik')}/api`;
  const fo = await (await fetch(`${api}/http/services/fo@file`)).json() as Record<string, unknown>;
  assert.deepEqual(fo, {
    failover: { service: 'main', fallback: 'spare', healthCheck: {} },
    status: 'enabled', usedBy: ['fo@file'], name: 'fo@file', provider: 'file', type: 'failover',
  });
  const mirrored = await (await fetch(`${api}/http/services/mirrored@file`)).json() as Record<string, unknown>;
  assert.deepEqual(mirrored, {
    mirroring: { service: 'main', mirrorBody: true, maxBodySize: 1024, mirrors: [{ name: 'spare', percent: 10 }] },
    status: 'enabled', usedBy: ['m@file'], name: 'mirrored@file', provider: 'file', type: 'mirroring',
  });
  assert.deepEqual(await (await fetch(`${api}/http/services/foe@file`)).json(), {
    failover: { service: 'main', fallback: 'spare', errors: { status: ['500-504'], maxRequestBodyBytes: -1 } },
    status: 'enabled', usedBy: ['foe@file'], name: 'foe@file', provider: 'file', type: 'failover',
  });
  assert.deepEqual(await (await fetch(`${api}/http/services/spread@file`)).json(), {
    highestRandomWeight: { services: [{ name: 'main', weight: 1 }, { name: 'spare', weight: 2 }], healthCheck: {} },
    status: 'enabled', usedBy: ['h@file'], name: 'spread@file', provider: 'file', type: 'highestrandomweight',
  });
  const list = await (await fetch(`${api}/http/services?search=o`)).json() as { name: string; type: string }[];
  assert.deepEqual(list.map((s) => `${s.name} ${s.type}`), ['fo@file failover', 'foe@file failover', 'mirrored@file mirroring']);
});
