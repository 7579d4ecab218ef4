// healthCheck.method, status, followRedirects, unhealthyInterval, and the first probe at once (Traefik waits an interval).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

const input = (servers: string[], healthCheck: { interval: number; timeout: number; [option: string]: unknown }) => buildInput({
  http: {
    routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } },
    services: { 'web@file': { loadBalancer: { servers: servers.map((url) => ({ url })), healthCheck } } },
  },
});

test('unhealthyInterval: a DOWN server is probed on its own interval and comes back long before `interval`', async (t) => {
  let healthy = false;
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') { res.writeHead(healthy ? 200 : 503); res.end(); return; }
    res.end('a');
  });
  const b = await startBackend('b');
  const proxy = await startProxy(input([a.url, b.url], { path: '/health', interval: 60_000, unhealthyInterval: 100, timeout: 500 }));
  t.after(async () => { await proxy.close(0); await a.close(); await b.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  await sleep(150);
  const down: string[] = [];
  for (let i = 0; i < 4; i++) down.push(await (await request(url)).body.text());
  assert.deepEqual(down, ['b', 'b', 'b', 'b'], 'the first probe ran at once and found a DOWN');
  healthy = true;
  await sleep(300);
  const up: string[] = [];
  for (let i = 0; i < 4; i++) up.push(await (await request(url)).body.text());
  assert.ok(up.includes('a'), `a is back within unhealthyInterval: ${up.join(' ')}`);
});

test('method, status and followRedirects decide what a probe accepts', async (t) => {
  // `a` is healthy only to a HEAD answered 204; `b` redirects its probe to a page that answers 204.
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') { res.writeHead(req.method === 'HEAD' ? 204 : 500); res.end(); return; }
    res.end('a');
  });
  const b = await startBackend('b', (req, res) => {
    if (req.url === '/health') { res.writeHead(302, { location: '/ok' }); res.end(); return; }
    if (req.url === '/ok') { res.writeHead(204); res.end(); return; }
    res.end('b');
  });
  const c = await startBackend('c');
  const urls = [a.url, b.url, c.url];
  const cases = [
    { options: { method: 'HEAD', status: 204 }, serving: ['a', 'b'] },
    { options: { method: 'HEAD', status: 204, followRedirects: false }, serving: ['a'] },
    { options: { status: 204 }, serving: ['b'] },
  ];
  for (const { options, serving } of cases) {
    const proxy = await startProxy(input(urls, { path: '/health', interval: 60_000, timeout: 500, ...options }));
    try {
      await sleep(150);
      const url = `http://127.0.0.1:${proxy.port('web')}/`;
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(await (await request(url)).body.text());
      // `c` answers 404 on /health: never equal to `status`.
      assert.deepEqual([...seen].sort(), serving, JSON.stringify(options));
    } finally {
      await proxy.close(0);
    }
  }
  t.after(async () => { await a.close(); await b.close(); await c.close(); });
});

test('a server that appears in a reload is probed at once, not after an interval', async (t) => {
  let probes = 0;
  const a = await startBackend('a');
  const b = await startBackend('b', (req, res) => {
    if (req.url === '/health') { probes++; res.writeHead(500); res.end(); return; }
    res.end('b');
  });
  const proxy = await startProxy(input([a.url], { path: '/', interval: 60_000, timeout: 500 }));
  t.after(async () => { await proxy.close(0); await a.close(); await b.close(); });
  await sleep(100);
  proxy.apply(input([a.url, b.url], { path: '/health', interval: 60_000, timeout: 500 }));
  await sleep(150);
  assert.equal(probes, 1);
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  for (let i = 0; i < 4; i++) assert.equal(await (await request(url)).body.text(), 'a');
});
