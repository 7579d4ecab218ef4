// h2c (HTTP/2 with prior knowledge) on a plain entrypoint, beside HTTP/1.1 on the same port: served through the same
// request path as TLS h2, with the same guards (path safety rules, header list limit, readTimeout on a stream's body,
// idleTimeout on the session).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';

const READ_TIMEOUT = 400;
const IDLE_TIMEOUT = 500;

async function setup(t: TestContext): Promise<{ port: number; backend: Backend }> {
  const backend = await startBackend('app');
  t.after(() => backend.close());
  const input = buildInput({ http: {
    routers: { 'r@file': { rule: 'Host(`app.test`)', service: 's' } },
    services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
  } });
  const proxy = await startProxy(input, [entryPointOptions('web', '127.0.0.1:0', { readTimeout: READ_TIMEOUT, idleTimeout: IDLE_TIMEOUT, maxHeaderBytes: 8192 })]);
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), backend };
}

function h2c(t: TestContext, port: number): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  return session;
}

function get(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':authority': 'app.test', ...headers });
    let status = 0;
    let body = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (body += c));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
  });
}

test('h2c and HTTP/1.1 on one plain port: both reach the backend, h2c with :authority routing and X-Forwarded-Proto http', async (t) => {
  const { port, backend } = await setup(t);
  const answer = await get(h2c(t, port), { ':path': '/h2c?x=1' });
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'app');
  assert.equal(backend.seen[0]?.url, '/h2c?x=1');
  assert.equal(backend.seen[0]?.headers.host, 'app.test');
  assert.equal(backend.seen[0]?.headers['x-forwarded-proto'], 'http');
  assert.equal((await httpRequest({ port, host: 'app.test', path: '/h1' })).body, 'app');
});

test('h2c: a preface sent a byte at a time is still HTTP/2', async (t) => {
  const { port } = await setup(t);
  const raw = net.connect(port, '127.0.0.1');
  t.after(() => raw.destroy());
  await new Promise((r) => raw.once('connect', r));
  for (const byte of Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')) {
    raw.write(Buffer.from([byte]));
    await new Promise((r) => setTimeout(r, 2));
  }
  // An empty SETTINGS frame: the edge answers with its own SETTINGS (type 4), which an HTTP/1.1 front never would.
  raw.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
  const first = await new Promise<Buffer>((resolve) => raw.once('data', resolve));
  assert.equal(first[3], 4, 'the first frame the edge sends is SETTINGS');
});

test('h2c: the request-path safety rules apply (dot segments resolved, a malformed escape refused)', async (t) => {
  const { port, backend } = await setup(t);
  const session = h2c(t, port);
  assert.equal((await get(session, { ':path': '/a/../b' })).status, 200);
  assert.equal(backend.seen.at(-1)?.url, '/b');
  assert.equal((await get(session, { ':path': '/bad%zz' })).status, 400);
  assert.equal(backend.seen.length, 1, 'the refused request never reached the backend');
});

test('h2c: a header list over maxHeaderBytes never reaches the backend', async (t) => {
  const { port, backend } = await setup(t);
  const session = h2c(t, port);
  const outcome = await get(session, { ':path': '/big', 'x-big': 'a'.repeat(16_384) }).then((a) => `status ${a.status}`, () => 'reset');
  assert.notEqual(outcome, 'status 200');
  assert.equal(backend.seen.length, 0);
});

test('h2c: a request body that never completes is reset at readTimeout', async (t) => {
  const { port, backend } = await setup(t);
  const session = h2c(t, port);
  const started = Date.now();
  const stream = session.request({ ':method': 'POST', ':path': '/upload', ':authority': 'app.test', 'content-length': '100' });
  stream.on('error', () => undefined);
  stream.write('hello');
  const took = await closedAfter(stream, started, 'stream');
  assert.ok(took >= READ_TIMEOUT - 100, `reset after ${took} ms`);
  assert.equal(backend.seen.some((r) => r.url === '/upload'), false);
});

test('h2c: an idle session is closed at idleTimeout', async (t) => {
  const { port } = await setup(t);
  const session = h2c(t, port);
  await get(session, { ':path': '/' });
  const started = Date.now();
  const took = await closedAfter(session, started, 'session');
  assert.ok(took >= IDLE_TIMEOUT - 200, `closed after ${took} ms`);
});

/** ms from `started` until `what` closes; fails after 3 s. */
function closedAfter(what: { once(event: 'close', listener: () => void): unknown }, started: number, name: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} still open after 3 s`)), 3000);
    what.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

test('h2c: a session a client broke after opening a stream (a frame node cannot read) is let go within two idleTimeout periods, not held for good', async (t) => {
  const { port } = await setup(t);
  const frame = (type: number, flags: number, id: number, payload = Buffer.alloc(0)): Buffer => {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(id, 5);
    return Buffer.concat([head, payload]);
  };
  // SETTINGS; HEADERS opening stream 1 (POST / http, :authority x, from HPACK's static table) with no END_STREAM; then
  // bytes that are no frame: node 20 sends GOAWAY and stops the session with that stream open.
  const opened = frame(1, 0x4, 1, Buffer.from([0x83, 0x84, 0x86, 0x41, 0x01, 0x78]));
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  socket.on('error', () => undefined);
  socket.resume();
  await new Promise((resolve) => socket.once('connect', resolve));
  const started = Date.now();
  // Over once pe-edge closes its side too (node 24 does at once).
  const closed = closedAfter(socket, started, 'connection');
  socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), frame(4, 0, 0), opened, Buffer.from('GET / HTTP/1.1\r\n\r\n')]));
  await new Promise((resolve) => setTimeout(resolve, 100));
  // The client leaves.
  socket.end();
  const took = await closed;
  assert.ok(took < 2 * IDLE_TIMEOUT + 1000, `let go after ${took} ms`);
});
