import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { request } from 'undici';
import { validateDynamicConfig } from '../../../labels-spec/dynamic/validate.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

/** A free 127.0.0.1 port with nothing listening (connection refused). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function proxyWith(t: import('node:test').TestContext, urls: string[], retry: Record<string, unknown>): Promise<string> {
  const m = validateDynamicConfig({ http: { middlewares: { m: { retry } } } }).config.http.middlewares.m;
  assert.ok(m !== undefined);
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['m'] } },
      services: { 's@file': { loadBalancer: { servers: urls.map((url) => ({ url })) } } },
      middlewares: { 'm@file': m },
    },
  }));
  t.after(() => proxy.close(0));
  return `http://127.0.0.1:${proxy.port('web')}/`;
}

test('retry{attempts: 3} with one dead and one live server: the client always gets 200', async (t) => {
  const live = await startBackend('live');
  t.after(() => live.close());
  const url = await proxyWith(t, [`http://127.0.0.1:${await deadPort()}`, live.url], { attempts: 3 });
  for (let i = 0; i < 10; i++) {
    const res = await request(url);
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'live');
  }
  assert.equal(live.seen.length, 10);
});

test('retry: a backend answering 500 is not retried', async (t) => {
  const failing = await startBackend('failing', (_req, res) => { res.writeHead(500); res.end('boom'); });
  t.after(() => failing.close());
  const url = await proxyWith(t, [failing.url], { attempts: 3 });
  const res = await request(url);
  assert.equal(res.statusCode, 500);
  assert.equal(await res.body.text(), 'boom');
  assert.equal(failing.seen.length, 1);
});

test('retry: a single server that starts during the backoff is tried again and answers', async (t) => {
  const port = await deadPort();
  const url = await proxyWith(t, [`http://127.0.0.1:${port}`], { attempts: 5, initialInterval: '500ms' });
  const pending = request(url);
  // The first retry waits at least 250 ms (500 ms - 50 % jitter); the server is up well before.
  await new Promise((resolve) => setTimeout(resolve, 100));
  let served = 0;
  const server = http.createServer((_req, res) => { served++; res.end('late'); });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const res = await pending;
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'late');
  assert.equal(served, 1);
});

test('retry: when every attempt is refused the client gets 502 after the backoff', async (t) => {
  const url = await proxyWith(t, [`http://127.0.0.1:${await deadPort()}`], { attempts: 3, initialInterval: '200ms' });
  const started = Date.now();
  const res = await request(url);
  assert.equal(res.statusCode, 502);
  assert.equal(await res.body.text(), 'Bad Gateway');
  // Two waits of at least 100 ms and 141 ms (initial interval, multiplier √2, -50 % jitter).
  assert.ok(Date.now() - started >= 230, `answered after ${Date.now() - started} ms`);
});

test('retry{attempts: 1} is a no-op: a dead single server answers 502 without waiting', async (t) => {
  const url = await proxyWith(t, [`http://127.0.0.1:${await deadPort()}`], { attempts: 1, initialInterval: '5s' });
  const started = Date.now();
  const res = await request(url);
  assert.equal(res.statusCode, 502);
  await res.body.text();
  assert.ok(Date.now() - started < 2500);
});
