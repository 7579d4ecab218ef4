// node makes each HTTP/2 header name and value it decodes an external string over nghttp2's memory, which V8 keeps in
// its old generation until a full collection; a proxy's small, busy heap may never ask for one. A client sending
// large header blocks over HTTP/2 then grew pe-edge's RSS by its whole header bytes (955 MB for 8,000 requests with
// 100 kB each), without end. pe-edge asks for a full collection once V8's external memory grew 128 MiB
// (proxy/http/client-read-garbage.ts). The same holds for every header block node decodes: a request's trailers,
// and an HTTP/2 backend's answer heads, interim (1xx) heads and trailers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../support/cli-process.js';
import { routeAllYaml, rssMb, startLongHeadBackend, startMeasuredEdge, webStaticYaml } from '../../support/head-memory.js';

const REQUESTS = 6000;
// Two fields of 50 kB: nghttp2 refuses a single field over 64 KiB.
const PADDING = 'p'.repeat(50_000);

/** Sends a request (with `trailers` after a small body when given) and reads its answer; its status. */
function get(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, trailers?: http2.OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { waitForTrailers: trailers !== undefined });
    stream.once('response', (head) => {
      stream.resume();
      stream.once('end', () => resolve(Number(head[':status'])));
    });
    stream.once('error', reject);
    if (trailers === undefined) {
      stream.end();
    } else {
      stream.once('wantTrailers', () => stream.sendTrailers(trailers));
      stream.end('body');
    }
  });
}

/**
 * Sends REQUESTS requests with `send` on four HTTP/2 connections to pe-edge kept open, cleartext (prior knowledge) as
 * the TLS entrypoints' h2 serve them (one front for both), each answered 200; pe-edge's RSS growth over idle, in MB.
 */
async function rssGrowthOver(t: { after: (fn: () => unknown) => void; diagnostic: (message: string) => void }, pid: number, port: number, send: (session: http2.ClientHttp2Session) => Promise<number>): Promise<number> {
  const sessions = Array.from({ length: 4 }, () => http2.connect(`http://127.0.0.1:${port}`, { maxSendHeaderBlockLength: 4 * 1024 * 1024 }));
  t.after(() => { for (const session of sessions) session.destroy(); });
  assert.equal(await send(sessions[0] as http2.ClientHttp2Session), 200);
  await new Promise((r) => setTimeout(r, 300));
  const idle = rssMb(pid);
  for (let i = 0; i < REQUESTS; i += sessions.length) {
    for (const status of await Promise.all(sessions.map(send))) assert.equal(status, 200);
  }
  await new Promise((r) => setTimeout(r, 500));
  const grown = rssMb(pid) - idle;
  t.diagnostic(`RSS over idle after ${REQUESTS} requests: ${grown.toFixed(1)} MB`);
  return grown;
}

test(`HTTP/2: ${REQUESTS} requests with 100 kB of header fields each leave RSS within 400 MB`, { timeout: 180_000 }, async (t) => {
  const backend = await startLongHeadBackend(t);
  const port = await freePort();
  const pid = await startMeasuredEdge(t, routeAllYaml(backend), webStaticYaml(port));
  const headers = { ':path': '/', 'x-pad-a': PADDING, 'x-pad-b': PADDING };
  const grown = await rssGrowthOver(t, pid, port, (session) => get(session, headers));
  assert.ok(grown < 400, `RSS grew by ${grown.toFixed(1)} MB (header fields sent: ${(REQUESTS * 0.1).toFixed(0)} MB): HTTP/2 header strings pile up until a full collection`);
});

test(`HTTP/2: ${REQUESTS} requests ending in 100 kB of trailers each leave RSS within 400 MB`, { timeout: 180_000 }, async (t) => {
  const backend = await startLongHeadBackend(t, (req, res) => { req.resume(); req.on('end', () => res.end('app')); });
  const port = await freePort();
  const pid = await startMeasuredEdge(t, routeAllYaml(backend), webStaticYaml(port));
  const trailers = { 'x-pad-a': PADDING, 'x-pad-b': PADDING };
  const grown = await rssGrowthOver(t, pid, port, (session) => get(session, { ':method': 'POST', ':path': '/' }, trailers));
  assert.ok(grown < 400, `RSS grew by ${grown.toFixed(1)} MB: HTTP/2 trailer strings pile up until a full collection`);
});

test(`HTTP/2 backend: ${REQUESTS} answers with a 50 kB interim head, head and trailers each leave RSS within 400 MB`, { timeout: 180_000 }, async (t) => {
  const backend = http2.createServer({ maxSendHeaderBlockLength: 4 * 1024 * 1024 });
  backend.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.additionalHeaders({ ':status': 103, 'x-pad': PADDING });
    stream.respond({ ':status': 200, 'x-pad': PADDING }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'x-pad': PADDING }));
    stream.end('app');
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => backend.close(() => resolve())));
  const port = await freePort();
  const pid = await startMeasuredEdge(t, [
    'http:',
    `  services: { h2: { loadBalancer: { servers: [{ url: "h2c://127.0.0.1:${(backend.address() as AddressInfo).port}" }] } } }`,
    '  routers: { h2: { rule: "PathPrefix(`/`)", entryPoints: [web], service: h2 } }',
  ].join('\n'), webStaticYaml(port));
  const grown = await rssGrowthOver(t, pid, port, (session) => get(session, { ':path': '/', te: 'trailers' }));
  assert.ok(grown < 400, `RSS grew by ${grown.toFixed(1)} MB: an HTTP/2 backend's header strings pile up until a full collection`);
});
