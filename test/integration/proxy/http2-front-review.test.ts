import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { createHash, randomBytes } from 'node:crypto';
import { accessLogLines, startTlsEdgeCli, until } from '../../support/tls-edge-cli.js';
import type { AddressInfo } from 'node:net';
import { startBackend } from '../../support/backends.js';
import { entryPointOptions, buildInput, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import { startRawH2Backend } from '../../support/raw-h2-backend.js';
import { dataFrame, ERR, FLAG, frame, FRAME, goaway, headerBlock, headersFrame, RawH2Connection, requestFields, rstStream, settings, windowUpdate } from '../../support/h2-frames.js';

// Attacks on the HTTP/2 stream front (proxy/entrypoints/http2-front/): what a client noticed differently from
// node's compatibility layer, each with a real pe-edge on loopback.

type After = { after: (fn: () => Promise<void> | void) => void };

async function tlsProxy(t: After, serverUrl: string, extra: Parameters<typeof entryPointOptions>[2] = {}) {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {} } },
        services: { 's@file': { loadBalancer: { servers: [{ url: serverUrl }] } } },
      },
      tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
    }),
    [entryPointOptions('web', '127.0.0.1:0', extra)],
  );
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), cert };
}

function session(t: After, port: number, ca: string): Promise<http2.ClientHttp2Session> {
  const s = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: 'a.test' });
  s.on('error', () => undefined);
  t.after(() => s.destroy());
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

interface Answer { status: number; body: string; trailers: http2.IncomingHttpHeaders | null; rst: number | undefined }

function get(s: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<Answer> {
  return new Promise((resolve) => {
    const stream = s.request(headers, { endStream: body === undefined });
    if (body !== undefined) stream.end(body);
    const a: Answer = { status: 0, body: '', trailers: null, rst: undefined };
    stream.on('response', (h) => (a.status = Number(h[':status'])));
    stream.on('trailers', (tr) => (a.trailers = tr));
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (a.body += c));
    stream.on('error', () => undefined);
    stream.on('close', () => {
      a.rst = stream.rstCode;
      resolve(a);
    });
  });
}

test('HTTP/2 and h2c: a GET whose answer takes longer than readTimeout is answered, not reset (the request was whole at once)', async (t) => {
  const backend = await startBackend('slow', (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('late but whole');
    }, 1500);
  });
  t.after(() => backend.close());
  const { port, cert } = await tlsProxy(t, backend.url, { readTimeout: 500 });
  const a = await get(await session(t, port, cert.cert), { ':method': 'GET', ':path': '/', ':authority': 'a.test' });
  assert.equal(a.status, 200, `h2: answered (rst ${String(a.rst)})`);
  assert.equal(a.body, 'late but whole');

  const plain = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: 500 })]);
  t.after(() => plain.close(0));
  const h2c = http2.connect(`http://127.0.0.1:${plain.port('web')}`);
  h2c.on('error', () => undefined);
  t.after(() => h2c.destroy());
  const b = await get(h2c, { ':method': 'GET', ':path': '/', ':authority': 'a.test' });
  assert.equal(b.status, 200, `h2c: answered (rst ${String(b.rst)})`);
  assert.equal(b.body, 'late but whole');
});

test('HTTP/2: an upstream answer with a Content-Length and trailers keeps its trailers for a client that sent TE: trailers', async (t) => {
  const up = http2.createServer();
  up.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'content-length': '5' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-sum': '5' }));
    stream.end('hello');
  });
  await new Promise<void>((resolve) => up.listen(0, '127.0.0.1', resolve));
  const upSessions: http2.ServerHttp2Session[] = [];
  up.on('session', (us: http2.ServerHttp2Session) => upSessions.push(us));
  t.after(() => new Promise<void>((resolve) => {
    up.close(() => resolve());
    for (const us of upSessions) us.destroy();
  }));
  const { port, cert } = await tlsProxy(t, `h2c://127.0.0.1:${(up.address() as AddressInfo).port}`);
  const s = await session(t, port, cert.cert);
  const a = await get(s, { ':method': 'POST', ':path': '/svc/Method', ':authority': 'a.test', te: 'trailers', 'content-type': 'application/grpc' }, 'x');
  assert.equal(a.status, 200);
  assert.equal(a.body, 'hello');
  assert.equal(a.trailers?.['grpc-status'], '0', `trailers: ${JSON.stringify(a.trailers)}`);
});

