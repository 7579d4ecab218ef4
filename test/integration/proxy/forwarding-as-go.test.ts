// Places where pe-edge forwarded otherwise than Traefik (Go's net/http server and transports, httputil.ReverseProxy),
// each held to Go's behaviour against real servers on loopback.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildInput, proxyPortInFrontOf, startProxy } from '../../support/proxy-fixture.js';
import { CLIENT_PREFACE, dataFrame, ERR, FRAME, goaway, headersFrame, rstStream, settings, statusOf } from '../../support/h2-frames.js';
import { startRawH2Backend } from '../../support/raw-h2-backend.js';
import { rawExchange, statuses } from '../../support/raw-exchange.js';
import { startH2Backend } from '../../support/h2-backend.js';

/**
 * An HTTP/1.1 server that keeps every byte each request brought (head and chunked body) and answers `ok` once the
 * chunked body's last chunk is in, or at once for a request without `Transfer-Encoding: chunked`, with `answer`.
 */
async function recordingBackend(t: TestContext, answer = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    let bytes = '';
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.toString('latin1');
      const headEnd = bytes.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const chunked = /\r\ntransfer-encoding: chunked\r\n/i.test(bytes.slice(0, headEnd + 2));
      const end = chunked ? bytes.indexOf('\r\n0\r\n', headEnd) : headEnd;
      if (end < 0) return;
      const last = chunked ? bytes.indexOf('\r\n\r\n', end + 3) : headEnd;
      if (last < 0) return;
      requests.push(bytes.slice(0, last + 4));
      bytes = bytes.slice(last + 4);
      socket.write(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** One request over h2c to pe-edge: the answer's status, body, and how its stream ended (RST_STREAM code, 0 when whole). */
function h2Ask(t: TestContext, port: number, headers: http2.OutgoingHttpHeaders, body?: string): Promise<{ status: number; body: string; rstCode: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.destroy());
  return new Promise((resolve) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let text = '';
    stream.setEncoding('latin1');
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: string) => (text += c));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ status, body: text, rstCode: stream.rstCode ?? -1 }));
    if (body !== undefined) stream.end(body);
  });
}

test('an h2c server answering HEAD with DATA frames: the head reaches the client without a body, the connection goes on (Go\'s transport takes a HEAD answer as whole with its head)', async (t) => {
  const backend = await startRawH2Backend((request) => {
    request.write(headersFrame(request.streamId, [[':status', '200'], ['content-length', '5'], ['x-kind', 'page']], false));
    request.write(dataFrame(request.streamId, 'hello', true));
  });
  t.after(() => backend.close());
  const port = await proxyPortInFrontOf(t, backend.url);

  const exchange = await rawExchange(port, ['HEAD /page HTTP/1.1\r\nHost: a.test\r\n\r\nGET /page HTTP/1.1\r\nHost: a.test\r\n\r\n'], /\r\n\r\nhello/);
  const [head, second] = exchange.text.split(/(?=HTTP\/1\.1 )/);
  assert.match(head ?? '', /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head ?? '', /\r\ncontent-length: 5\r\n/i, 'the head says the length a GET would get');
  assert.match(head ?? '', /\r\nx-kind: page\r\n/i);
  assert.doesNotMatch(head ?? '', /hello/, 'no body after the head of a HEAD answer');
  assert.match(second ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello$/, 'the next request on the connection is answered');

  const h2 = await h2Ask(t, port, { ':method': 'HEAD', ':path': '/page' });
  assert.deepEqual(h2, { status: 200, body: '', rstCode: 0 }, 'an HTTP/2 client gets the head and a stream that ends cleanly');
});

/**
 * An h2c server that answers the first request (a HEAD) with DATA it must not send, once the `inFlight` requests after
 * it are on the same connection, and every later request with `answer <index>`. node 22's nghttp2 ends the whole
 * connection on that DATA, with the requests in flight; node 20's resets the HEAD's stream alone.
 */
