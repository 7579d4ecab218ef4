import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ERR, FRAME, headersFrame, RawH2Connection, requestFields, rstStream, statusOf } from '../../support/h2-frames.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { buildInput, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// What an HTTP/2 request becomes on its way to an HTTP/1.1 upstream, held to what Traefik (Go's HTTP/2 server and
// transport) sends.
//
// Browsers send their cookies over HTTP/2 as one field each ("crumbs", RFC 9113 §8.2.3, for HPACK's sake). Go's
// HTTP/2 server joins them into one `Cookie: a=1; b=2` before any handler sees the request, so Traefik forwards
// one Cookie line to an HTTP/1.1 backend (and to a forwardAuth server). Several Cookie lines are what RFC 6265 §5.4
// forbids a client to send: servers that read one (the first) or join them with commas lose the session.

/** The Cookie lines of a request head, as the upstream received them. */
const cookieLines = (head: string): string[] => head.split('\r\n').filter((l) => /^cookie:/i.test(l)).map((l) => l.slice(l.indexOf(':') + 1).trim());

/** pe-edge serving a.test over TLS (HTTP/2 offered), one router to the backend at `url`; stopped after the test. */
async function tlsProxyTo(t: TestContext, url: string): Promise<{ port: number; ca: string }> {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {} } },
      services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }));
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), ca: cert.cert };
}

test('HTTP/2 cookie crumbs reach an HTTP/1.1 backend and a forwardAuth server as one Cookie line, joined with "; " as Go joins them', async (t) => {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  t.after(() => backend.close());
  const auth = await startRawBackend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  t.after(() => auth.close());
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test', 'fa.test']);
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {} },
        'fa@file': { rule: 'Host(`fa.test`)', service: 's', tls: {}, middlewares: ['fa'] },
      },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: fileMiddlewares({ fa: { forwardAuth: { address: auth.url } } }),
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }));
  t.after(() => proxy.close(0));
  const session = http2.connect(`https://127.0.0.1:${proxy.port('web')}`, { ca: cert.cert, servername: 'a.test' });
  t.after(() => session.destroy());
  const ask = (authority: string): Promise<number> => new Promise((resolve, reject) => {
    // An array is sent as one field per value: the crumbs a browser sends.
    const stream = session.request({ ':path': '/', ':authority': authority, cookie: ['session=abc', 'theme=dark', 'lang=en'], 'x-other': 'v' });
    stream.on('response', (h) => resolve(Number(h[':status'])));
    stream.on('error', reject);
    stream.resume();
    stream.end();
  });

  assert.equal(await ask('a.test'), 200);
  assert.equal(backend.heads.length, 1);
  assert.deepEqual(cookieLines(backend.heads[0] as string), ['session=abc; theme=dark; lang=en']);
  assert.match(backend.heads[0] as string, /\r\nx-other: v\r\n/i, 'the other fields are forwarded as they came');

  assert.equal(await ask('fa.test'), 200);
  assert.equal(auth.heads.length, 1);
  assert.deepEqual(cookieLines(auth.heads[0] as string), ['session=abc; theme=dark; lang=en'], 'the auth server sees the cookies as Go\'s copy of req.Header holds them');
  assert.deepEqual(cookieLines(backend.heads[1] as string), ['session=abc; theme=dark; lang=en']);
});

test('an HTTP/2 request whose stream ends with its HEADERS has no body upstream: POST says Content-Length: 0, DELETE and OPTIONS no framing, as Go sends them', async (t) => {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  t.after(() => backend.close());
  const proxy = await tlsProxyTo(t, backend.url);
  const session = http2.connect(`https://127.0.0.1:${proxy.port}`, { ca: proxy.ca, servername: 'a.test' });
  t.after(() => session.destroy());
  const ask = (method: string, body: string | null): Promise<string> => new Promise((resolve, reject) => {
    // endStream: END_STREAM rides on the HEADERS frame, as browsers send a bodiless DELETE or OPTIONS.
    const stream = session.request({ ':method': method, ':path': `/${method}`, ':authority': 'a.test' }, { endStream: body === null });
    let text = '';
    stream.setEncoding('latin1');
    stream.on('data', (c: string) => (text += c));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
    if (body !== null) stream.end(body);
  });
  const framing = (head: string): string[] => head.split('\r\n').filter((l) => /^(content-length|transfer-encoding):/i.test(l)).map((l) => l.toLowerCase());
  const headOf = (method: string): string => backend.heads.find((h) => h.startsWith(`${method} /${method} `)) ?? '';

  for (const method of ['POST', 'DELETE', 'OPTIONS']) assert.equal(await ask(method, null), 'ok');
  assert.deepEqual(framing(headOf('POST')), ['content-length: 0']);
  assert.deepEqual(framing(headOf('DELETE')), []);
  assert.deepEqual(framing(headOf('OPTIONS')), []);
  // A body of unknown length still goes chunked, its bytes whole.
  assert.equal(await ask('PUT', 'hello'), 'ok');
  assert.deepEqual(framing(headOf('PUT')), ['transfer-encoding: chunked']);
});