test('HTTP/2 inFlightReq: the slot of a stream is freed whatever way its client leaves', async (t) => {
  const held: (() => void)[] = [];
  const big = Buffer.alloc(1 << 20, 0x61);
  const backend = await startBackend('hold', (req, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-length': big.length });
      res.end(big);
      return;
    }
    if (req.url === '/hold' || req.url === '/upload') held.push(() => res.end('late'));
    else res.end('ok');
  });
  t.after(() => backend.close());
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {}, middlewares: ['lim'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: { 'lim@file': { inFlightReq: { amount: 1 } } },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  const freeSlot = async (what: string): Promise<void> => {
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      const s = await session(t, port, cert.cert);
      status = (await get(s, { ':method': 'GET', ':path': '/', ':authority': 'a.test' })).status;
      s.destroy();
      if (status !== 200) await new Promise((r) => setTimeout(r, 30));
    }
    assert.equal(status, 200, `${what}: the slot is free again`);
  };
  const scenarios: [string, (conn: RawH2Connection) => Promise<void>][] = [
    ['RST_STREAM while the answer is pending', async (conn) => {
      conn.write(headersFrame(1, requestFields('GET', '/hold', 'a.test'), true));
      await until(() => held.length > 0);
      conn.write(rstStream(1));
    }],
    ['RST_STREAM mid request body', async (conn) => {
      conn.write(Buffer.concat([headersFrame(1, requestFields('POST', '/upload', 'a.test'), false), dataFrame(1, 'part', false)]));
      await new Promise((r) => setTimeout(r, 200));
      conn.write(rstStream(1));
    }],
    ['RST_STREAM while the answer waits for window', async (conn) => {
      conn.write(settings([[0x4, 0]]));
      conn.write(headersFrame(1, requestFields('GET', '/big', 'a.test'), true));
      await conn.answerOn(1, 3000);
      await new Promise((r) => setTimeout(r, 100));
      conn.write(rstStream(1));
    }],
    ['connection closed with the answer pending', async (conn) => {
      conn.write(headersFrame(1, requestFields('GET', '/hold', 'a.test'), true));
      await until(() => held.length > 0);
      conn.destroy();
    }],
    ['GOAWAY then close with the answer stalled on window', async (conn) => {
      conn.write(settings([[0x4, 0]]));
      conn.write(headersFrame(1, requestFields('GET', '/big', 'a.test'), true));
      await conn.answerOn(1, 3000);
      conn.write(windowUpdate(1, 100));
      conn.write(goaway(1));
      await new Promise((r) => setTimeout(r, 100));
      conn.destroy();
    }],
  ];
  for (const [what, leave] of scenarios) {
    const conn = await RawH2Connection.connect(port, 'a.test');
    t.after(() => conn.destroy());
    held.length = 0;
    await leave(conn);
    await freeSlot(what);
    for (const h of held.splice(0)) h();
  }
});


test('pe-edge --workers=2: HTTP/2 (TLS) and h2c streams are served by both workers, with an access log line each', async (t) => {
  const backend = await startBackend('ok', (req, res) => res.end(`ok ${String(req.url)}`));
  t.after(() => backend.close());
  const { web, log, cert } = await startTlsEdgeCli(t, backend.url, { workers: 2, plainRouter: true });
  const sessions = 8;
  for (let i = 0; i < sessions; i++) {
    const s = i % 2 === 0 ? await session(t, web, cert.cert) : http2.connect(`http://127.0.0.1:${web}`);
    s.on('error', () => undefined);
    for (const path of [`/s${i}a`, `/s${i}b`]) {
      const a = await get(s, { ':method': 'GET', ':path': path, ':authority': 'a.test' });
      assert.equal(a.body, `ok ${path}`);
    }
    s.destroy();
  }
  const lines = await accessLogLines(log, 2 * sessions, 10_000);
  assert.equal(lines.length, 2 * sessions, 'one line per stream, none twice');
  assert.ok(lines.every((l) => l.RequestProtocol === 'HTTP/2.0' && l.DownstreamStatus === 200));
  assert.equal(lines.filter((l) => l.TLSVersion === '1.3').length, sessions, 'the TLS streams have their TLS version');
});