async function headWithDataBackend(t: TestContext, inFlight: number): Promise<{ url: string; connections: () => number }> {
  let held: ((write: (bytes: Buffer) => void) => void) | null = null;
  const backend = await startRawH2Backend((request) => {
    if (request.index === 1) {
      held = (write) => {
        // One write: HEADERS and DATA reach node in one read, before pe-edge cancels the HEAD's stream on its head.
        write(Buffer.concat([headersFrame(request.streamId, [[':status', '200'], ['content-length', '5']], false), dataFrame(request.streamId, 'hello', true)]));
      };
      return;
    }
    // The requests in flight are answered a little later: the HEAD's DATA reaches pe-edge first.
    const answerIt = (): void => {
      const body = `answer ${request.index}`;
      request.write(headersFrame(request.streamId, [[':status', '200'], ['content-length', String(body.length)]], false));
      request.write(dataFrame(request.streamId, body, true));
    };
    if (request.index <= 1 + inFlight) {
      setTimeout(answerIt, 150);
      if (request.index === 1 + inFlight) held?.(request.write);
    } else {
      answerIt();
    }
  });
  t.after(() => backend.close());
  return { url: backend.url, connections: () => backend.connections };
}

test('an h2c server answering HEAD with DATA while other requests are in flight on its connection: a GET among them is answered, sent again on a new connection where node 22 ended the first; a POST is never sent twice', async (t) => {
  const backend = await headWithDataBackend(t, 2);
  const port = await proxyPortInFrontOf(t, backend.url);
  const head = rawExchange(port, ['HEAD /page HTTP/1.1\r\nHost: a.test\r\n\r\n'], /\r\n\r\n/);
  await new Promise((r) => setTimeout(r, 100));
  const get = rawExchange(port, ['GET /page HTTP/1.1\r\nHost: a.test\r\n\r\n'], /\r\n\r\nanswer \d+|Bad Gateway/);
  await new Promise((r) => setTimeout(r, 100));
  const post = rawExchange(port, ['POST /form HTTP/1.1\r\nHost: a.test\r\nContent-Length: 2\r\n\r\nab'], /\r\n\r\nanswer \d+|Bad Gateway/);
  const [headText, getText, postText] = (await Promise.all([head, get, post])).map((e) => e.text);
  assert.match(headText ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/, 'the HEAD gets its head and no body');
  assert.match(getText ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nanswer \d+$/, 'the GET is answered');
  if (Number(process.versions.node.split('.')[0]) < 22) {
    assert.equal(backend.connections(), 1);
    // node 20: the connection lived on, the POST was answered on it.
    assert.match(postText ?? '', /\r\n\r\nanswer 3$/);
  } else {
    assert.match(getText ?? '', /answer 4$/, 'the GET went again, on a new connection');
    assert.match(postText ?? '', /^HTTP\/1\.1 502 Bad Gateway\r\n/, 'the POST, which the server may have acted on, is not sent again');
  }
});

