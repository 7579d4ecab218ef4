// node makes each HTTP/2 header name and value it decodes an external string over nghttp2's memory, which V8 keeps in
// its old generation until a full collection; a proxy's small, busy heap may never ask for one. A client sending
// large header blocks over HTTP/2 then grew pe-edge's RSS by its whole header bytes (955 MB for 8,000 requests with
// 100 kB each), without end. pe-edge asks for a full collection when V8's external memory passes 64 MiB
// (proxy/http/client-read-garbage.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { freePort } from '../../support/cli-process.js';
import { routeAllYaml, rssMb, startLongHeadBackend, startMeasuredEdge, webStaticYaml } from '../../support/head-memory.js';

const REQUESTS = 6000;
// Two fields of 50 kB: nghttp2 refuses a single field over 64 KiB.
const PADDING = 'p'.repeat(50_000);

function get(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    stream.once('response', (head) => {
      stream.resume();
      stream.once('end', () => resolve(Number(head[':status'])));
    });
    stream.once('error', reject);
    stream.end();
  });
}

test(`HTTP/2: ${REQUESTS} requests with 100 kB of header fields each, on four connections kept open, leave RSS within 250 MB`, { timeout: 180_000 }, async (t) => {
  const backend = await startLongHeadBackend(t);
  const port = await freePort();
  const pid = await startMeasuredEdge(t, routeAllYaml(backend), webStaticYaml(port));
  // Cleartext HTTP/2 (prior knowledge), as the TLS entrypoints' h2 serve it: one front for both.
  const sessions = Array.from({ length: 4 }, () => http2.connect(`http://127.0.0.1:${port}`, { maxSendHeaderBlockLength: 4 * 1024 * 1024 }));
  t.after(() => { for (const session of sessions) session.destroy(); });
  const headers = { ':path': '/', 'x-pad-a': PADDING, 'x-pad-b': PADDING };
  assert.equal(await get(sessions[0] as http2.ClientHttp2Session, headers), 200);
  await new Promise((r) => setTimeout(r, 300));
  const idle = rssMb(pid);
  for (let i = 0; i < REQUESTS; i += sessions.length) {
    for (const status of await Promise.all(sessions.map((session) => get(session, headers)))) assert.equal(status, 200);
  }
  await new Promise((r) => setTimeout(r, 500));
  const grown = rssMb(pid) - idle;
  t.diagnostic(`RSS over idle after ${REQUESTS} requests: ${grown.toFixed(1)} MB (their header fields: ${(REQUESTS * 0.1).toFixed(0)} MB)`);
  assert.ok(grown < 250, `RSS grew by ${grown.toFixed(1)} MB: HTTP/2 header strings pile up until a full collection`);
});
