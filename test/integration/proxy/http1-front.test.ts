import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { RequestContext } from '../../../proxy/http/request-context.js';
import { responseBodySize } from '../../../proxy/observability/response-size.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';

// Plain-HTTP entrypoints serve simple requests on routers without middlewares with a lean HTTP/1.1 front
// (proxy/entrypoints/http1-front/) and hand everything else to node:http at a request boundary. A client
// must not be able to tell which one answered: these tests speak raw HTTP/1.1 to see every byte.

/** Sends `payload` on one connection and collects what comes back until `until` matches or it closes. */
async function exchange(port: number, payload: string | string[], until: RegExp, waitMs = 3000): Promise<{ text: string; closed: boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  for (const part of Array.isArray(payload) ? payload : [payload]) {
    socket.write(part, 'latin1');
    await new Promise((r) => setTimeout(r, 30));
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    const check = (): void => { if (until.test(text)) { clearTimeout(timer); resolve(); } };
    socket.on('data', check);
    socket.on('close', () => { closed = true; clearTimeout(timer); resolve(); });
    check();
  });
  await new Promise((r) => setTimeout(r, 30));
  closed ||= socket.destroyed;
  socket.destroy();
  return { text, closed };
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, extra: Partial<Parameters<typeof entryPointOptions>[2]> = {}) {
  const plain = await startBackend('plain', (req, res) => {
    if (req.url === '/hold') {
      res.write('held-'); // never ends: only the client leaving ends this exchange
      return;
    }
    if (req.url === '/chunked') {
      res.write('part1-');
      setTimeout(() => res.end('part2'), 20);
      return;
    }
    res.writeHead(200, { 'x-from': 'plain' });
    res.end(`plain ${req.method} ${req.url}`);
  });
  const http = {
    routers: {
      'plain@file': { rule: 'Host(`app.test`)', service: 'plain' },
      'styled@file': { rule: 'Host(`app.test`) && PathPrefix(`/styled`)', service: 'plain', middlewares: ['h'] },
    },
    services: { 'plain@file': { loadBalancer: { servers: [{ url: plain.url }] } } },
    middlewares: { 'h@file': { headers: { customResponseHeaders: { 'X-Styled': 'yes' } } } },
  };
  const proxy = await startProxy(buildInput({ http }), [entryPointOptions('web', '127.0.0.1:0', extra)]);
  t.after(async () => { await proxy.close(0); await plain.close(); });
  return { port: proxy.port('web'), plain };
}

