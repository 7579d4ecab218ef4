import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { hostname } from 'node:os';
import { request } from 'undici';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';

const route = (url: string, extra: Record<string, unknown> = {}) => ({
  routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
  services: { 's@file': { loadBalancer: { servers: [{ url }], ...extra } } },
});

test('X-Forwarded-* and X-Real-Ip are set as Traefik sets them; hop-by-hop headers are dropped', async (t) => {
  const backend = await startBackend('b');
  const proxy = await startProxy(buildInput({ http: route(backend.url) }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const port = proxy.port('web');
  // node:http sends the Connection header as given (undici would replace it with keep-alive).
  const status = await new Promise<number>((resolve, reject) => {
    http.get({
      host: '127.0.0.1', port, path: '/p?q=1',
      headers: { 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '9.9.9.9', 'x-custom': 'kept', connection: 'x-drop-me', 'x-drop-me': 'secret' },
    }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
  assert.equal(status, 200);
  const seen = backend.seen[0];
  assert.ok(seen);
  assert.equal(seen.url, '/p?q=1');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'untrusted X-Forwarded-For is replaced by the peer');
  assert.equal(seen.headers['x-real-ip'], '127.0.0.1');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.equal(seen.headers['x-forwarded-host'], `127.0.0.1:${port}`);
  assert.equal(seen.headers['x-forwarded-port'], String(port));
  assert.equal(seen.headers['x-forwarded-server'], hostname());
  assert.equal(seen.headers.host, `127.0.0.1:${port}`, 'Host is passed by default');
  assert.equal(seen.headers['x-custom'], 'kept');
  assert.equal(seen.headers['x-drop-me'], undefined, 'headers named in Connection are hop-by-hop');
});

test('a trusted peer keeps its X-Forwarded-For, with the peer appended', async (t) => {
  const backend = await startBackend('b');
  const input = buildInput({ http: route(backend.url) });
  const proxy = await startProxy(input, [entryPointOptions('web', '127.0.0.1:0', { forwardedHeaders: { insecure: false, trustedIPs: ['127.0.0.0/8'] } })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  await (await request(`http://127.0.0.1:${proxy.port('web')}/`, { headers: { 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https' } })).body.text();
  assert.equal(backend.seen[0]?.headers['x-forwarded-for'], '1.2.3.4, 127.0.0.1');
  assert.equal(backend.seen[0]?.headers['x-forwarded-proto'], 'https');
});

test('passHostHeader: false sends the server host', async (t) => {
  const backend = await startBackend('b');
  const proxy = await startProxy(buildInput({ http: route(backend.url, { passHostHeader: false }) }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  await (await request(`http://127.0.0.1:${proxy.port('web')}/`, { headers: { host: 'example.test' } })).body.text();
  assert.equal(backend.seen[0]?.headers.host, `127.0.0.1:${backend.port}`);
});

test('servers[].preservePath: the server URL\'s path is joined in front of the request path; without it the path is ignored', async (t) => {
  const backend = await startBackend('b');
  t.after(() => backend.close());
  for (const [preservePath, expected] of [[true, '/base/p?q=1'], [false, '/p?q=1']] as const) {
    const proxy = await startProxy(buildInput({
      http: {
        routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
        services: { 's@file': { loadBalancer: { servers: [{ url: `${backend.url}/base/`, preservePath }] } } },
      },
    }));
    try {
      await (await request(`http://127.0.0.1:${proxy.port('web')}/p?q=1`)).body.text();
      assert.equal(backend.seen.at(-1)?.url, expected, `preservePath ${preservePath}`);
    } finally {
      await proxy.close(0);
    }
  }
});

test('request and response bodies stream both ways', async (t) => {
  const backend = await startBackend('echo', (_req, res, body) => {
    res.writeHead(201, { 'content-type': 'application/octet-stream' });
    res.end(body.split('').reverse().join(''));
  });
  const proxy = await startProxy(buildInput({ http: route(backend.url) }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const big = 'abc'.repeat(200_000);
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/upload`, { method: 'POST', body: big });
  assert.equal(res.statusCode, 201);
  assert.equal(await res.body.text(), big.split('').reverse().join(''));
});

test('no matching router answers 404 "404 page not found"', async (t) => {
  const proxy = await startProxy(buildInput({ http: { routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's' } }, services: { 's@file': { loadBalancer: { servers: [] } } } } }));
  t.after(() => proxy.close(0));
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`, { headers: { host: 'b.test' } });
  assert.equal(res.statusCode, 404);
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(await res.body.text(), '404 page not found\n');
});

test('a service with no server answers 503 "no available server"', async (t) => {
  const proxy = await startProxy(buildInput({ http: route('http://127.0.0.1:1', {}) }));
  t.after(() => proxy.close(0));
  const input = buildInput({ http: { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } }, services: { 's@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1', weight: 0 }] } } } } });
  proxy.apply(input);
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`);
  assert.equal(res.statusCode, 503);
  assert.equal(await res.body.text(), 'no available server\n');
});

test('a closed upstream port answers 502 Bad Gateway with no Content-Type', async (t) => {
  const closed = await freePort();
  const proxy = await startProxy(buildInput({ http: route(`http://127.0.0.1:${closed}`) }));
  t.after(() => proxy.close(0));
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`);
  assert.equal(res.statusCode, 502);
  assert.equal(res.headers['content-type'], undefined);
  assert.equal(await res.body.text(), 'Bad Gateway');
});

test('an upstream that resets the connection answers 502', async (t) => {
  const server = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const proxy = await startProxy(buildInput({ http: route(`http://127.0.0.1:${port}`) }));
  t.after(async () => { await proxy.close(0); server.close(); });
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`);
  assert.equal(res.statusCode, 502);
  await res.body.text();
});

test('responseHeaderTimeout exceeded answers 504 Gateway Timeout', async (t) => {
  const slow = await startBackend('slow', (_req, res) => { setTimeout(() => res.end('late'), 1500); });
  const input = buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: slow.url }], serversTransport: 'fast' } } },
      serversTransports: { 'fast@file': { dialTimeout: 1000, responseHeaderTimeout: 200, idleConnTimeout: 1000, maxIdleConnsPerHost: 2, insecureSkipVerify: false, rootCAs: [] } },
    },
  });
  const proxy = await startProxy(input);
  t.after(async () => { await proxy.close(0); await slow.close(); });
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`);
  assert.equal(res.statusCode, 504);
  assert.equal(await res.body.text(), 'Gateway Timeout');
});

test('headers over maxHeaderBytes answer 431', async (t) => {
  const backend = await startBackend('b');
  const proxy = await startProxy(buildInput({ http: route(backend.url) }), [entryPointOptions('web', '127.0.0.1:0', { maxHeaderBytes: 2048 })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: proxy.port('web'), path: '/', headers: { 'x-big': 'x'.repeat(4096) } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
  });
  assert.equal(status, 431);
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('buffering.maxRequestBodyBytes answers 413 for larger bodies, declared or chunked, and forwards smaller ones whole', async (t) => {
  const backend = await startBackend('echo', (req, res, body) => { res.end(`${req.headers['content-length']}:${req.headers['transfer-encoding'] ?? '-'}:${body.length}`); });
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['limit'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: { 'limit@file': { buffering: { maxRequestBodyBytes: 1000 } } },
    },
  }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const big = await request(url, { method: 'POST', body: 'x'.repeat(2000) });
  assert.equal(big.statusCode, 413);
  assert.equal(await big.body.text(), 'Request Entity Too Large');
  const chunked = await request(url, { method: 'POST', body: Readable.from([Buffer.alloc(600), Buffer.alloc(600)]) });
  assert.equal(chunked.statusCode, 413, 'a chunked body is counted as it arrives');
  await chunked.body.text();
  const small = await request(url, { method: 'POST', body: Readable.from([Buffer.alloc(300), Buffer.alloc(300)]) });
  assert.equal(small.statusCode, 200);
  assert.equal(await small.body.text(), '600:-:600', 'forwarded whole, with a Content-Length');
  assert.equal(backend.seen.length, 1, 'rejected bodies never reach the backend');
});

/** A service whose first server refuses connections and whose second answers `live`. */
async function deadThenLive(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const closed = await freePort();
  const live = await startBackend('live');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${closed}` }, { url: live.url }] } } },
    },
  }));
  t.after(async () => { await proxy.close(0); await live.close(); });
  return `http://127.0.0.1:${proxy.port('web')}/`;
}

test('a server that refuses connections costs no request: it is retried on another server', async (t) => {
  const url = await deadThenLive(t);
  for (let i = 0; i < 6; i++) {
    const res = await request(url, { method: i % 2 === 0 ? 'GET' : 'POST' });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'live');
  }
});

test('a streamed request body is never replayed: 502 when the only other try would resend it', async (t) => {
  const url = await deadThenLive(t);
  const statuses: number[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await request(url, { method: 'POST', body: Readable.from([Buffer.from('a'), Buffer.from('b')]) });
    statuses.push(res.statusCode);
    await res.body.text();
  }
  assert.deepEqual(statuses.sort(), [200, 502]);
});