test('HTTP/2: hostile upstream heads (204/304 with a body, a body to HEAD, trailers after a length, a reset mid-body) reach the client as well-formed streams', async (t) => {
  type Scenario = { what: string; method: string; te?: boolean; frames: (id: number) => Buffer[]; check: (a: Answer) => void };
  const scenarios: Scenario[] = [
    { what: '204 with DATA', method: 'GET', frames: (id) => [headersFrame(id, [[':status', '204']], false), dataFrame(id, 'junk', true)],
      check: (a) => { assert.equal(a.status, 204); assert.equal(a.body, ''); assert.equal(a.rst, 0); } },
    { what: '304 with DATA', method: 'GET', frames: (id) => [headersFrame(id, [[':status', '304'], ['etag', '"x"']], false), dataFrame(id, 'junk', true)],
      check: (a) => { assert.equal(a.status, 304); assert.equal(a.body, ''); assert.equal(a.rst, 0); } },
    { what: 'HEAD answered with a body', method: 'HEAD', frames: (id) => [headersFrame(id, [[':status', '200'], ['content-length', '5']], false), dataFrame(id, 'hello', true)],
      check: (a) => { assert.equal(a.status, 200); assert.equal(a.body, ''); assert.equal(a.rst, 0); } },
    { what: 'trailers after a length, no TE', method: 'GET', frames: (id) => [headersFrame(id, [[':status', '200'], ['content-length', '5']], false), dataFrame(id, 'hello', false), headersFrame(id, [['x-sum', '5']], true)],
      check: (a) => { assert.equal(a.status, 200); assert.equal(a.body, 'hello'); assert.equal(a.rst, 0); } },
    { what: 'trailers after a length, TE: trailers', method: 'GET', te: true, frames: (id) => [headersFrame(id, [[':status', '200'], ['content-length', '5']], false), dataFrame(id, 'hello', false), headersFrame(id, [['x-sum', '5']], true)],
      check: (a) => { assert.equal(a.body, 'hello'); assert.equal(a.trailers?.['x-sum'], '5'); assert.equal(a.rst, 0); } },
    { what: 'reset mid-body with a length', method: 'GET', frames: (id) => [headersFrame(id, [[':status', '200'], ['content-length', '10']], false), dataFrame(id, 'hello', false), rstStream(id, 2)],
      check: (a) => { assert.equal(a.status, 200); assert.notEqual(a.rst, 0, 'the cut answer is not read as complete'); } },
    { what: 'reset mid-body without a length', method: 'GET', frames: (id) => [headersFrame(id, [[':status', '200']], false), dataFrame(id, 'hello', false), rstStream(id, 2)],
      check: (a) => { assert.equal(a.status, 200); assert.notEqual(a.rst, 0, 'the cut answer is not read as complete'); } },
  ];
  const up = await startRawH2Backend((r) => {
    const s = scenarios[r.index - 1];
    if (s !== undefined) r.write(Buffer.concat(s.frames(r.streamId)));
  });
  t.after(() => up.close());
  const { port, cert } = await tlsProxy(t, up.url);
  const s = await session(t, port, cert.cert);
  for (const sc of scenarios) {
    const a = await get(s, { ':method': sc.method, ':path': '/', ':authority': 'a.test', ...(sc.te === true ? { te: 'trailers' } : {}) });
    try {
      sc.check(a);
    } catch (err) {
      assert.fail(`${sc.what}: ${(err as Error).message} (${JSON.stringify(a)})`);
    }
  }
  // The session is still good for the next stream.
  assert.equal(s.destroyed, false);
});

test('HTTP/2: writeTimeout cuts an answer stalled on a client that opens no window, with RST_STREAM INTERNAL_ERROR', async (t) => {
  const big = Buffer.alloc(256 * 1024, 0x61);
  const backend = await startBackend('big', (_req, res) => {
    res.writeHead(200, { 'content-length': big.length });
    res.end(big);
  });
  t.after(() => backend.close());
  const { port } = await tlsProxy(t, backend.url, { writeTimeout: 700 });
  const conn = await RawH2Connection.connect(port, 'a.test');
  t.after(() => conn.destroy());
  conn.write(settings([[0x4, 0]]));
  conn.write(headersFrame(1, requestFields('GET', '/', 'a.test'), true));
  const rst = await conn.waitFor(() => conn.frames.some((f) => f.streamId === 1 && f.type === FRAME.RST_STREAM), 8000);
  assert.ok(rst, `stream 1 reset (frames: ${JSON.stringify(conn.frames.map((f) => [f.type, f.streamId]))})`);
  const reset = conn.frames.find((f) => f.streamId === 1 && f.type === FRAME.RST_STREAM);
  assert.equal(reset?.payload.readUInt32BE(0), ERR.INTERNAL_ERROR);
  assert.equal(conn.closed, false, 'the connection stays open for its other streams');
});

