// An HTTP/2 answer whose upstream dies mid-body AFTER what it sent was already written out to the client (a small
// body, or a reader keeping up): pe-edge must reset the stream with INTERNAL_ERROR (Go: ReverseProxy panics with
// http.ErrAbortHandler, its HTTP/2 server answers RST_STREAM INTERNAL_ERROR), never end it with END_STREAM, which a
// client reads as a complete body. node's stream.close(code) ended the writable side before its RST_STREAM: with
// nothing left to write, END_STREAM went out first (a Content-Length answer; one without waits for trailers and was
// reset). lean-front-tls.test.ts covers the cut while DATA still waits on flow control.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { startRawBackend } from '../../support/raw-backend.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import { ERR, FLAG, FRAME, RawH2Connection, headersFrame, requestFields } from '../../support/h2-frames.js';

type After = { after: (fn: () => Promise<void> | void) => void };

/**
 * A TLS entrypoint routing a.test to a backend that sends `head` (a head and 1000 body bytes) and holds the
 * connection; `cut()` closes it, once the test saw those bytes reach its client.
 */
async function setup(t: After, head: string): Promise<{ port: number; cut: () => void }> {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  let held: Socket | null = null;
  const dying = await startRawBackend((socket) => {
    held = socket;
    socket.write(head);
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
  return { port: proxy.port('web'), cut: () => (held as Socket | null)?.destroy() };
}

const BODY = 'y'.repeat(1000);

test('HTTP/2: a chunked answer cut after its bytes went out is reset with INTERNAL_ERROR, not ended as a whole (shorter) body', async (t) => {
  const { port, cut } = await setup(t, `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n${BODY}\r\n`);
  const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'a.test', rejectUnauthorized: false });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const outcome = await new Promise<{ bytes: number; rstCode: number | undefined; ended: boolean }>((resolve) => {
    const stream = session.request({ ':path': '/', ':authority': 'a.test' });
    let bytes = 0;
    let ended = false;
    stream.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes === 1000) cut();
    });
    stream.on('end', () => (ended = true));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ bytes, rstCode: stream.rstCode, ended }));
  });
  assert.equal(outcome.bytes, 1000, 'what arrived was relayed');
  assert.equal(outcome.ended, false, `no Content-Length to check: a clean end would be a silently truncated download (${JSON.stringify(outcome)})`);
  assert.equal(outcome.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR, JSON.stringify(outcome));
});

test('HTTP/2: an answer cut short of its Content-Length gets RST_STREAM INTERNAL_ERROR on the wire, no END_STREAM', async (t) => {
  const { port, cut } = await setup(t, `HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n${BODY}`);
  const conn = await RawH2Connection.connect(port, 'a.test');
  t.after(() => conn.destroy());
  conn.write(headersFrame(1, requestFields('GET', '/', 'a.test'), true));
  const onStream = () => conn.frames.filter((f) => f.streamId === 1);
  const dataBytes = () => onStream().filter((f) => f.type === FRAME.DATA).reduce((n, f) => n + f.payload.length, 0);
  // The 1000 bytes reach the client first (held up to flushInterval, 100 ms), then the upstream dies.
  assert.ok(await conn.waitFor(() => dataBytes() === 1000, 5000), 'the 1000 bytes arrived before the cut');
  cut();
  const over = await conn.waitFor(() => onStream().some((f) => f.type === FRAME.RST_STREAM || (f.flags & FLAG.END_STREAM) !== 0), 5000);
  assert.ok(over, 'the stream ended one way or the other');
  const frames = onStream();
  const data = frames.filter((f) => f.type === FRAME.DATA);
  assert.equal(data.some((f) => (f.flags & FLAG.END_STREAM) !== 0), false, 'no END_STREAM after 1000 of 2000 bytes');
  const reset = frames.find((f) => f.type === FRAME.RST_STREAM);
  assert.equal(reset?.payload.readUInt32BE(0), ERR.INTERNAL_ERROR, JSON.stringify(frames.map((f) => [f.type, f.flags, f.payload.length])));
});
