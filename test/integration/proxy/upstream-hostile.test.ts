import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { request, type Dispatcher } from 'undici';
import { startRawBackend } from '../../support/raw-backend.js';
import { oneClientConnection, proxyInFrontOf as withProxy } from '../../support/proxy-fixture.js';

// Backends that send what no honest server sends. Each test holds the exact bytes a security review
// used; the client must get its own, well-formed answer (or a 502), and the proxy must keep serving.

async function get(url: string, dispatcher?: Dispatcher) {
  // A head that never ends must fail the test, not hang it.
  const res = await request(url, { headersTimeout: 3000, bodyTimeout: 3000, ...(dispatcher !== undefined ? { dispatcher } : {}) });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** Sends one raw GET; resolves with all the bytes of the answer (the proxy's head as written, unparsed). */
function rawGet(base: string, path: string): Promise<string> {
  return rawExchange(base, `GET ${path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`);
}

/** Writes `request` on a new connection and reads until the proxy closes it. */
async function rawExchange(base: string, request: string): Promise<string> {
  const socket = net.connect(Number(new URL(base).port), '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => (text += c));
  socket.write(request);
  await new Promise((resolve) => socket.once('close', resolve));
  return text;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('bytes an idle connection received before a request was put on it are never read as that request\'s answer', async (t) => {
  let last: net.Socket | null = null;
  const backend = await startRawBackend((socket, head) => {
    last = socket;
    const path = head.split(' ')[1] ?? '';
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
  });
  const base = await withProxy(t, backend.url, backend.close);
  const client = net.connect(Number(new URL(base).port), '127.0.0.1');
  t.after(() => client.destroy());
  let text = '';
  client.setEncoding('latin1');
  client.on('data', (c: string) => (text += c));
  // The second request of a client connection is the one that may take a kept upstream connection.
  client.write('GET /first HTTP/1.1\r\nHost: a.test\r\n\r\n');
  for (let i = 0; i < 100 && !text.endsWith('/first'); i++) await sleep(20);
  text = '';
  // The request and the unrequested answer are both waiting when the proxy's event loop next looks:
  // the request first, so the proxy may pick the kept connection before it reads the poison there.
  client.write('GET /second HTTP/1.1\r\nHost: a.test\r\n\r\n');
  (last as unknown as net.Socket).write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npoison');
  const until = Date.now() + 30;
  while (Date.now() < until) { /* hold the event loop so both arrive before either is read */ }
  for (let i = 0; i < 100 && !/\r\n\r\n./s.test(text); i++) await sleep(20);
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\/second$/);
});

test('a 200 whose reason phrase holds control characters reaches the client as 200 "ok", and the proxy serves on', async (t) => {
  const backend = await startRawBackend((socket, head) => {
    if (head.includes('/odd')) socket.write('HTTP/1.1 200 O\x0bK\x7f\x01\r\nContent-Length: 2\r\n\r\nok', 'latin1');
    else socket.write('HTTP/1.1 200 Fine\r\nContent-Length: 4\r\n\r\nnext');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const odd = await get(`${base}/odd`);
  assert.equal(odd.status, 200);
  assert.equal(odd.body, 'ok');
  assert.match(await rawGet(base, '/odd'), /^HTTP\/1\.1 200 OK\r\n/, 'Go\'s text goes out instead');
  assert.equal((await get(`${base}/next`)).body, 'next');
});

test('the status line carries Go\'s reason phrase for the status, never the upstream\'s, on the lean front and on node:http', async (t) => {
  const answers: Record<string, string> = {
    '/fine': 'HTTP/1.1 200 Fine\r\nContent-Length: 2\r\n\r\nok',
    '/big': 'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 2\r\n\r\nno',
    '/teapot': 'HTTP/1.1 418 I\'m a Teapot\r\nContent-Length: 2\r\n\r\nno',
    '/odd': 'HTTP/1.1 599 Whatever\r\nContent-Length: 2\r\n\r\nno',
  };
  const backend = await startRawBackend((socket, head) => socket.write(answers[head.split(' ')[1] ?? ''] ?? ''));
  const base = await withProxy(t, backend.url, backend.close);
  const expected: Record<string, string> = {
    '/fine': 'HTTP/1.1 200 OK', '/big': 'HTTP/1.1 413 Request Entity Too Large', '/teapot': "HTTP/1.1 418 I'm a teapot", '/odd': 'HTTP/1.1 599 status code 599',
  };
  for (const [path, line] of Object.entries(expected)) {
    assert.equal((await rawGet(base, path)).split('\r\n')[0], line, `lean front, ${path}`);
    // A chunked request body hands the connection to node:http.
    const handedOff = await rawExchange(base, `POST ${path} HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\nx\r\n0\r\n\r\n`);
    assert.equal(handedOff.split('\r\n')[0], line, `node:http, ${path}`);
  }
});

test('response heads whose lines end in a bare LF are read, as HAProxy, nginx and Go read them', async (t) => {
  const answers: Record<string, string> = {
    '/lf': 'HTTP/1.1 200 OK\nContent-Length: 2\nX-App: lf\n\nok',
    '/mixed': 'HTTP/1.1 200 OK\r\nContent-Length: 5\nX-App: mixed\n\r\nmixed',
    '/chunked': 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nX-App: lf-chunked\n\n2\r\nok\r\n0\r\n\r\n',
  };
  const backend = await startRawBackend((socket, head) => socket.write(answers[head.split(' ')[1] ?? ''] ?? ''));
  const base = await withProxy(t, backend.url, backend.close);
  const client = oneClientConnection(t);
  for (const [path, body, app] of [['/lf', 'ok', 'lf'], ['/mixed', 'mixed', 'mixed'], ['/chunked', 'ok', 'lf-chunked']]) {
    const res = await get(`${base}${path}`, client);
    assert.equal(res.status, 200, path);
    assert.equal(res.body, body, path);
    assert.equal(res.headers['x-app'], app, path);
  }
  assert.equal(backend.connections, 1, 'each answer was framed exactly: the connection served all three');
});

test('a folded header line (obs-fold) reaches the client joined with one space, as Traefik relays what Go reads; a fold before any header is a 502', async (t) => {
  const answers: Record<string, string> = {
    '/folded': 'HTTP/1.1 200 OK\r\nX-App: one\r\n  two\r\n\tthree\r\nContent-Length: 2\r\n\r\nok',
    '/first': 'HTTP/1.1 200 OK\r\n X-App: one\r\nContent-Length: 2\r\n\r\nok',
  };
  const backend = await startRawBackend((socket, head) => socket.write(answers[head.split(' ')[1] ?? ''] ?? ''));
  const base = await withProxy(t, backend.url, backend.close);
  const folded = await get(`${base}/folded`);
  assert.deepEqual([folded.status, folded.headers['x-app'], folded.body], [200, 'one two three', 'ok']);
  assert.equal((await get(`${base}/first`)).status, 502);
  assert.equal((await get(`${base}/folded`)).status, 200, 'the proxy serves on');
});

test('a transfer-coding other than a lone chunked is a 502, never gzip bytes relayed as the body', async (t) => {
  const gz = gzipSync('hello');
  const backend = await startRawBackend((socket, head) => {
    if (head.includes('/gzip')) {
      socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n${gz.length.toString(16)}\r\n`), gz, Buffer.from('\r\n0\r\n\r\n')]));
    } else if (head.includes('/two')) {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
    } else {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood');
    }
  });
  const base = await withProxy(t, backend.url, backend.close);
  for (const path of ['/gzip', '/two']) {
    const res = await get(`${base}${path}`);
    assert.equal(res.status, 502, path);
    assert.equal(res.body, 'Bad Gateway', path);
  }
  assert.equal((await get(`${base}/good`)).body, 'good');
});

test('a response head over 64 KiB is a 502, even when it arrives in one piece', async (t) => {
  const big = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\nContent-Length: 2\r\n\r\nok`;
  const backend = await startRawBackend((socket) => socket.write(big));
  const base = await withProxy(t, backend.url, backend.close);
  assert.match(await rawGet(base, '/'), /^HTTP\/1\.1 502 Bad Gateway\r\n/);
});

test('204 and 304 answers never carry the Content-Length an upstream put on them', async (t) => {
  const backend = await startRawBackend((socket, head) => {
    if (head.includes('/204')) socket.write('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nX-N: 1\r\n\r\n');
    else socket.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\nETag: "v1"\r\n\r\n');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const noContent = await rawGet(base, '/204');
  assert.match(noContent, /^HTTP\/1\.1 204 No Content\r\n/);
  assert.match(noContent, /\r\nx-n: 1\r\n/i);
  assert.doesNotMatch(noContent, /content-length/i);
  const notModified = await rawGet(base, '/304');
  assert.match(notModified, /^HTTP\/1\.1 304 Not Modified\r\n/);
  assert.match(notModified, /\r\netag: "v1"\r\n/i);
  assert.doesNotMatch(notModified, /content-length/i);
});

test('headers named __proto__ and constructor are relayed as plain headers, nothing else leaks', async (t) => {
  const backend = await startRawBackend((socket) => {
    socket.write('HTTP/1.1 200 OK\r\n__proto__: x\r\nconstructor: y\r\ntoString: z\r\nContent-Length: 2\r\n\r\nok');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const text = await rawGet(base, '/');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  assert.match(head, /\r\n__proto__: x(\r\n|$)/i);
  assert.match(head, /\r\nconstructor: y(\r\n|$)/i);
  assert.match(head, /\r\ntostring: z(\r\n|$)/i);
  assert.doesNotMatch(head, /function|native code/);
  assert.ok(text.endsWith('\r\n\r\nok'));
});

test('an HTTP/1.0 answer framed with chunked is not trusted with another request, keep-alive or not', async (t) => {
  const backend = await startRawBackend((socket) => {
    socket.write('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const client = oneClientConnection(t);
  assert.equal((await get(`${base}/1`, client)).body, 'ok');
  assert.equal((await get(`${base}/2`, client)).body, 'ok');
  assert.equal(backend.connections, 2);
});
