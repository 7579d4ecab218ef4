import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

type Services = Record<string, object>;

/** A proxy routing every path to `mirrored@file`; returns its base URL. */
async function proxyWith(t: TestContext, services: Services): Promise<string> {
  const proxy = await startProxy(buildInput({
    http: { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'mirrored' } }, services },
  }));
  t.after(() => proxy.close(0));
  return `http://127.0.0.1:${proxy.port('web')}`;
}

async function backend(t: TestContext, name: string): Promise<Backend> {
  const b = await startBackend(name);
  t.after(() => b.close());
  return b;
}

/** A server that takes requests and never answers them. */
async function hangingServer(t: TestContext): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((req) => { seen.push(req.url ?? ''); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** A loopback URL nothing listens on (connections refused). */
async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const lb = (url: string): object => ({ loadBalancer: { servers: [{ url }] } });

test('the main answer arrives while a mirror never answers and while another one refuses connections', async (t) => {
  const main = await backend(t, 'main');
  const hanging = await hangingServer(t);
  const refused = await refusedUrl();
  const base = await proxyWith(t, {
    'mirrored@file': { mirroring: { service: 'main', mirrors: [{ name: 'hangs', percent: 100 }] } },
    'main@file': lb(main.url),
    'hangs@file': lb(hanging.url),
  });
  for (let i = 1; i <= 3; i++) {
    const res = await request(`${base}/hang-${i}`);
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'main');
  }
  // Every request reached the mirror, which still holds all three unanswered.
  await until('the mirror to get three requests', () => hanging.seen.length === 3);
  assert.deepEqual(hanging.seen, ['/hang-1', '/hang-2', '/hang-3']);

  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'other' } },
      services: { 'other@file': { mirroring: { service: 'main', mirrors: [{ name: 'down', percent: 100 }] } }, 'main@file': lb(main.url), 'down@file': lb(refused) },
    },
  }));
  t.after(() => proxy.close(0));
  for (let i = 1; i <= 3; i++) {
    const res = await request(`http://127.0.0.1:${proxy.port('web')}/down-${i}`);
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'main');
  }
  assert.deepEqual(main.seen.map((s) => s.url), ['/hang-1', '/hang-2', '/hang-3', '/down-1', '/down-2', '/down-3']);
});

test('percent 50 mirrors exactly every other request, counted as Traefik counts (1st, 3rd, 5th, ...)', async (t) => {
  const main = await backend(t, 'main');
  const half = await backend(t, 'half');
  const tenth = await backend(t, 'tenth');
  const base = await proxyWith(t, {
    'mirrored@file': { mirroring: { service: 'main', mirrors: [{ name: 'half', percent: 50 }, { name: 'tenth', percent: 10 }, { name: 'none', percent: 0 }] } },
    'main@file': lb(main.url),
    'half@file': lb(half.url),
    'tenth@file': lb(tenth.url),
    'none@file': lb(main.url),
  });
  for (let i = 1; i <= 11; i++) {
    const res = await request(`${base}/req-${i}`);
    assert.equal(await res.body.text(), 'main');
  }
  // Request 11 is mirrored by both: once it arrived, the earlier mirrors (sent before it) have too.
  await until('request 11 at both mirrors', () => half.seen.some((s) => s.url === '/req-11') && tenth.seen.some((s) => s.url === '/req-11'));
  assert.deepEqual(half.seen.map((s) => s.url).sort(), ['/req-1', '/req-11', '/req-3', '/req-5', '/req-7', '/req-9']);
  assert.deepEqual(tenth.seen.map((s) => s.url).sort(), ['/req-1', '/req-11']);
  assert.equal(main.seen.length, 11, 'percent 0 mirrors nothing (the main backend saw only the main requests)');
});

test('a body is mirrored whole, sized or chunked; over maxBodySize the main request still gets all of it and no mirror is sent', async (t) => {
  const main = await backend(t, 'main');
  const mirror = await backend(t, 'mirror');
  const base = await proxyWith(t, {
    'mirrored@file': { mirroring: { service: 'main', maxBodySize: 64, mirrors: [{ name: 'mirror', percent: 100 }] } },
    'main@file': lb(main.url),
    'mirror@file': lb(mirror.url),
  });
  const post = async (path: string, body: string | Readable): Promise<void> => {
    const res = await request(`${base}${path}`, { method: 'POST', body });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'main');
  };
  const chunks = (parts: string[]): Readable => Readable.from(parts.map((p) => Buffer.from(p)), { objectMode: false });
  const big = 'x'.repeat(40) + 'y'.repeat(40) + 'z'.repeat(40);
  await post('/sized', 'hello mirror');
  await post('/chunked', chunks(['hel', 'lo ', 'chunks']));
  await post('/big-sized', big);
  await post('/big-chunked', chunks([big.slice(0, 40), big.slice(40, 80), big.slice(80)]));
  await post('/exact', 'e'.repeat(64));
  await post('/last', 'done');
  await until('the last mirror', () => mirror.seen.some((s) => s.url === '/last'));

  const byUrl = (b: Backend) => Object.fromEntries(b.seen.map((s) => [s.url, s.body]));
  assert.deepEqual(byUrl(main), { '/sized': 'hello mirror', '/chunked': 'hello chunks', '/big-sized': big, '/big-chunked': big, '/exact': 'e'.repeat(64), '/last': 'done' });
  assert.deepEqual(byUrl(mirror), { '/sized': 'hello mirror', '/chunked': 'hello chunks', '/exact': 'e'.repeat(64), '/last': 'done' });
  for (const s of mirror.seen) assert.equal(s.method, 'POST');
});

test('mirrorBody false: mirrors get the method and headers with an empty body', async (t) => {
  const main = await backend(t, 'main');
  const mirror = await backend(t, 'mirror');
  const base = await proxyWith(t, {
    'mirrored@file': { mirroring: { service: 'main', mirrorBody: false, mirrors: [{ name: 'mirror', percent: 100 }] } },
    'main@file': lb(main.url),
    'mirror@file': lb(mirror.url),
  });
  const res = await request(`${base}/upload`, { method: 'PUT', body: 'secret payload', headers: { 'x-trace': 'abc' } });
  assert.equal(await res.body.text(), 'main');
  await until('the mirror', () => mirror.seen.length === 1);
  const seen = mirror.seen[0] as Backend['seen'][number];
  assert.equal(seen.method, 'PUT');
  assert.equal(seen.url, '/upload');
  assert.equal(seen.headers['x-trace'], 'abc');
  assert.equal(seen.body, '');
  assert.equal(seen.headers['content-length'], '0');
  assert.equal(main.seen[0]?.body, 'secret payload');
});
