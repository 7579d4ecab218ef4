// healthCheck probes follow redirects as Traefik's Go http.Client does: 9 (the 10th is an error, so the server
// is DOWN), 301/302/303 turn the method into GET, other 3xx (300, 304, 305) are not followed, and a probe whose
// answer head says healthy is UP whatever its body then does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startBackend, type BackendHandler } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

/** Which of two servers serve, `probed` having `probedHandler` and the healthCheck `options`; `other` always up. */
async function serving(probedHandler: BackendHandler, options: Record<string, unknown>, settleMs = 300): Promise<string[]> {
  const probed = await startBackend('probed', (req, res, body) => {
    if (req.url === '/') { res.end('probed'); return; }
    probedHandler(req, res, body);
  });
  const other = await startBackend('other');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } },
      services: { 'web@file': { loadBalancer: { servers: [{ url: probed.url }, { url: other.url }], healthCheck: { path: '/health', interval: 60_000, timeout: 1_000, ...options } } } },
    },
  }));
  try {
    await sleep(settleMs);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await (await request(`http://127.0.0.1:${proxy.port('web')}/`)).body.text());
    return [...seen].sort();
  } finally {
    await proxy.close(0);
    probed.server.closeAllConnections();
    await probed.close();
    await other.close();
  }
}

test('a probe redirected a 10th time is an error: the server is DOWN, as Go\'s "stopped after 10 redirects"', async () => {
  // /health -> /r1 -> ... : n redirects, then 200.
  const chain = (n: number): BackendHandler => (req, res) => {
    const at = req.url === '/health' ? 0 : Number((req.url ?? '').slice(2));
    if (at < n) { res.writeHead(302, { location: `/r${at + 1}` }); res.end(); return; }
    res.end('ok');
  };
  assert.deepEqual(await serving(chain(9), {}), ['other', 'probed'], '9 redirects are followed');
  assert.deepEqual(await serving(chain(10), {}), ['other'], 'the 10th redirect fails the probe');
  const loop: BackendHandler = (_req, res) => { res.writeHead(301, { location: '/health' }); res.end(); };
  assert.deepEqual(await serving(loop, {}), ['other'], 'a redirect loop is DOWN, not a healthy 3xx');
  assert.deepEqual(await serving(loop, { followRedirects: false }), ['other', 'probed'], 'not followed: the 301 itself is healthy');
});

test('301/302/303 turn a probe\'s method into GET; 307/308 keep it', async () => {
  const methods: string[] = [];
  const redirectWith = (status: number): BackendHandler => (req, res) => {
    if (req.url === '/health') { res.writeHead(status, { location: '/target' }); res.end(); return; }
    methods.push(`${status} ${req.method ?? ''}`);
    res.writeHead(req.method === 'GET' ? 200 : 500);
    res.end();
  };
  assert.deepEqual(await serving(redirectWith(302), { method: 'POST' }), ['other', 'probed']);
  assert.deepEqual(await serving(redirectWith(303), { method: 'PUT' }), ['other', 'probed']);
  assert.deepEqual(await serving(redirectWith(307), { method: 'POST' }), ['other']);
  assert.deepEqual(await serving(redirectWith(301), { method: 'HEAD' }), ['other'], 'HEAD stays HEAD');
  assert.deepEqual(methods, ['302 GET', '303 GET', '307 POST', '301 HEAD']);
});

test('a 300 or 304 with a Location is not followed: the status is judged as it is', async () => {
  let followed = 0;
  const answer = (status: number): BackendHandler => (req, res) => {
    if (req.url === '/health') { res.writeHead(status, { location: '/broken' }); res.end(); return; }
    followed++;
    res.writeHead(500);
    res.end();
  };
  assert.deepEqual(await serving(answer(300), {}), ['other', 'probed']);
  assert.deepEqual(await serving(answer(304), {}), ['other', 'probed']);
  assert.equal(followed, 0);
});

