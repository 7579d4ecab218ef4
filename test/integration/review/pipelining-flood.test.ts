import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { startChild, exchange, sleep } from './child.js';

// Review finding: Http1Pipeline serves a connection's requests one at a time, but lets node:http parse every
// pipelined request ahead of them (nothing is being written, so node's own backpressure never pauses the
// socket). One connection sending 100,000 tiny pipelined GETs (3.4 MB) and reading nothing makes pe-edge
// hold ~200 MiB of request/response objects, and when it closes, node's abortIncoming/resOnFinish shift()
// through the 100,000-entry queue: the event loop stops for seconds, for every client.

const COUNT = 100_000;

test('a connection that pipelines 100,000 requests and reads nothing neither stalls other clients nor holds memory', { timeout: 60_000 }, async (t) => {
  const backend = http.createServer((req, res) => res.end('ok ' + (req.url ?? '')));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  const child = await startChild({
    http: {
      // A router with a middleware: served by node:http, behind Http1Pipeline.
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['hdr'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` }] } } },
      middlewares: { hdr: { headers: { customResponseHeaders: { 'X-Hdr': 'yes' } } } },
    },
  });
  t.after(() => child.stop());
  assert.match(await exchange(child.port, 'GET /warm HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
  const before = child.rssMiB();

  const flood = net.connect(child.port, '127.0.0.1');
  flood.on('error', () => undefined);
  await new Promise((r) => flood.once('connect', r));
  flood.pause(); // never reads an answer
  const batch = 'GET /p HTTP/1.1\r\nHost: a.test\r\n\r\n'.repeat(1000);
  for (let i = 0; i < COUNT / 1000; i++) {
    if (!flood.write(batch)) await new Promise<void>((resolve) => { const timer = setTimeout(resolve, 2000); flood.once('drain', () => { clearTimeout(timer); resolve(); }); });
  }
  await sleep(3000);
  const grown = child.rssMiB() - before;
  flood.destroy();
  await sleep(100);

  // Another client, right after the flooding connection went away.
  const started = Date.now();
  const answer = await exchange(child.port, 'GET /other HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n', { waitMs: 20_000 });
  const latency = Date.now() - started;
  assert.match(answer, /^HTTP\/1\.1 200 /);
  const facts = `RSS grew by ${grown.toFixed(0)} MiB for one connection's ${COUNT} pipelined requests; another client waited ${latency} ms for its answer after the flooding connection closed`;
  assert.ok(grown < 100 && latency < 1000, facts);
});

// Review finding: the queue's 256 requests were counted, not their heads' bytes, and each head may be as large as
// http.maxHeaderBytes (1 MiB): one connection pipelining 900 kB heads behind a request held upstream made pe-edge
// hold about 225 MB. Go reads the next head only once the answer before is over; pe-edge now closes a connection
// whose waiting heads pass maxHeaderBytes together.
test('a connection that pipelines large heads behind a request held upstream is closed once they pass maxHeaderBytes', { timeout: 60_000 }, async (t) => {
  const held: http.ServerResponse[] = [];
  const backend = http.createServer((req, res) => {
    if (req.url === '/slow') held.push(res);
    else res.end('ok');
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  const child = await startChild({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` }] } } },
    },
  });
  t.after(() => child.stop());
  assert.match(await exchange(child.port, 'GET /warm HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
  const before = child.rssMiB();

  const client = net.connect(child.port, '127.0.0.1');
  client.on('error', () => undefined);
  let closedAfter = -1;
  let sent = 0;
  client.once('close', () => (closedAfter = sent));
  await new Promise((r) => client.once('connect', r));
  // A chunked body: node:http serves the connection (the lean front takes only bodies of a declared length).
  client.write('POST /slow HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  const filler = 'x'.repeat(900 * 1024);
  for (; sent < 40 && !client.destroyed; sent++) {
    if (!client.write(`GET /q${sent} HTTP/1.1\r\nHost: a.test\r\nX-Big: ${filler}\r\n\r\n`)) {
      await new Promise<void>((resolve) => { const timer = setTimeout(resolve, 2000); client.once('drain', () => { clearTimeout(timer); resolve(); }); client.once('close', resolve); });
    }
  }
  await sleep(1000);
  const grown = child.rssMiB() - before;
  client.destroy();
  assert.ok(held.length === 1, 'the first request reached the backend and is held there');
  assert.ok(closedAfter >= 0 && closedAfter < 40, `pe-edge closed the connection (after ${closedAfter} of 40 heads sent; -1: never)`);
  assert.ok(grown < 30, `RSS grew by ${grown.toFixed(0)} MiB`);
});
