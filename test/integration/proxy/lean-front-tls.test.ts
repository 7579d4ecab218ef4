// The lean HTTP/1.1 front on TLS connections and middleware routes: regressions from the review that attacked it
// (a client that pipelines without reading, a silent TLS connection, junk after a large answer, configured
// header values with CR LF).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { startBackend } from '../../support/backends.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import type { BuildInput } from '../../../proxy/index.js';
import type { EntryPointOptions } from '../../../proxy/entrypoints/entrypoint.js';
import type { RequestContext } from '../../../proxy/http/request-context.js';

type T = { after: (fn: () => Promise<void> | void) => void };

/** One entrypoint `web`: router `secure` (TLS, Host a.test) to a backend answering `/big?n=N` with N bytes, chunked. */
async function setup(t: T, middlewares: BuildInput['http']['middlewares'] = {}, routerMiddlewares: string[] = [], ep: Partial<EntryPointOptions> = {}, tlsRouter = true) {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const backend = await startBackend('app', (req, res) => {
    const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? '2');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('x'.repeat(n));
  });
  t.after(() => backend.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'secure@file': { rule: 'Host(`a.test`)', service: 'app', middlewares: routerMiddlewares, ...(tlsRouter ? { tls: {} } : {}) } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares,
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }), [entryPointOptions('web', '127.0.0.1:0', ep)]);
  t.after(() => proxy.close(0));
  return { proxy, port: proxy.port('web') };
}

/** The body of one answer (head included in `answer`), by its Content-Length or its chunked framing. */
function answerBody(answer: string): string {
  const headEnd = answer.indexOf('\r\n\r\n');
  const length = /\r\ncontent-length: *(\d+)/i.exec(answer.slice(0, headEnd));
  if (length !== null) return answer.slice(headEnd + 4, headEnd + 4 + Number(length[1]));
  let rest = answer.slice(headEnd + 4);
  let body = '';
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return body;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 4 + size);
  }
}

