// An HTTP/2 upstream connection node stopped. After a connection error it detects itself (a frame over the size limit,
// a header block it cannot decode), node's client session sends GOAWAY and then neither reads nor writes, tells no
// one, and keeps taking new streams that never leave: every later request to that server hung (responseHeaderTimeout
// is 0 by default), even once the server closed its side. Go closes such a connection at once.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { FRAME, FLAG, dataFrame, frame, headersFrame } from '../../support/h2-frames.js';
import { startRawH2Backend, type RawH2Request } from '../../support/raw-h2-backend.js';

interface Outcome {
  readonly status: number;
  /** How the stream ended: 'end', 'reset' (an error or a non-zero RST_STREAM code), or 'timeout'. */
  readonly ending: 'end' | 'reset' | 'timeout';
  readonly ms: number;
}

/** A GET over h2c to pe-edge; `answered` resolves once its head is in. */
function get(t: TestContext, port: number, path: string, timeoutMs: number): { answered: Promise<void>; outcome: Promise<Outcome> } {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.destroy());
  const started = Date.now();
  const stream = session.request({ ':path': path });
  let status = 0;
  const answered = new Promise<void>((resolve) => stream.once('response', (h) => {
    status = Number(h[':status']);
    resolve();
  }));
  const outcome = new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => resolve({ status, ending: 'timeout', ms: Date.now() - started }), timeoutMs);
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ status, ending: stream.rstCode === 0 ? 'end' : 'reset', ms: Date.now() - started });
    });
  });
  return { answered, outcome };
}

/** The first request gets a head and a byte, then a HEADERS frame larger than the 16 KiB frame size node allows; later ones `ok`. */
function frameTooLargeAfterHead(request: RawH2Request): void {
  if (request.index > 1) {
    request.write(headersFrame(request.streamId, [[':status', '200'], ['content-length', '2']], false));
    request.write(dataFrame(request.streamId, 'ok', true));
    return;
  }
  request.write(headersFrame(request.streamId, [[':status', '200']], false));
  request.write(dataFrame(request.streamId, 'o', false));
  setTimeout(() => {
    request.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, request.streamId, Buffer.alloc(20_000, 0x40)));
    setTimeout(() => request.end(), 100);
  }, 50);
}

test('an upstream connection node stopped after a malformed frame: the stream under way is cut, and the next request, queued on it and never sent (REFUSED_STREAM), goes on a new connection within 5 s instead of hanging, as Go\'s transport retries it', async (t) => {
  const backend = await startRawH2Backend(frameTooLargeAfterHead);
  t.after(() => backend.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  }));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');

  const first = get(t, port, '/first', 15_000);
  await first.answered;
  await new Promise((resolve) => setTimeout(resolve, 300));
  const second = await get(t, port, '/second', 15_000).outcome;
  assert.equal(second.ending, 'end', 'the request queued on the stopped connection gets an answer');
  assert.equal(second.status, 200, 'from a new connection: the stopped one never sent it');
  assert.ok(second.ms < 8_000, `answered after ${second.ms} ms`);
  assert.equal((await first.outcome).ending, 'reset', 'the answer under way is cut, not left open');

  const third = await get(t, port, '/third', 5_000).outcome;
  assert.deepEqual([third.status, third.ending], [200, 'end']);
  assert.equal(backend.connections, 2, 'the second and third requests went on one new connection');
});

/** The first request gets a HEADERS frame larger than the 16 KiB frame size node allows, before any head; later ones `ok`. */
function frameTooLargeFirst(request: RawH2Request): void {
  if (request.index > 1) {
    request.write(headersFrame(request.streamId, [[':status', '200'], ['content-length', '2']], false));
    request.write(dataFrame(request.streamId, 'ok', true));
    return;
  }
  request.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, request.streamId, Buffer.alloc(20_000, 0x40)));
}

test('a connection node stopped while one request waited on it, nothing else queued: that request is answered, and a request sent once the first check found nothing queued goes on a new connection, neither hangs (Go closes the connection at once)', async (t) => {
  const backend = await startRawH2Backend(frameTooLargeFirst);
  t.after(() => backend.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  }));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');

  const first = get(t, port, '/first', 25_000).outcome;
  // Past the session's first quiet check (5 s), which found no frame waiting to go out.
  await new Promise((resolve) => setTimeout(resolve, 6_500));
  const second = await get(t, port, '/second', 15_000).outcome;
  assert.deepEqual([second.status, second.ending], [200, 'end'], 'the later request is answered from a new connection');
  assert.ok(second.ms < 10_000, `answered after ${second.ms} ms`);
  const cut = await first;
  // node 20 fails it once the stopped session is found (502); node 24 reports the error to the stream at once, which
  // then goes on a new connection as one that got no answer.
  assert.equal(cut.ending, 'end', 'the request under way is answered, not left open');
  assert.ok(cut.status === 502 || cut.status === 200, `answered ${cut.status}`);
  assert.equal(backend.connections, 2);
});
