import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import { request } from 'node:http';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { rawExchange } from '../../support/raw-exchange.js';
import type { BuildInput } from '../../../proxy/index.js';
import { h2Request } from '../../support/h2-request.js';

// Heads within the limits (http.maxHeaderBytes is 1 MiB, an upstream head 64 KiB) whose parts pe-edge once handled in
// time quadratic in their size: one such request held the event loop for seconds, every other client waiting. Each
// took 1.6 to 7 s here before its fix; a second is a generous bound for what now takes tens of milliseconds.
const BOUND_MS = 1000;

type After = { after: (fn: () => Promise<void> | void) => void };

async function proxyTo(t: After, url: string, extra: { middlewares?: Record<string, unknown>; entry?: Parameters<typeof entryPointOptions>[2] } = {}): Promise<number> {
  const middlewares = extra.middlewares === undefined ? {} : fileMiddlewares(extra.middlewares);
  const input = buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: Object.keys(middlewares) } },
      services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
      middlewares,
    },
  });
  const proxy = await startProxy(input, [entryPointOptions('web', '127.0.0.1:0', extra.entry)]);
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

/** One raw GET with extra header lines; its answer's head and how long it took. */
async function timedGet(port: number, lines: string): Promise<{ head: string; ms: number }> {
  const started = performance.now();
  const { text } = await rawExchange(port, [`GET / HTTP/1.1\r\nHost: a.test\r\n${lines}\r\n`], /\r\n\r\n/, 30_000);
  return { head: text.slice(0, text.indexOf('\r\n\r\n')), ms: performance.now() - started };
}

test('a Connection header listing 20,000 headers the client sent is applied in well under a second, every one removed', async (t) => {
  const app = await startBackend('app');
  t.after(() => app.close());
  const port = await proxyTo(t, app.url);
  const names = Array.from({ length: 20_000 }, (_, i) => `h${i}`);
  const { head, ms } = await timedGet(port, `${names.map((n) => `${n}: v\r\n`).join('')}Connection: ${names.join(',')}\r\nX-Kept: k\r\n`);
  assert.match(head, /^HTTP\/1\.1 200 /);
  assert.ok(ms < BOUND_MS, `answered in ${ms.toFixed(0)} ms`);
  assert.equal(app.seen[0]?.headers['h0'], undefined);
  assert.equal(app.seen[0]?.headers['h19999'], undefined);
  assert.equal(app.seen[0]?.headers['x-kept'], 'k');
});

test('underscoreHeadersStrategy delete: 20,000 headers named with "_" are removed in well under a second', async (t) => {
  const app = await startBackend('app');
  t.after(() => app.close());
  const port = await proxyTo(t, app.url, { entry: { underscoreHeaders: 'delete' } });
  const lines = Array.from({ length: 20_000 }, (_, i) => `x_${i}: v\r\n`).join('');
  const { head, ms } = await timedGet(port, `${lines}X-Kept: k\r\n`);
  assert.match(head, /^HTTP\/1\.1 200 /);
  assert.ok(ms < BOUND_MS, `answered in ${ms.toFixed(0)} ms`);
  assert.equal(app.seen[0]?.headers['x_0'], undefined);
  assert.equal(app.seen[0]?.headers['x-kept'], 'k');
});