test('an HTTP/2 GET with a body and no content-length (DATA after HEADERS): the body goes upstream, chunked to an HTTP/1.1 server and whole to an h2c one, as Go forwards it', async (t) => {
  const h1 = await recordingBackend(t);
  const h1Port = await proxyPortInFrontOf(t, h1.url);
  assert.deepEqual(await h2Ask(t, h1Port, { ':method': 'GET', ':path': '/search' }, '{"q":"x"}'), { status: 200, body: 'ok', rstCode: 0 });
  assert.equal(h1.requests.length, 1);
  const request = h1.requests[0] as string;
  assert.match(request, /^GET \/search HTTP\/1\.1\r\n/);
  assert.match(request, /\r\ntransfer-encoding: chunked\r\n/i);
  assert.match(request, /\r\n\r\n9\r\n\{"q":"x"\}\r\n0\r\n\r\n$/, 'the body, chunked');

  const h2 = await startH2Backend();
  t.after(() => h2.close());
  const h2Port = await proxyPortInFrontOf(t, `h2c://127.0.0.1:${h2.port}`);
  const answer = await h2Ask(t, h2Port, { ':method': 'GET', ':path': '/search' }, '{"q":"x"}');
  assert.equal(answer.body, '2.0 GET /search {"q":"x"}');

  // A GET whose HEADERS end the stream still has no body (and no framing) upstream.
  assert.equal((await h2Ask(t, h1Port, { ':method': 'GET', ':path': '/plain' })).body, 'ok');
  assert.doesNotMatch(h1.requests[1] ?? '', /transfer-encoding|content-length/i);
  // One whose stream a lone empty DATA frame ends has none either: Go's transport reads a GET's first body byte
  // (for up to 200 ms) before it decides, and sends an empty one without framing.
  assert.equal((await h2Ask(t, h1Port, { ':method': 'GET', ':path': '/empty' }, '')).body, 'ok');
  assert.doesNotMatch(h1.requests[2] ?? '', /transfer-encoding|content-length/i);
  // A body whose first byte comes later than that goes chunked, whole.
  const session = http2.connect(`http://127.0.0.1:${h1Port}`);
  t.after(() => session.destroy());
  const late = session.request({ ':method': 'DELETE', ':path': '/late' }, { endStream: false });
  late.resume();
  setTimeout(() => late.end('late'), 600);
  await new Promise((resolve) => late.on('close', resolve));
  assert.match(h1.requests[3] ?? '', /^DELETE \/late HTTP\/1\.1\r\n[\s\S]*\r\ntransfer-encoding: chunked\r\n/i);
  assert.ok((h1.requests[3] ?? '').endsWith('\r\n\r\n4\r\nlate\r\n0\r\n\r\n'));
});