test('HTTP/2 mirroring and failover: a body whose client reset its stream mid-upload is not sent on as whole', async (t) => {
  const main = await startBackend('main');
  const mirror = await startBackend('mirror');
  const fallback = await startBackend('fallback');
  t.after(() => Promise.all([main.close(), mirror.close(), fallback.close()]).then(() => undefined));
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const lb = (url: string) => ({ loadBalancer: { servers: [{ url }] } });
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'm@file': { rule: 'Host(`a.test`) && Path(`/mirrored`)', service: 'mirrored', tls: {} },
        'f@file': { rule: 'Host(`a.test`) && Path(`/failover`)', service: 'failing', tls: {} },
      },
      services: {
        'mirrored@file': { mirroring: { service: 'main', mirrors: [{ name: 'mirror', percent: 100 }] } },
        'failing@file': { failover: { service: 'main', fallback: 'fallback' } },
        'main@file': lb(main.url),
        'mirror@file': lb(mirror.url),
        'fallback@file': lb(fallback.url),
      },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }));
  t.after(() => proxy.close(0));
  for (const path of ['/mirrored', '/failover']) {
    const conn = await RawH2Connection.connect(proxy.port('web'), 'a.test');
    t.after(() => conn.destroy());
    conn.write(Buffer.concat([headersFrame(1, requestFields('POST', path, 'a.test'), false), dataFrame(1, 'first part of a longer body', false)]));
    await new Promise((r) => setTimeout(r, 300));
    conn.write(rstStream(1));
    await new Promise((r) => setTimeout(r, 700));
  }
  const seen = [...main.seen, ...mirror.seen, ...fallback.seen].map((s) => `${s.url} ${JSON.stringify(s.body)}`);
  assert.deepEqual(seen, [], 'no backend got the cut body as a whole request');
});