function connect(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'a.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection (or `ms` pass). */
function readAll(socket: tls.TLSSocket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

test('a TLS client pipelining requests it never reads does not grow memory: the front stops reading until its answers drain', async (t) => {
  // The largest write backlog any answer left on its client connection (what pe-edge holds in memory for it).
  let backlog = 0;
  const onDone = (ctx: RequestContext): void => {
    const socket = ctx.req.socket as Partial<Socket>;
    backlog = Math.max(backlog, socket.writableLength ?? 0);
  };
  const { port } = await setup(t, {}, [], { onDone });
  const flood = await connect(port);
  flood.on('error', () => {});
  // Answered by pe-edge itself (404: no router for this host), synchronously, 17 MB of answers in all.
  const batch = Buffer.from('GET / HTTP/1.1\r\nHost: nobody.test\r\n\r\n'.repeat(1000));
  const until = Date.now() + 3000;
  for (let i = 0; i < 100 && Date.now() < until; i++) {
    if (!flood.write(batch)) await new Promise((r) => flood.once('drain', r as () => void).setTimeout(500, r as () => void));
  }
  await new Promise((r) => setTimeout(r, 500));
  flood.destroy();
  assert.ok(backlog < 1024 * 1024, `answers wait in the kernel, not in pe-edge: the largest backlog was ${backlog} bytes`);
  const other = await new Promise<string>((resolve, reject) => {
    const req = tls.connect({ host: '127.0.0.1', port, servername: 'a.test', rejectUnauthorized: false }, () => req.write('GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'));
    let text = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (text += c));
    req.on('close', () => resolve(text));
    req.on('error', reject);
  });
  assert.match(other, /^HTTP\/1\.1 200 /, 'another client is served');
});

test('over TLS, a Content-Length body is read by the lean front whole, and the request pipelined behind it is served next', async (t) => {
  const { port } = await setup(t);
  const socket = await connect(port);
  const body = 'b'.repeat(200_000) + 'end';
  socket.write(`POST /upload?n=3 HTTP/1.1\r\nHost: a.test\r\nContent-Length: ${body.length}\r\n\r\n${body}GET /next?n=4 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`);
  const text = await readAll(socket, 3000);
  const answers = text.split(/(?=HTTP\/1\.1 )/);
  assert.deepEqual(answers.map((a) => [a.slice(0, 15), answerBody(a)]), [['HTTP/1.1 200 OK', 'xxx'], ['HTTP/1.1 200 OK', 'xxxx']]);
  assert.doesNotMatch(text, /keep-alive: timeout/i, 'node:http adds Keep-Alive to its answers, the lean front does not');
});

test('a TLS connection that completes its handshake and sends nothing is closed after readTimeout, not idleTimeout', async (t) => {
  const { port } = await setup(t, {}, [], { readTimeout: 1000, idleTimeout: 20_000 });
  const socket = await connect(port);
  const started = Date.now();
  await readAll(socket, 10_000);
  const held = Date.now() - started;
  assert.ok(held < 3500, `closed after ${held} ms`);
});

test('over TLS, junk pipelined after a large answer: the whole answer arrives, then the 400', async (t) => {
  const { port } = await setup(t);
  for (const junk of ['xyz\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a.test\r\nX: \u0001\r\n\r\n']) {
    const socket = await connect(port);
    socket.write(`GET /big?n=300000 HTTP/1.1\r\nHost: a.test\r\n\r\n${junk}`);
    const text = await readAll(socket, 5000);
    const [first, rest] = text.split('\r\n0\r\n\r\n');
    assert.ok(rest !== undefined, `the first answer ends (got ${text.length} bytes)`);
    assert.equal(answerBody((first ?? '') + '\r\n0\r\n\r\n').length, 300_000);
    assert.match(rest ?? '', /^HTTP\/1\.1 400 Bad Request\r\n/);
  }
});

test('a configured header value with CR LF never splits the answer: the exchange ends instead (as on node:http)', async (t) => {
  const { port } = await setup(t, { 'split@file': { headers: { customResponseHeaders: { 'X-Split': 'a\r\nSet-Cookie: injected=1' } } } }, ['split']);
  const socket = await connect(port);
  socket.write('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
  const text = await readAll(socket, 3000);
  assert.doesNotMatch(text, /injected/);
  assert.doesNotMatch(text, /^HTTP\/1\.1 200/);
});

/** Reads nothing for `pauseMs` (the answer backs up into the server), then everything until the server ends. */
function readLate(socket: Socket, pauseMs: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.pause();
    setTimeout(() => {
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.resume();
    }, pauseMs);
    socket.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

test('an answer still leaving for a slow reader is never cut by the deadlines: not by readTimeout with a request pipelined behind it, not by idleTimeout', async (t) => {
  // `buffering` answers in one write once the whole body is in: 30 MB, more than the kernel's buffers hold, so the
  // rest waits in pe-edge, its answer over, while the client reads nothing for 2.5 s, longer than both deadlines.
  const buffered = { 'whole@file': { buffering: { maxResponseBodyBytes: 40_000_000, memResponseBodyBytes: 40_000_000 } } };
  const { port } = await setup(t, buffered, ['whole'], { readTimeout: 1000, idleTimeout: 1000 }, false);
  for (const pipelined of [true, false]) {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(pipelined
      ? 'GET /big?n=30000000 HTTP/1.1\r\nHost: a.test\r\n\r\nGET /big?n=10 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'
      : 'GET /big?n=30000000 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    const text = (await readLate(socket, 2500)).toString('latin1');
    const answers = text.split(/(?=HTTP\/1\.1 200 OK\r\n)/);
    assert.equal(answerBody(answers[0] ?? '').length, 30_000_000, `pipelined=${pipelined}: the whole first answer`);
    if (pipelined) assert.equal(answerBody(answers[1] ?? ''), 'x'.repeat(10), 'then the pipelined one');
  }
});

test('HTTP/2: an answer cut mid-body (the upstream died) is reset with INTERNAL_ERROR, never ended as if complete', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const dying = await startRawBackend((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + `186a0\r\n${'y'.repeat(100_000)}\r\n`);
    setTimeout(() => socket.destroy(), 50);
  });
  t.after(() => dying.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {} } },
      services: { 's@file': { loadBalancer: { servers: [{ url: dying.url }] } } },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }));
  t.after(() => proxy.close(0));
  const session = http2.connect(`https://127.0.0.1:${proxy.port('web')}`, { servername: 'a.test', rejectUnauthorized: false });
  t.after(() => session.destroy());
  const outcome = await new Promise<{ bytes: number; rstCode: number | undefined; ended: boolean }>((resolve) => {
    const stream = session.request({ ':path': '/', ':authority': 'a.test' });
    let bytes = 0;
    let ended = false;
    stream.on('data', (c: Buffer) => (bytes += c.length));
    stream.on('end', () => (ended = true));
    stream.on('error', () => {});
    stream.on('close', () => resolve({ bytes, rstCode: stream.rstCode, ended }));
  });
  assert.equal(outcome.bytes, 100_000, 'what arrived was relayed');
  assert.equal(outcome.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR, JSON.stringify(outcome));
  assert.equal(outcome.ended, false, 'the client never sees a clean end');
});