test('an HTTP/2 GET whose stream a lone empty DATA frame ends goes upstream without a body: a server that refuses it is failed over like any bodiless GET\'s, not answered 502', async (t) => {
  const live = await recordingBackend(t);
  const refusing = net.createServer();
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const deadPort = (refusing.address() as AddressInfo).port;
  await new Promise<void>((resolve) => refusing.close(() => resolve()));
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${deadPort}` }, { url: live.url }] } } },
    },
  }));
  t.after(() => proxy.close(0));
  // Round robin sends every other request to the refusing server first: each must fail over to the live one.
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(await h2Ask(t, proxy.port('web'), { ':method': 'GET', ':path': `/empty${i}` }, ''), { status: 200, body: 'ok', rstCode: 0 }, `request ${i}`);
  }
  assert.equal(live.requests.length, 4);
  for (const request of live.requests) assert.doesNotMatch(request, /transfer-encoding|content-length/i);
});

test('an h2c server that answers and sends GOAWAY in one packet: the request already queued on that connection goes on a new one (Go\'s transport retries a refused stream), not answered 502', async (t) => {
  // A server that ends each connection after one answer (as nginx's keepalive_requests or a draining server do).
  const backend = await startRawH2Backend((request) => {
    request.write(Buffer.concat([
      headersFrame(request.streamId, [[':status', '200'], ['content-length', '2']], false),
      dataFrame(request.streamId, 'ok', true),
      goaway(request.streamId),
    ]));
  });
  t.after(() => backend.close());
  const port = await proxyPortInFrontOf(t, backend.url);
  // Pipelined: the second request is dispatched as the first answer ends, before the GOAWAY behind it is read.
  const exchange = await rawExchange(port, ['GET /one HTTP/1.1\r\nHost: a.test\r\n\r\nGET /two HTTP/1.1\r\nHost: a.test\r\n\r\n'], /(HTTP\/1\.1 [\s\S]*){2}\r\n\r\n(ok|Bad Gateway)$/);
  assert.deepEqual(statuses(exchange.text), ['200', '200'], exchange.text);
  assert.equal(backend.connections, 2, 'the second request went on a connection of its own');
});

test('an h2c server that refuses every stream (REFUSED_STREAM): the request is sent again a few times, then answered 502', async (t) => {
  let streams = 0;
  const backend = await startRawH2Backend((request) => {
    streams++;
    request.write(rstStream(request.streamId, ERR.REFUSED_STREAM));
  });
  t.after(() => backend.close());
  const port = await proxyPortInFrontOf(t, backend.url);
  const exchange = await rawExchange(port, ['GET /x HTTP/1.1\r\nHost: a.test\r\n\r\n'], /\r\n\r\nBad Gateway$/);
  assert.deepEqual(statuses(exchange.text), ['502']);
  assert.equal(streams, 6, 'the first stream and five more');
});

/**
 * Over h2c, one write: HEADERS without END_STREAM, then an empty DATA frame that ends the stream (node reads both, and
 * ends the stream's readable side, before pe-edge serves it). The answer's status, or 0 when none came within 3 s.
 */
async function loneEmptyDataAsk(t: TestContext, port: number, method: string, path: string): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let pending = Buffer.alloc(0);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(0), 3000);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const length = pending.readUIntBE(0, 3);
        const f = { type: pending[3] ?? 0, flags: pending[4] ?? 0, streamId: pending.readUInt32BE(5) & 0x7fffffff, payload: pending.subarray(9, 9 + length) };
        pending = pending.subarray(9 + length);
        if (f.type === FRAME.HEADERS && f.streamId === 1) {
          clearTimeout(timer);
          resolve(statusOf(f) ?? -1);
        }
      }
    });
    const fields: [string, string][] = [[':method', method], [':scheme', 'http'], [':path', path], [':authority', 'a.test']];
    socket.write(Buffer.concat([CLIENT_PREFACE, settings(), headersFrame(1, fields, false), dataFrame(1, '', true)]));
  });
}

test('an HTTP/2 request whose stream a lone empty DATA frame ends, in the packet of its HEADERS, is answered (its body is empty), never left waiting for an end that came before it was served', async (t) => {
  const backend = await recordingBackend(t);
  const port = await proxyPortInFrontOf(t, backend.url);
  for (const method of ['GET', 'POST', 'DELETE']) {
    assert.equal(await loneEmptyDataAsk(t, port, method, `/${method}`), 200, method);
  }
  assert.equal(backend.requests.length, 3);
  assert.doesNotMatch(backend.requests[0] ?? '', /transfer-encoding|content-length/i, 'a GET without a body goes without framing');
});

test('a server status above 599 (Go relays any three digits): HTTP/1.1 clients get it with Go\'s reason phrase; HTTP/2 clients, which node cannot send it to, get 502 Bad Gateway instead of a reset stream', async (t) => {
  const backend = await recordingBackend(t, 'HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok');
  const port = await proxyPortInFrontOf(t, backend.url);
  const h1 = await rawExchange(port, ['GET /odd HTTP/1.1\r\nHost: a.test\r\n\r\n'], /\r\n\r\nok/);
  assert.match(h1.text, /^HTTP\/1\.1 600 status code 600\r\n[\s\S]*\r\n\r\nok$/);
  assert.deepEqual(await h2Ask(t, port, { ':path': '/odd' }), { status: 502, body: 'Bad Gateway', rstCode: 0 });
  const after = await h2Ask(t, port, { ':path': '/odd' });
  assert.equal(after.status, 502, 'and the next request is served the same way');
});

test('request trailers: the names a request announces in Trailer go upstream as Go writes them (canonical, sorted), their values never (Traefik drops them); a framing name announced is Go\'s 400', async (t) => {
  const h1 = await recordingBackend(t);
  const h1Port = await proxyPortInFrontOf(t, h1.url);
  const chunked = 'POST /upload HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nTrailer: x-sig, X-Checksum\r\n\r\n' +
    '5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Sig: s1\r\nX-Unannounced: u\r\n\r\n';
  const answered = await rawExchange(h1Port, [chunked], /\r\n\r\nok/);
  assert.match(answered.text, /^HTTP\/1\.1 200 OK\r\n/);
  const upstream = h1.requests[0] ?? '';
  assert.match(upstream, /\r\nTrailer: X-Checksum,X-Sig\r\n/, 'the announcement, as Go\'s transport writes it');
  assert.ok(upstream.endsWith('\r\n5\r\nhello\r\n0\r\n\r\n'), 'the body, and no trailer field after it');
  assert.doesNotMatch(upstream, /abc|s1|X-Unannounced/);

  // An HTTP/2 client's trailer field and trailers: the same to an HTTP/1.1 server (a framing name left out, as Go's
  // HTTP/2 server leaves it).
  const session = http2.connect(`http://127.0.0.1:${h1Port}`);
  t.after(() => session.destroy());
  const stream = session.request({ ':method': 'POST', ':path': '/grpc-like', trailer: 'x-checksum, content-length' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }));
  stream.end('hi');
  stream.resume();
  await new Promise((resolve) => stream.on('close', resolve));
  const fromH2 = h1.requests[1] ?? '';
  assert.match(fromH2, /\r\nTrailer: X-Checksum\r\n/);
  assert.ok(fromH2.endsWith('\r\n2\r\nhi\r\n0\r\n\r\n'), 'no trailer field after the body');

  // To an HTTP/2 server: the `trailer` field, no trailers.
  const h2 = await startH2Backend();
  t.after(() => h2.close());
  const h2Port = await proxyPortInFrontOf(t, `h2c://127.0.0.1:${h2.port}`);
  await rawExchange(h2Port, [chunked], /\r\n0\r\n/);
  assert.equal(h2.seen[0]?.headers.trailer, 'X-Checksum,X-Sig');
  assert.equal(h2.seen[0]?.body, 'hello');

  // A request without a chunked body announces nothing (Go keeps its Trailer among the headers, then drops it).
  await rawExchange(h1Port, ['GET /plain HTTP/1.1\r\nHost: a.test\r\nTrailer: X-Checksum\r\n\r\n'], /\r\n\r\nok/);
  assert.doesNotMatch(h1.requests[2] ?? '', /trailer/i);

  const refused = await rawExchange(h1Port, ['POST /upload HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n0\r\n\r\n'], /400 Bad Request$/);
  assert.equal(refused.text, 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
  assert.equal(h1.requests.length, 3, 'the refused request never reached the server');
});