const GET = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: app.test\r\n${extra}\r\n`;

test('pipelined requests are answered in order on one connection, mixing the front, node:http and a 404', async (t) => {
  const { port } = await setup(t);
  const nowhere = 'GET /none HTTP/1.1\r\nHost: other.test\r\n\r\n';
  const { text } = await exchange(port, GET('/one') + nowhere + GET('/two') + GET('/styled/three'), /plain GET \/styled\/three/);
  const answers = [...text.matchAll(/plain GET (\/[a-z/]+)|404 page not found/g)].map((m) => m[1] ?? '404');
  assert.deepEqual(answers, ['/one', '404', '/two', '/styled/three']);
  assert.equal((text.match(/X-Styled: yes/gi) ?? []).length, 1, 'the middleware router answered only its own request');
});

test('a keep-alive connection moves from the front to node:http for a router with middlewares, and keeps working', async (t) => {
  const { port } = await setup(t);
  const { text, closed } = await exchange(port, [GET('/a'), GET('/styled/b'), GET('/c')], /plain GET \/c/);
  assert.match(text, /plain GET \/a/);
  assert.match(text, /x-styled: yes[\s\S]*plain GET \/styled\/b/i);
  assert.match(text, /plain GET \/c/);
  assert.equal(closed, false);
});

test('answers as node:http would: chunked when upstream has no length, HEAD without body, Date always set', async (t) => {
  const { port } = await setup(t);
  const chunked = await exchange(port, GET('/chunked'), /0\r\n\r\n$/);
  assert.match(chunked.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(chunked.text, /transfer-encoding: chunked/i);
  assert.match(chunked.text, /\r\n\r\n6\r\npart1-\r\n5\r\npart2\r\n0\r\n\r\n$/);
  const head = await exchange(port, `HEAD /h HTTP/1.1\r\nHost: app.test\r\n\r\n` + GET('/after'), /plain GET \/after/);
  assert.match(head.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.doesNotMatch(head.text, /plain HEAD/, 'no body after a HEAD answer');
  assert.match(head.text, /\r\ndate: /i);
});

test('Connection: close is honoured: the answer says so and the connection ends', async (t) => {
  const { port } = await setup(t);
  const closing = await exchange(port, GET('/bye', 'Connection: close\r\n'), /plain GET \/bye/);
  assert.match(closing.text, /\r\nConnection: close\r\n/i);
  assert.equal(closing.closed, true);
});

test('HTTP/1.0, chunked request bodies and malformed heads are left to node:http, with its answers', async (t) => {
  const { port, plain } = await setup(t);
  const old = await exchange(port, 'GET /old HTTP/1.0\r\nHost: app.test\r\n\r\n', /plain GET \/old/);
  assert.match(old.text, /^HTTP\/1\.1 200 OK/);
  const post = await exchange(port, 'POST /form HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', /plain POST \/form/);
  assert.match(post.text, /plain POST \/form/);
  assert.match(post.text, /keep-alive: timeout/i, 'node:http answered');
  assert.equal(plain.seen.at(-1)?.body, 'hello');
  const bad = await exchange(port, 'GET /x HTTP/1.1\r\nHost: app.test\r\nBad Header: 1\r\n\r\n', /HTTP\/1\.1 400/);
  assert.match(bad.text, /^HTTP\/1\.1 400 Bad Request/);
  const noHost = await exchange(port, 'GET /x HTTP/1.1\r\n\r\n', /HTTP\/1\.1 400/);
  assert.match(noHost.text, /^HTTP\/1\.1 400 Bad Request/);
});

test('a client that goes away mid-answer closes the upstream request too', async (t) => {
  let upstreamClosed = false;
  const slow = await startBackend('slow', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first part');
    res.on('close', () => (upstreamClosed = true));
  });
  const http = {
    routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
    services: { 's@file': { loadBalancer: { servers: [{ url: slow.url }] } } },
  };
  const proxy = await startProxy(buildInput({ http }));
  t.after(async () => { await proxy.close(0); await slow.close(); });
  await exchange(proxy.port('web'), GET('/stream'), /first part/);
  for (let i = 0; i < 50 && !upstreamClosed; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(upstreamClosed, true);
});

test('idle connections are closed after respondingTimeouts.idleTimeout', async (t) => {
  const { port } = await setup(t, { idleTimeout: 1000 });
  const started = Date.now();
  const { text, closed } = await exchange(port, GET('/idle'), /$^/, 4000);
  assert.match(text, /plain GET \/idle/);
  assert.equal(closed, true);
  const waited = Date.now() - started;
  assert.ok(waited >= 900 && waited < 3500, `closed after ${waited} ms`);
});

test('access log and metrics see front-served requests as node:http ones: status, body size, 499 when the client left', async (t) => {
  const seen: { path: string; status: number; finished: boolean; size: number; protocol: string }[] = [];
  const onDone = (ctx: RequestContext): void => {
    seen.push({ path: ctx.rawPath, status: ctx.res.statusCode, finished: ctx.res.completed, size: responseBodySize(ctx), protocol: ctx.req.httpVersion });
  };
  const { port } = await setup(t, { onDone });
  await exchange(port, GET('/fixed') + GET('/chunked'), /0\r\n\r\n$/);
  const gone = net.connect(port, '127.0.0.1');
  gone.write(GET('/hold'));
  await new Promise<void>((resolve) => gone.once('data', () => resolve()));
  gone.destroy();
  for (let i = 0; i < 50 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen.slice(0, 2), [
    { path: '/fixed', status: 200, finished: true, size: 'plain GET /fixed'.length, protocol: '1.1' },
    { path: '/chunked', status: 200, finished: true, size: 'part1-part2'.length, protocol: '1.1' },
  ]);
  assert.equal(seen[2]?.finished, false, 'a client gone mid-answer is logged as unfinished (Traefik logs 499)');
});

test('a head trickling in byte by byte is cut once readTimeout has passed since its first byte, without an answer as Go does', async (t) => {
  const { port, plain } = await setup(t, { readTimeout: 1000 });
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let text = '';
  let closedAt = 0;
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => (text += c));
  socket.on('close', () => (closedAt = Date.now()));
  // The cut can reach the client as a reset when it lands while a byte is on its way: still the close this test waits for.
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const started = Date.now();
  socket.write('GET /slow HTTP/1.1\r\nHost: app.test\r\nX-Pad: ');
  // One byte every 200 ms: each byte is activity, but the head as a whole is late.
  for (let i = 0; i < 20 && closedAt === 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    if (!socket.destroyed) socket.write('a');
  }
  assert.ok(closedAt > 0, 'the connection was closed');
  assert.ok(closedAt - started < 3000, `closed after ${closedAt - started} ms`);
  assert.equal(text, '', 'Go closes a connection whose head is late without answering');
  assert.equal(plain.seen.length, 0, 'nothing was forwarded');
});

test('after an answer with Connection: close, requests pipelined behind it are not served', async (t) => {
  const { port, plain } = await setup(t);
  const { text, closed } = await exchange(port, GET('/first', 'Connection: close\r\n') + GET('/second'), /plain GET \/first/);
  assert.match(text, /plain GET \/first/);
  assert.doesNotMatch(text, /second/);
  assert.equal(closed, true);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(plain.seen.map((s) => s.url), ['/first']);
});
