// The lean front keeps a connection's last header lines parsed (RecentRequestFields), for as long as the connection
// stays open (up to the entrypoint's idleTimeout, 180 s by default, between requests). Those lines and their values
// are, to V8, windows on the request's whole head (sliced strings): kept as they came after a request with a long
// target, each idle connection would hold that head (up to half of http.maxHeaderBytes goes through the lean front)
// where it needs a few hundred bytes. Only short heads are kept (request-head.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort } from '../../support/cli-process.js';
import { routeAllYaml, rssMb, startLongHeadBackend, startMeasuredEdge, webStaticYaml } from '../../support/head-memory.js';

const CONNECTIONS = 500;
// A 400 kB request target, with the header lines of an ordinary request.
const TARGET = `/${'t'.repeat(400_000)}`;


/** One request on a new connection, read to its end; the connection stays open, idle. */
function askAndStay(port: number, sockets: net.Socket[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      if (/\r\n\r\napp$/.test(text)) resolve(text);
    });
    socket.once('error', reject);
    socket.write(`GET ${TARGET} HTTP/1.1\r\nHost: app.test\r\nUser-Agent: idle/1\r\nAccept: */*\r\n\r\n`);
  });
}

test(`${CONNECTIONS} connections left idle after one request with a 400 kB target each leave RSS within 130 MB`, { timeout: 180_000 }, async (t) => {
  const backend = await startLongHeadBackend(t, (req, res) => {
    res.writeHead(200, { 'content-length': 3, 'x-target-length': String(req.url?.length) });
    res.end('app');
  });
  const port = await freePort();
  const pid = await startMeasuredEdge(t, routeAllYaml(backend), webStaticYaml(port));
  const sockets: net.Socket[] = [];
  t.after(() => { for (const socket of sockets) socket.destroy(); });

  // What a user sees is unchanged: the whole target reaches the backend, and the answer comes back.
  const first = await askAndStay(port, sockets);
  assert.match(first, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(first, new RegExp(`\r\nX-Target-Length: ${TARGET.length}\r\n`, 'i'));

  await new Promise((r) => setTimeout(r, 300));
  const idle = rssMb(pid);
  for (let i = 1; i < CONNECTIONS; i += 4) {
    const batch: Promise<string>[] = [];
    for (let j = i; j < i + 4 && j < CONNECTIONS; j++) batch.push(askAndStay(port, sockets));
    for (const answer of await Promise.all(batch)) assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
  }
  await new Promise((r) => setTimeout(r, 500));
  const grown = rssMb(pid) - idle;
  t.diagnostic(`RSS over idle with ${CONNECTIONS} idle connections: ${grown.toFixed(1)} MB`);
  assert.ok(grown < 130, `RSS grew by ${grown.toFixed(1)} MB: idle connections hold their last request's head`);
});