test('an h2c server that resets its stream with CANCEL mid-body: the HTTP/1.1 client\'s answer is cut, never ended as whole (chunked) nor left open (with a length), as Go\'s transport fails the body read', async (t) => {
  const backend = await startRawH2Backend((r) => {
    const length: [string, string][] = r.index === 1 ? [['content-length', '10']] : [];
    r.write(Buffer.concat([headersFrame(r.streamId, [[':status', '200'], ...length], false), dataFrame(r.streamId, 'hello', false), rstStream(r.streamId, ERR.CANCEL)]));
  });
  t.after(() => backend.close());
  const port = await proxyPortInFrontOf(t, backend.url);
  const request = 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n';

  // What of the head and body went out before the cut depends on the turn they came in (Go's buffered writer alike).
  const withLength = await rawExchange(port, [request], /^$/, 3000);
  assert.equal(withLength.closed, true, `the connection is closed: 5 of 10 bytes will never come (${JSON.stringify(withLength.text)})`);

  const chunked = await rawExchange(port, [request], /^$/, 3000);
  assert.doesNotMatch(chunked.text, /\r\n0\r\n\r\n$/, 'no last chunk, which would say the answer is whole');
  assert.equal(chunked.closed, true, 'cut without the last chunk, which would say the answer is whole');
});

test('an h2c server\'s RST_STREAM NO_ERROR mid-body, short of its content-length (node reads it as the stream\'s end): the HTTP/1.1 client\'s connection is cut, on either front, instead of waiting for the rest on a connection kept open', async (t) => {
  const backend = await startRawH2Backend((r) => {
    r.write(Buffer.concat([headersFrame(r.streamId, [[':status', '200'], ['content-length', '10']], false), dataFrame(r.streamId, 'hello', false), rstStream(r.streamId, ERR.NO_ERROR)]));
  });
  t.after(() => backend.close());
  const port = await proxyPortInFrontOf(t, backend.url);
  // Without a body the lean front answers; with a chunked one node:http's.
  for (const request of ['GET / HTTP/1.1\r\nHost: a.test\r\n\r\n', 'POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n']) {
    const short = await rawExchange(port, [request], /^$/, 3000);
    assert.equal(short.closed, true, `closed: 5 of 10 bytes will never come (${request.split(' ')[0]}: ${JSON.stringify(short.text)})`);
  }
});
