import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { sleep } from './child.js';

// Review finding: when an HTTP/2 client resets a stream (or drops the session) while pe-edge waits for the
// upstream, the upstream request is never aborted. node's Http2ServerResponse reports writableFinished ===
// true for a reset stream, so the forwarder's onClientClose (`!res.writableFinished && ...`) takes the
// reset for a finished answer. The upstream connection stays open until the backend answers: forever for
// one that does not (responseHeaderTimeout defaults to 0). RST_STREAM frees the stream slot, so one client
// connection can pin any number of upstream sockets (HTTP/1.1 clients that close are handled).

async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const open = new Set<net.Socket>();
  const backend = net.createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket)).on('error', () => undefined);
    // Reads the request (and so sees the proxy close its side), never answers.
    socket.resume();
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { for (const s of open) s.destroy(); backend.close(() => resolve()); }));
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', tls: {} } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` }] } } },
    },
  }));
  t.after(() => proxy.close(0));
  const session = http2.connect(`https://127.0.0.1:${proxy.port('web')}`, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  return { open, session };
}

test('RST_STREAM(CANCEL) while waiting for the upstream closes the upstream connection', async (t) => {
  const { open, session } = await setup(t);
  const streams = [];
  for (let i = 0; i < 20; i++) {
    const stream = session.request({ ':method': 'GET', ':path': `/slow/${i}`, ':authority': 'a.test' });
    stream.on('error', () => undefined);
    streams.push(stream);
  }
  for (let i = 0; i < 50 && open.size < 20; i++) await sleep(20);
  assert.equal(open.size, 20, 'each stream has its upstream connection');
  for (const stream of streams) stream.close(http2.constants.NGHTTP2_CANCEL);
  for (let i = 0; i < 100 && open.size > 0; i++) await sleep(20);
  assert.equal(open.size, 0, `${open.size} upstream connections still open 2 s after their 20 streams were reset`);
});

test('a dropped HTTP/2 connection closes the upstream connections of its streams', async (t) => {
  const { open, session } = await setup(t);
  for (let i = 0; i < 5; i++) session.request({ ':method': 'GET', ':path': `/slow/${i}`, ':authority': 'a.test' }).on('error', () => undefined);
  for (let i = 0; i < 50 && open.size < 5; i++) await sleep(20);
  assert.equal(open.size, 5);
  session.destroy();
  for (let i = 0; i < 100 && open.size > 0; i++) await sleep(20);
  assert.equal(open.size, 0, `${open.size} upstream connections still open 2 s after the client connection went away`);
});