test('streams a client resets in the packet that opened them dial no upstream connection (rapid reset is no connection flood on the backend)', async (t) => {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const backend = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
    // Holds every answer a while: the first stream's connection is busy while the others arrive.
    socket.once('data', () => setTimeout(() => socket.writable && socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), 300));
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    backend.close(() => resolve());
  }));
  const proxy = await tlsProxyTo(t, `http://127.0.0.1:${(backend.address() as AddressInfo).port}`);
  const conn = await RawH2Connection.connect(proxy.port, 'a.test');
  t.after(() => conn.destroy());
  // Stream 1 is a real request; streams 3..101 are opened and reset in the same write, as a rapid-reset attack does.
  const frames = [headersFrame(1, requestFields('GET', '/real', 'a.test'), true)];
  for (let id = 3; id <= 101; id += 2) frames.push(headersFrame(id, requestFields('GET', `/reset-${id}`, 'a.test'), true), rstStream(id));
  conn.write(Buffer.concat(frames));
  const answer = await conn.answerOn(1, 5000);
  assert.equal(answer === undefined ? undefined : statusOf(answer), 200, 'the real request is answered');
  assert.equal(connections, 1, 'only the real request dialed the backend');
});

test('malformed HTTP/2 request fields: an upper-case name or a connection-specific field resets the stream with PROTOCOL_ERROR, as Go; a name or value with bytes HTTP forbids never reaches the backend (node drops the field; Go resets)', async (t) => {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  t.after(() => backend.close());
  const proxy = await tlsProxyTo(t, backend.url);
  const conn = await RawH2Connection.connect(proxy.port, 'a.test');
  t.after(() => conn.destroy());
  const ask = async (id: number, field: [string, string]): Promise<string> => {
    conn.write(headersFrame(id, requestFields('GET', `/${id}`, 'a.test', [field]), true));
    const answer = await conn.answerOn(id, 5000);
    if (answer === undefined) return 'nothing';
    return answer.type === FRAME.RST_STREAM ? `reset ${answer.payload.readUInt32BE(0)}` : `status ${String(statusOf(answer))}`;
  };
  const reset = `reset ${ERR.PROTOCOL_ERROR}`;
  let id = 1;
  for (const field of [['X-Upper', 'v'], ['connection', 'close'], ['keep-alive', '5'], ['proxy-connection', 'x'], ['transfer-encoding', 'chunked'], ['upgrade', 'x'], ['te', 'gzip']] as [string, string][]) {
    assert.equal(await ask(id, field), reset, `${field[0]}: ${field[1]}`);
    id += 2;
  }
  assert.equal(backend.heads.length, 0, 'no reset request reached the backend');
  const dropped: [string, string][] = [['x-sp ace', 'v'], ['x-ctl', 'a\x01b'], ['x-nul', 'a\x00b'], ['x-lf', 'a\nb'], ['x-lead', ' v']];
  for (const field of dropped) {
    assert.equal(await ask(id, field), 'status 200', `${JSON.stringify(field)} is served without the field`);
    id += 2;
  }
  assert.equal(backend.heads.length, dropped.length);
  for (const head of backend.heads) assert.doesNotMatch(head, /^x-(sp|ctl|nul|lf|lead)/im);
  assert.equal(await ask(id, ['x-fine', 'caf\xe9']), 'status 200', 'obs-text in a value is a value');
  assert.match(backend.heads.at(-1) ?? '', /\r\nx-fine: caf\xe9\r\n/);
});
