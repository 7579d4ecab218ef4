import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { startBackend } from '../../support/backends.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { DEFAULT_TRANSPORT } from '../../../proxy/index.js';
import { buildInput, oneClientConnection, proxyInFrontOf as withProxy, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';

// pe-edge speaks HTTP/1.1 to plain upstreams with its own connection pool (proxy/forward/http1/).
// These upstreams answer with exact bytes, to prove each framing reaches the client intact and that
// kept-alive connections are reused only when that is safe.

/** Sends raw bytes on one connection; resolves with all that came back once `until` matches (or after 3 s). */
async function rawExchange(port: number, bytes: string, until: RegExp): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => (text += c));
  socket.write(bytes, 'latin1');
  for (let i = 0; i < 150 && !until.test(text); i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
  socket.destroy();
  return text;
}

/** Writes `bytes` in small pieces with pauses, so the proxy sees every kind of split. */
async function dribble(socket: net.Socket, bytes: string, piece = 3): Promise<void> {
  for (let i = 0; i < bytes.length; i += piece) {
    socket.write(bytes.slice(i, i + piece), 'latin1');
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function get(url: string, method = 'GET', dispatcher?: Dispatcher) {
  const res = await request(url, { method: method as 'GET', ...(dispatcher !== undefined ? { dispatcher } : {}) });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

test('a chunked answer arriving in 3-byte pieces, with extensions and trailers, reaches the client whole; the connection is reused', async (t) => {
  const backend = await startRawBackend((socket) => {
    void dribble(socket, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-App: raw\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const client = oneClientConnection(t);
  for (let i = 0; i < 3; i++) {
    const res = await get(`${base}/c${i}`, 'GET', client);
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello, world');
    assert.equal(res.headers['x-app'], 'raw');
  }
  assert.equal(backend.connections, 1, 'one kept-alive upstream connection served all three');
});

test('an HTTP/1.1 server\'s chunked trailers reach a client that sent TE: trailers, as Go relays res.Trailer; those Go refuses do not, and a client that did not ask gets none', async (t) => {
  const backend = await startRawBackend((socket) => {
    void dribble(socket, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: abc\r\nContent-Length: 99\r\nX-Late: 1\r\nX-Late: 2\r\n\r\n', 7);
  });
  const base = await withProxy(t, backend.url, backend.close);
  const port = Number(new URL(base).port);
  const asked = await httpRequest({ port, path: '/t', headers: { te: 'trailers' } });
  assert.equal(asked.body, 'hello');
  assert.deepEqual({ ...asked.trailers }, { 'x-checksum': 'abc', 'x-late': '1, 2' });
  const plain = await httpRequest({ port, path: '/p' });
  assert.equal(plain.body, 'hello');
  assert.deepEqual({ ...plain.trailers }, {});
});

test('an answer without length ends when the upstream closes, and that connection is not reused', async (t) => {
  const backend = await startRawBackend((socket) => {
    socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close', 'latin1');
  });
  const base = await withProxy(t, backend.url, backend.close);
  assert.equal((await get(`${base}/1`)).body, 'until close');
  assert.equal((await get(`${base}/2`)).body, 'until close');
  assert.equal(backend.connections, 2);
});

test('HEAD (with a Content-Length), 204 and 304 answers carry no body, and the connection stays usable', async (t) => {
  const backend = await startRawBackend((socket, head) => {
    const path = head.split(' ')[1];
    if (path === '/204') socket.write('HTTP/1.1 204 No Content\r\nX-N: 1\r\n\r\n');
    else if (path === '/304') socket.write('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n');
    else if (head.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n');
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody');
  });
  const base = await withProxy(t, backend.url, backend.close);
  assert.equal((await get(`${base}/204`)).status, 204);
  const notModified = await get(`${base}/304`);
  assert.equal(notModified.status, 304);
  const head = await get(`${base}/h`, 'HEAD');
  assert.equal(head.headers['content-length'], '10');
  assert.equal(head.body, '');
  // One client connection (undici closes its own after a HEAD): its four requests share one upstream connection.
  const before = backend.connections;
  const text = await rawExchange(Number(new URL(base).port), ['GET /204', 'GET /304', 'HEAD /h', 'GET /after'].map((r) => `${r} HTTP/1.1\r\nHost: a.test\r\n\r\n`).join(''), /body$/);
  assert.match(text, /^HTTP\/1\.1 204 [\s\S]*\r\n\r\nHTTP\/1\.1 304 [\s\S]*\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*?content-length: 10\r\n[^]*?\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nbody$/i);
  assert.equal(backend.connections - before, 1);
});

test('1xx interim answers (103 Early Hints) are read past to the final answer', async (t) => {
  const backend = await startRawBackend((socket) => {
    socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const res = await get(`${base}/`);
  assert.equal(res.status, 200);
  assert.equal(res.body, 'final');
});

test('a kept-alive connection the server closes as it is reused costs no request: sent again on a new one', async (t) => {
  const backend = await startRawBackend((socket, _head, index) => {
    // The second request lands on the kept connection; the server drops it without answering,
    // as a server does when its idle timeout fires just as the request arrives.
    if (index === 1) socket.destroy();
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const client = oneClientConnection(t);
  assert.equal((await get(`${base}/1`, 'GET', client)).status, 200);
  const again = await request(`${base}/2`, { dispatcher: client });
  assert.equal(again.statusCode, 200, 'retried on a fresh connection');
  assert.equal(await again.body.text(), 'ok');
  assert.equal(backend.connections, 2);
});

test('a POST is never sent twice: when a reused connection dies before answering it, the client gets 502', async (t) => {
  const backend = await startRawBackend((socket, head) => {
    // The server may have acted on the POST before it closed: Go (and so Traefik) does not send it again.
    if (head.startsWith('POST')) socket.destroy();
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const client = oneClientConnection(t);
  assert.equal((await get(`${base}/warm`, 'GET', client)).status, 200);
  const post = await request(`${base}/pay`, { method: 'POST', body: '', dispatcher: client });
  assert.equal(post.statusCode, 502);
  await post.body.text();
  assert.equal(backend.heads.filter((h) => h.startsWith('POST')).length, 1);
});

test('an upstream sending Content-Length and Transfer-Encoding cannot smuggle a response to the client', async (t) => {
  const backend = await startRawBackend((socket, head) => {
    if (head.includes('/evil')) {
      const body = 'helloHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected';
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    } else {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nnormal');
    }
  });
  const base = await withProxy(t, backend.url, backend.close);
  const port = Number(new URL(base).port);
  const text = await rawExchange(port, 'GET /evil HTTP/1.1\r\nHost: a.test\r\n\r\nGET /next HTTP/1.1\r\nHost: a.test\r\n\r\n', /normal$/);
  assert.doesNotMatch(text.split('\r\n\r\n')[0] ?? '', /content-length/i, 'the length that disagrees with the framing is dropped');
  assert.equal((text.match(/^HTTP\/1\.1 /gm) ?? []).length, 2, 'two answers; the injected text stays inside the first body');
  assert.match(text, /\r\n\r\n33\r\nhelloHTTP\/1\.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected\r\n0\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*normal$/);
});

test('a status code under 100 is a 502, not a wait', async (t) => {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok'));
  const base = await withProxy(t, backend.url, backend.close);
  assert.equal((await get(`${base}/`)).status, 502);
});

test('an upstream answering before it read the whole upload: under 256 KiB left the client connection goes on, else it closes after the answer (Go)', async (t) => {
  const backend = await startRawBackend((socket, head) => {
    if (head.startsWith('POST')) {
      socket.pause(); // never reads the body, and closes once it answered (the pool must not reuse it)
      setTimeout(() => socket.end('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig'), 200);
    } else {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter');
    }
  });
  const base = await withProxy(t, backend.url, backend.close);
  const port = Number(new URL(base).port);
  /** Sends a POST of `size` bytes, then a GET, as fast as the connection takes them; resolves with what came back. */
  const upload = async (size: number): Promise<{ text: string; closed: boolean }> => {
    const socket = net.connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    let text = '';
    let closed = false;
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (text += c));
    socket.on('error', () => undefined);
    socket.on('close', () => (closed = true));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: ${size}\r\n\r\n`);
    const chunk = Buffer.alloc(Math.min(64 * 1024, size), 97);
    for (let sent = 0; sent < size && !closed && socket.writable; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((r) => { socket.once('drain', r); socket.once('close', r); });
    }
    if (!closed && socket.writable) socket.write('GET /after HTTP/1.1\r\nHost: a.test\r\n\r\n');
    for (let i = 0; i < 200 && !text.endsWith('after') && !closed; i++) await new Promise((r) => setTimeout(r, 20));
    return { text, closed };
  };
  const small = await upload(128 * 1024);
  assert.match(small.text, /^HTTP\/1\.1 413 [\s\S]*big[\s\S]*HTTP\/1\.1 200 OK[\s\S]*after$/);
  assert.doesNotMatch(small.text, /connection: close/i);
  // 8 MB nobody reads are not read to keep one connection: the answer says so and the connection closes.
  const large = await upload(8 * 1024 * 1024);
  assert.match(large.text, /^HTTP\/1\.1 413 [^]*\r\nConnection: close\r\n[\s\S]*big$/);
  assert.equal(large.closed, true);
});

test('responseHeaderTimeout counts from the end of the upload, as in Go: a slow upload is not a slow server', async (t) => {
  const backend = await startBackend('b', (_req, res, body) => res.end(`got ${body.length}`));
  const http = {
    routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
    services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }], serversTransport: 't' } } },
    serversTransports: { 't@file': { ...DEFAULT_TRANSPORT, responseHeaderTimeout: 500 } },
  };
  const proxy = await startProxy(buildInput({ http }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  async function* slowly() {
    for (let i = 0; i < 4; i++) {
      yield Buffer.from('abcd');
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`, { method: 'POST', body: Readable.from(slowly()) });
  assert.equal(res.statusCode, 200, 'a 1.2 s upload under a 0.5 s responseHeaderTimeout');
  assert.equal(await res.body.text(), 'got 16');
});

test('stray bytes after a response, or Connection: close, keep that connection out of reuse', async (t) => {
  const backend = await startRawBackend((socket, head) => {
    if (head.includes('/extra')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE');
    else if (head.includes('/close')) socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const client = oneClientConnection(t);
  assert.equal((await get(`${base}/extra`, 'GET', client)).body, 'ok');
  assert.equal((await get(`${base}/close`, 'GET', client)).body, 'ok');
  assert.equal((await get(`${base}/plain`, 'GET', client)).body, 'ok');
  assert.equal(backend.connections, 3);
  for (const head of backend.heads) assert.doesNotMatch(head, /GARBAGE/);
});

test('a server Keep-Alive timeout hint shorter than a second keeps its connections out of reuse', async (t) => {
  const backend = await startRawBackend((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok');
  });
  const base = await withProxy(t, backend.url, backend.close);
  const client = oneClientConnection(t);
  await get(`${base}/1`, 'GET', client);
  await get(`${base}/2`, 'GET', client);
  assert.equal(backend.connections, 2);
});

test('malformed upstream answers are 502 Bad Gateway, and the next request is served', async (t) => {
  const answers: Record<string, string> = {
    '/status': 'HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok',
    '/name': 'HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nok',
    '/value': 'HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok',
    '/lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
    '/chunks': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n',
    '/good': 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood',
  };
  const backend = await startRawBackend((socket, head) => {
    socket.write(answers[head.split(' ')[1] ?? ''] ?? '');
  });
  const base = await withProxy(t, backend.url, backend.close);
  for (const path of ['/status', '/name', '/value', '/lengths']) {
    const res = await get(`${base}${path}`);
    assert.equal(res.status, 502, path);
    assert.equal(res.body, 'Bad Gateway', path);
  }
  // Bad chunk framing shows only after the head went out: the client's connection is cut mid-body.
  await assert.rejects(get(`${base}/chunks`));
  assert.equal((await get(`${base}/good`)).body, 'good');
});

test('request bodies stream upstream with their length, or chunked when the client sent none', async (t) => {
  const backend = await startBackend('b', (req, res, body) => {
    res.end(`${req.headers['content-length'] ?? '-'} ${req.headers['transfer-encoding'] ?? '-'} ${body.length}`);
  });
  const base = await withProxy(t, backend.url, backend.close);
  const big = 'x'.repeat(1_000_000);
  const withLength = await request(`${base}/`, { method: 'POST', body: big });
  assert.equal(await withLength.body.text(), '1000000 - 1000000');
  const streamed = await request(`${base}/`, { method: 'POST', body: Readable.from([Buffer.from('abc'), Buffer.from('defg')]) });
  assert.equal(await streamed.body.text(), '- chunked 7');
  const empty = await request(`${base}/`, { method: 'POST' });
  assert.equal(await empty.body.text(), '0 - 0', 'an empty POST still says Content-Length: 0');
});

test('a large answer to a slow reader arrives intact (backpressure both ways)', async (t) => {
  const size = 16 * 1024 * 1024;
  const payload = Buffer.alloc(size, 'abcdefgh');
  const backend = await startBackend('b', (_req, res) => {
    res.writeHead(200, { 'content-length': size });
    res.end(payload);
  });
  const base = await withProxy(t, backend.url, backend.close);
  const res = await request(`${base}/`);
  let received = 0;
  let mismatch = false;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (!chunk.equals(payload.subarray(received, received + chunk.length))) mismatch = true;
    received += chunk.length;
    if (received % (4 * 1024 * 1024) < chunk.length) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(received, size);
  assert.equal(mismatch, false);
});

test('a header value carrying CR/LF is never written upstream', async (t) => {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  const http = {
    routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['h@file'] } },
    services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    middlewares: { 'h@file': { headers: { customRequestHeaders: { 'X-Injected': 'a\r\nEvil: 1' } } } },
  };
  const proxy = await startProxy(buildInput({ http }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const res = await get(`http://127.0.0.1:${proxy.port('web')}/`);
  assert.equal(res.status, 500);
  assert.equal(backend.heads.length, 0, 'nothing reached the upstream');
});

test('maxIdleConnsPerHost caps the kept connections as Go does (0 means 2, the default of a dynamic serversTransport)', async (t) => {
  const open = new Set<net.Socket>();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const backend = await startRawBackend((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    // Hold answers until all six requests are in, so six connections are open at once.
    void gate.then(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  });
  const http = {
    routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
    services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }], serversTransport: 't' } } },
    serversTransports: { 't@file': { ...DEFAULT_TRANSPORT, maxIdleConnsPerHost: 0 } },
  };
  const proxy = await startProxy(buildInput({ http }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const base = `http://127.0.0.1:${proxy.port('web')}`;
  const answers = Array.from({ length: 6 }, (_, i) => get(`${base}/${i}`));
  for (let i = 0; i < 100 && backend.connections < 6; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(backend.connections, 6);
  release();
  for (const a of await Promise.all(answers)) assert.equal(a.body, 'ok');
  for (let i = 0; i < 100 && open.size > 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(open.size, 2, 'two idle connections kept, the other four closed');
});

test('serversTransport.maxConnsPerHost bounds the connections to one server; requests beyond wait their turn', async (t) => {
  let open = 0;
  let maxOpen = 0;
  const backend = await startBackend('b', (_req, res) => setTimeout(() => res.end('ok'), 50));
  backend.server.on('connection', (s: net.Socket) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    s.on('close', () => open--);
  });
  const proxy = await startProxy(buildInput({
    defaultTransport: { ...DEFAULT_TRANSPORT, maxConnsPerHost: 2 },
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  }));
  t.after(async () => {
    await proxy.close(0);
    await backend.close();
  });
  const base = `http://127.0.0.1:${proxy.port('web')}`;
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => request(`${base}/r${i}`, { reset: true }).then((r) => r.body.text())));
  assert.deepEqual(answers, Array.from({ length: 12 }, () => 'ok'));
  assert.ok(maxOpen <= 2, `at most 2 upstream connections at once, saw ${maxOpen}`);
});
