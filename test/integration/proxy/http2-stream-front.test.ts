import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startBackend } from '../../support/backends.js';
import { accessLogLines, startTlsEdgeCli, until } from '../../support/tls-edge-cli.js';
import { FLAG, FRAME, headersFrame, RawH2Connection, requestFields, statusOf, type ReceivedFrame } from '../../support/h2-frames.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// pe-edge serves HTTP/2 streams over node's core stream API (proxy/entrypoints/http2-front/). What a client
// sees of it, frame by frame where the frames are the point, and what node's compatibility layer used to
// answer by itself (CONNECT, Expect), answered the same.

/** A TLS router for a.test in front of an HTTP/1.1 backend: `/length` answers with a Content-Length, `/trailers` chunked with a trailer. */
async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const backend = await startBackend('h1', (req, res, body) => {
    if (req.url === '/trailers') {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('chunked ');
      res.addTrailers({ 'x-checksum': 'abc123' });
      res.end('answer');
      return;
    }
    const text = req.method === 'POST' ? `got ${body}` : 'known length answer';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
  });
  t.after(() => backend.close());
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {} } },
        services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      },
      tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
    }),
  );
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), cert, backend };
}

async function rawGet(t: { after: (fn: () => void) => void }, port: number, method: string, path: string): Promise<ReceivedFrame[]> {
  const conn = await RawH2Connection.connect(port, 'a.test');
  t.after(() => conn.destroy());
  conn.write(headersFrame(1, requestFields(method, path, 'a.test'), true));
  const ended = await conn.waitFor(() => conn.frames.some((f) => f.streamId === 1 && ((f.flags & FLAG.END_STREAM) !== 0 || f.type === FRAME.RST_STREAM)), 5000);
  assert.ok(ended, `stream 1 ended (frames: ${JSON.stringify(conn.frames.map((f) => [f.type, f.flags, f.streamId, f.payload.length]))})`);
  // A frame after END_STREAM would be a protocol error; give one a moment to show up.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return conn.frames.filter((f) => f.streamId === 1);
}

test('HTTP/2: an answer of known length ends with its last DATA frame, no empty DATA frame after it', async (t) => {
  const { port } = await setup(t);
  const frames = await rawGet(t, port, 'GET', '/length');
  const kinds = frames.map((f) => (f.type === FRAME.DATA ? `DATA(${f.payload.length}${(f.flags & FLAG.END_STREAM) !== 0 ? ',end' : ''})` : f.type === FRAME.HEADERS ? `HEADERS(${statusOf(f) ?? '?'})` : `type${f.type}`));
  assert.deepEqual(kinds, ['HEADERS(200)', `DATA(${'known length answer'.length},end)`]);
});

test('HTTP/2: a HEAD answer is its HEADERS frame alone, with END_STREAM', async (t) => {
  const { port } = await setup(t);
  const frames = await rawGet(t, port, 'HEAD', '/length');
  assert.equal(frames.length, 1, 'one frame');
  const [head] = frames;
  assert.ok(head);
  assert.equal(head.type, FRAME.HEADERS);
  assert.equal(statusOf(head), 200);
  assert.ok((head.flags & FLAG.END_STREAM) !== 0, 'END_STREAM on the HEADERS frame');
});

function h2Session(t: { after: (fn: () => void) => void }, port: number, ca: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: 'a.test' });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  return new Promise((resolve, reject) => {
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

interface Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  trailers: http2.IncomingHttpHeaders | null;
  sawContinue: boolean;
}

function request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    const answer: Answer = { status: 0, headers: {}, body: '', trailers: null, sawContinue: false };
    stream.on('continue', () => {
      answer.sawContinue = true;
      if (body !== undefined) stream.end(body);
    });
    stream.on('response', (h) => {
      answer.headers = h;
      answer.status = Number(h[':status']);
    });
    stream.on('trailers', (tr) => (answer.trailers = tr));
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (answer.body += chunk));
    stream.on('end', () => resolve(answer));
    stream.on('error', reject);
  });
}

test('HTTP/2: an answer without a length still carries the upstream trailers', async (t) => {
  const { port, cert } = await setup(t);
  const session = await h2Session(t, port, cert.cert);
  const res = await request(session, { ':method': 'GET', ':path': '/trailers', ':authority': 'a.test', te: 'trailers' });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'chunked answer');
  assert.equal(res.trailers?.['x-checksum'], 'abc123');
});

test('HTTP/2: CONNECT gets 405 and an Expect other than 100-continue 417, neither reaches the backend', async (t) => {
  const { port, cert, backend } = await setup(t);
  const session = await h2Session(t, port, cert.cert);
  const connect = await request(session, { ':method': 'CONNECT', ':authority': 'a.test:443' });
  assert.equal(connect.status, 405);
  const expect = await request(session, { ':method': 'GET', ':path': '/length', ':authority': 'a.test', expect: 'something-else' });
  assert.equal(expect.status, 417);
  assert.equal(backend.seen.length, 0, 'the backend saw neither');
  // The session still serves its next stream.
  const next = await request(session, { ':method': 'GET', ':path': '/length', ':authority': 'a.test' });
  assert.equal(next.body, 'known length answer');
});

test('HTTP/2: Expect: 100-continue gets an interim 100, then the body goes through', async (t) => {
  const { port, cert, backend } = await setup(t);
  const session = await h2Session(t, port, cert.cert);
  const res = await request(session, { ':method': 'POST', ':path': '/upload', ':authority': 'a.test', expect: '100-continue', 'content-length': '5' }, 'hello');
  assert.ok(res.sawContinue, 'the client saw 100 Continue before sending its body');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'got hello');
  assert.equal(backend.seen[0]?.body, 'hello');
});

test('HTTP/2 access log: every stream of a session has its client address and TLS facts, a stream whose client left too', async (t) => {
  let release: (() => void) | null = null;
  const backend = await startBackend('h1', (req, res) => {
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    if (req.url === '/slow') release = answer;
    else answer();
  });
  t.after(() => backend.close());
  const { web, log, cert } = await startTlsEdgeCli(t, backend.url);

  const session = await h2Session(t, web, cert.cert);
  const local = session.socket.localPort;
  for (const path of ['/one', '/two']) assert.equal((await request(session, { ':method': 'GET', ':path': path, ':authority': 'a.test' })).body, 'ok');
  // The third stream's client goes away while its answer is pending; its line is written after the session closed.
  const slow = session.request({ ':method': 'GET', ':path': '/slow', ':authority': 'a.test' });
  slow.on('error', () => undefined);
  await until(() => release !== null);
  session.destroy();
  const lines = await accessLogLines(log, 3);
  for (const line of lines) {
    assert.equal(line.ClientAddr, `127.0.0.1:${local}`, `${String(line.RequestPath)}: the client's address and port`);
    assert.equal(line.RequestProtocol, 'HTTP/2.0');
    assert.equal(line.TLSVersion, '1.3', `${String(line.RequestPath)}: TLS version`);
    assert.match(String(line.TLSCipher), /^TLS_/, `${String(line.RequestPath)}: TLS cipher`);
  }
  assert.deepEqual(lines.map((l) => l.RequestPath).sort(), ['/one', '/slow', '/two']);
  (release as (() => void) | null)?.();
});