test('HTTP/2: hostile client frame sequences end streams or connections, never the process', async (t) => {
  const backend = await startBackend('any', (req, res) => {
    if (req.url === '/slow') setTimeout(() => res.end('slow'), 200);
    else res.end(`ok ${String(req.url)}`);
  });
  t.after(() => backend.close());
  const { port, cert } = await tlsProxy(t, backend.url, { readTimeout: 1000, writeTimeout: 1000 });
  const get1 = (m = 'GET', p = '/', extra: [string, string][] = []): [string, string][] => requestFields(m, p, 'a.test', extra);
  const sequences: [string, Buffer[]][] = [
    ['DATA after END_STREAM', [headersFrame(1, get1(), true), dataFrame(1, 'late', true)]],
    ['RST then DATA', [headersFrame(1, get1('POST'), false), rstStream(1), dataFrame(1, 'late', true)]],
    ['no :path', [headersFrame(1, [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a.test']], true)]],
    ['upper-case field name', [headersFrame(1, get1('GET', '/', [['X-Upper', 'v']]), true)]],
    ['connection-specific field', [headersFrame(1, get1('GET', '/', [['connection', 'close']]), true)]],
    ['content-length shorter than the body', [headersFrame(1, get1('POST', '/', [['content-length', '2']]), false), dataFrame(1, 'much longer', true)]],
    ['content-length longer than the body', [headersFrame(1, get1('POST', '/', [['content-length', '20']]), false), dataFrame(1, 'short', true)]],
    ['request trailers', [headersFrame(1, get1('POST'), false), dataFrame(1, 'body', false), headersFrame(1, [['x-trailer', 'v']], true)]],
    ['request trailers with a pseudo-header', [headersFrame(1, get1('POST'), false), dataFrame(1, 'body', false), headersFrame(1, [[':path', '/x']], true)]],
    ['DATA beyond the window', [headersFrame(1, get1('POST'), false), ...Array.from({ length: 6 }, () => dataFrame(1, Buffer.alloc(16384), false))]],
    ['WINDOW_UPDATE overflow on a stream being answered', [headersFrame(1, get1('GET', '/slow'), true), windowUpdate(1, 0x7fffffff), windowUpdate(1, 0x7fffffff)]],
    ['WINDOW_UPDATE of 0', [headersFrame(1, get1('GET', '/slow'), true), windowUpdate(1, 0)]],
    ['RST_STREAM on an idle stream', [rstStream(99)]],
    ['HEAD reset while answered', [headersFrame(1, get1('HEAD', '/slow'), true), rstStream(1)]],
    ['Expect 100-continue then reset', [headersFrame(1, get1('POST', '/slow', [['expect', '100-continue']]), false), rstStream(1)]],
    ['CONNECT then data', [headersFrame(1, [[':method', 'CONNECT'], [':authority', 'a.test:443']], false), dataFrame(1, 'tunnel', false)]],
    ['GOAWAY with streams in flight', [headersFrame(1, get1('GET', '/slow'), true), headersFrame(3, get1('POST', '/slow'), false), goaway(0)]],
    ['many streams then close', Array.from({ length: 50 }, (_, i) => headersFrame(2 * i + 1, get1('GET', '/slow'), true))],
    ['PRIORITY on itself', [frame(FRAME.PRIORITY, 0, 1, Buffer.from([0, 0, 0, 1, 16])), headersFrame(1, get1(), true)]],
    ['a header block over maxHeaderBytes', [headersFrame(1, get1('GET', '/', [['x-big', 'v'.repeat(70_000)]]), true)]],
    ['CONTINUATION flood', [
      frame(FRAME.HEADERS, FLAG.END_STREAM, 1, headerBlock(get1())),
      ...Array.from({ length: 5000 }, (_, i) => frame(FRAME.CONTINUATION, 0, 1, headerBlock([[`x-h${i}`, 'flood']]))),
    ]],
  ];
  for (const [what, frames] of sequences) {
    const conn = await RawH2Connection.connect(port, 'a.test');
    t.after(() => conn.destroy());
    conn.write(Buffer.concat(frames));
    await conn.waitFor(() => false, 300);
    conn.destroy();
    const s = await session(t, port, cert.cert);
    const a = await get(s, { ':method': 'GET', ':path': '/after', ':authority': 'a.test' });
    assert.equal(a.body, 'ok /after', `after "${what}" the edge still answers`);
    s.destroy();
  }
});

test('HTTP/2: large request bodies reach a slow-reading backend byte for byte, straight, buffered and mirrored', async (t) => {
  const slow = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    let since = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      length += c.length;
      since += c.length;
      if (since > 256 * 1024) {
        since = 0;
        req.pause();
        setTimeout(() => req.resume(), 5);
      }
    });
    req.on('end', () => res.end(`${length} ${hash.digest('hex')}`));
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    slow.closeAllConnections();
    slow.close(() => resolve());
  }));
  const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const lb = { loadBalancer: { servers: [{ url }] } };
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'straight@file': { rule: 'Host(`a.test`) && Path(`/straight`)', service: 'slow', tls: {} },
        'buffered@file': { rule: 'Host(`a.test`) && Path(`/buffered`)', service: 'slow', tls: {}, middlewares: ['buf'] },
        'mirrored@file': { rule: 'Host(`a.test`) && Path(`/mirrored`)', service: 'mirrored', tls: {} },
      },
      services: {
        'slow@file': lb,
        'copy@file': lb,
        'mirrored@file': { mirroring: { service: 'slow', mirrors: [{ name: 'copy', percent: 100 }] } },
      },
      middlewares: { 'buf@file': { buffering: { maxRequestBodyBytes: 64 * 1024 * 1024, memRequestBodyBytes: 1024 * 1024 } } },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }));
  t.after(() => proxy.close(0));
  const body = randomBytes(3 * 1024 * 1024 + 7);
  const expected = `${body.length} ${createHash('sha256').update(body).digest('hex')}`;
  const s = await session(t, proxy.port('web'), cert.cert);
  for (const path of ['/straight', '/buffered', '/mirrored']) {
    for (const withLength of [true, false]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const stream = s.request({ ':method': 'POST', ':path': path, ':authority': 'a.test', ...(withLength ? { 'content-length': String(body.length) } : {}) });
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (text += c));
        stream.on('end', () => resolve(text));
        stream.on('error', reject);
        // Written in uneven pieces, some while the proxy is still reading the last ones.
        let at = 0;
        const pump = (): void => {
          while (at < body.length) {
            const next = Math.min(body.length, at + 1000 + (at % 70_000));
            const more = stream.write(body.subarray(at, next));
            at = next;
            if (!more) return void stream.once('drain', pump);
          }
          stream.end();
        };
        pump();
      });
      assert.equal(answer, expected, `${path} ${withLength ? 'with' : 'without'} a Content-Length`);
    }
  }
});