test('a 3xx with two Location headers is followed to the first, as Go\'s Header.Get reads it: not judged healthy as it is', async () => {
  const twoLocations: BackendHandler = (req, res) => {
    if (req.url === '/health') { res.setHeader('location', ['/failing', '/health']); res.writeHead(302); res.end(); return; }
    res.writeHead(500);
    res.end();
  };
  assert.deepEqual(await serving(twoLocations, {}), ['other']);
});

test('a redirect to another host loses the probe\'s hostname and credentials for good; another port of the same host keeps them (Go\'s client)', async () => {
  const seen: string[] = [];
  const record = (req: IncomingMessage): void => {
    const h = req.headers;
    seen.push(`${req.url ?? ''} ${h.host ?? ''} ${h.authorization ?? '-'} ${h.cookie ?? '-'} ${h['proxy-authorization'] ?? '-'} ${h['x-probe'] ?? '-'}`);
  };
  // The target redirects back to the probed server, to show a credential once dropped stays dropped.
  let back = '';
  const target = await startBackend('target', (req, res) => {
    record(req);
    if (req.url === '/target') { res.writeHead(302, { location: back }); res.end(); return; }
    res.end();
  });
  const redirect = (location: string): BackendHandler => (req, res) => {
    if (req.url === '/health') { res.writeHead(302, { location }); res.end(); return; }
    record(req);
    res.end();
  };
  const options = { hostname: 'probe.test', headers: { Authorization: 'Bearer s3cret', Cookie: 'c=1', 'Proxy-Authorization': 'Basic p', 'X-Probe': 'yes' } };
  const port = new URL(target.url).port;
  // The probed server listens on 127.0.0.1: `localhost` is another host name, :port the same host.
  back = '/back';
  await serving(redirect(`http://localhost:${port}/target`), options);
  await serving(redirect(`http://127.0.0.1:${port}/target`), options);
  await serving(redirect('/target'), options);
  await target.close();
  assert.deepEqual(seen, [
    `/target localhost:${port} - - - yes`,
    `/back localhost:${port} - - - yes`,
    `/target 127.0.0.1:${port} Bearer s3cret c=1 Basic p yes`,
    `/back 127.0.0.1:${port} Bearer s3cret c=1 Basic p yes`,
    '/target probe.test Bearer s3cret c=1 Basic p yes',
  ]);
});

test('the probe\'s hostname goes with a relative Location only while every hop was relative; a configured Referer is kept', async () => {
  const seen: string[] = [];
  const chain: BackendHandler = (req, res) => {
    seen.push(`${req.url ?? ''} ${req.headers.host ?? ''} ${req.headers.referer ?? '-'}`);
    if (req.url === '/health') { res.writeHead(302, { location: '/rel' }); res.end(); return; }
    if (req.url === '/rel') { res.writeHead(302, { location: `http://${req.socket.localAddress ?? ''}:${req.socket.localPort ?? 0}/abs` }); res.end(); return; }
    if (req.url === '/abs') { res.writeHead(302, { location: '/end' }); res.end(); return; }
    res.end();
  };
  await serving(chain, { hostname: 'probe.test', headers: { Referer: 'http://monitor.test/' } });
  const own = seen.find((line) => line.startsWith('/abs '))?.split(' ')[1] ?? '';
  assert.deepEqual(seen, [
    '/health probe.test http://monitor.test/',
    '/rel probe.test http://monitor.test/',
    `/abs ${own} http://monitor.test/`,
    `/end ${own} http://monitor.test/`,
  ]);
});

test('a probe is judged on its answer head: a body still coming after `timeout` does not make the server DOWN', async () => {
  const slowBody: BackendHandler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('checking...');
    // The rest never comes while the test runs (closed with the server).
  };
  assert.deepEqual(await serving(slowBody, { timeout: 200 }, 600), ['other', 'probed']);
});