test('compress: an Accept-Encoding weight of 60,000 digits (not a number Go reads) is negotiated in well under a second', async (t) => {
  const app = await startRawBackend((socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4096\r\n\r\n${'x'.repeat(4096)}`));
  t.after(() => app.close());
  const port = await proxyTo(t, app.url, { middlewares: { c: { compress: {} } } });
  const { head, ms } = await timedGet(port, `Accept-Encoding: br;q=0.5, gzip;q=${'1'.repeat(60_000)}x\r\n`);
  assert.match(head, /^HTTP\/1\.1 200 /);
  assert.ok(ms < BOUND_MS, `answered in ${ms.toFixed(0)} ms`);
  // Go reads the weight as 0 (ParseFloat fails): br, at 0.5, is the client's first choice.
  assert.match(head, /\r\nContent-Encoding: br\r\n/i);
});

test('the dashboard redirects under a trusted X-Forwarded-Prefix of 60,000 slashes in well under a second', async (t) => {
  const users = [`admin:{SHA}${createHash('sha1').update('s3cret').digest('base64')}`];
  const auth = validateDynamicConfig({ http: { middlewares: { auth: { basicAuth: { users } } } } }).config.http.middlewares['auth'] as Record<string, unknown>;
  const input: BuildInput = {
    ...buildInput({
      http: {
        routers: { 'dashboard@file': { rule: 'Host(`dash.test`)', service: 'api@internal', middlewares: ['auth'], entryPoints: ['web'] } },
        middlewares: { 'auth@file': auth },
      },
    }),
    api: {
      insecure: false, version: '9.9.9', startDate: '2024-01-01T00:00:00.000Z', entryPoints: { web: { address: '127.0.0.1:0' } },
      features: { tracing: '', metrics: '', accessLog: false }, providers: ['File'], dashboard: true, insights: null,
    },
  };
  const proxy = await startProxy(input, [entryPointOptions('web', '127.0.0.1:0', { forwardedHeaders: { insecure: true, trustedIPs: [] } })]);
  t.after(() => proxy.close(0));
  const started = performance.now();
  const location = await new Promise<string | undefined>((resolve, reject) => {
    request({
      host: '127.0.0.1', port: proxy.port('web'), path: '/',
      headers: { host: 'dash.test', authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}`, 'x-forwarded-prefix': `/a${'/'.repeat(60_000)}b` },
    }, (res) => {
      res.resume();
      resolve(res.headers.location);
    }).on('error', reject).end();
  });
  const ms = performance.now() - started;
  assert.equal(location, '/a/b/dashboard/', "Go's http.Redirect cleans the path");
  assert.ok(ms < BOUND_MS, `answered in ${ms.toFixed(0)} ms`);
});

test('an upstream header with 60,000 spaces inside, then folded (obs-fold), is joined in well under a second', async (t) => {
  const backend = await startRawBackend((socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nX-Long: a${' '.repeat(60_000)}b\r\n c\r\nContent-Length: 2\r\n\r\nok`);
  });
  t.after(() => backend.close());
  const port = await proxyTo(t, backend.url);
  const { head, ms } = await timedGet(port, '');
  assert.match(head, /^HTTP\/1\.1 200 /);
  assert.ok(head.toLowerCase().includes(`\r\nx-long: a${' '.repeat(60_000)}b c\r\n`), 'joined with one space, as Go reads it');
  assert.ok(ms < BOUND_MS, `answered in ${ms.toFixed(0)} ms`);
});

test('errors: the page request for one with 22,000 Set-Cookie lines (HTTP/2, near the 1 MiB header list) is made in well under a second', async (t) => {
  const app = await startRawBackend((socket) => socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\n\r\nbroken'));
  t.after(() => app.close());
  const pages = await startRawBackend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npage'));
  t.after(() => pages.close());
  const middlewares = fileMiddlewares({ e: { errors: { status: ['500-599'], service: 'err', query: '/{status}.html' } } });
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['e@file'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } }, 'err@file': { loadBalancer: { servers: [{ url: pages.url }] } } },
      middlewares,
    },
  }));
  t.after(() => proxy.close(0));
  const session = http2.connect(`http://127.0.0.1:${proxy.port('web')}`, { maxHeaderListPairs: 100_000, maxSendHeaderBlockLength: 4 * 1024 * 1024 });
  session.on('error', () => undefined);
  t.after(() => session.close());
  const started = performance.now();
  const { status, body } = await h2Request(session, { ':path': '/', 'set-cookie': Array.from({ length: 22_000 }, () => 'c=1') });
  const ms = performance.now() - started;
  assert.equal(status, 500);
  assert.equal(body, 'page');
  assert.match(pages.heads[0] ?? '', /^GET \/500\.html HTTP\/1\.1\r\n/);
  assert.equal(pages.heads[0]?.match(/\r\nset-cookie: c=1/gi)?.length, 22_000, 'every line copied to the page request');
  assert.ok(ms < BOUND_MS, `answered in ${ms.toFixed(0)} ms`);
});

test('a path of 130,000 escapes is routed and relayed, not cut: its bytes were once spread as arguments, past the stack', async (t) => {
  const app = await startBackend('app');
  t.after(() => app.close());
  const port = await proxyTo(t, app.url);
  const path = '/' + '%20'.repeat(130_000);
  const { text } = await rawExchange(port, [`GET ${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`], /\r\n\r\n/, 30_000);
  // Relayed: the backend (node's 16 KiB head limit) answers 431 itself, and pe-edge passes that on.
  assert.match(text, /^HTTP\/1\.1 431 /);
});
