import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend, type BackendHandler } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

// responseForwarding.flushInterval as Traefik (Go's ReverseProxy) applies it: a body of known length is sent in
// batches, at most `flushInterval` after its first unsent byte; event streams and bodies of unknown length go out
// write by write whatever the interval; a negative interval sends every write at once. Timings are asserted coarsely
// (a timer never fires early; counts of reads leave room for a loaded machine).

type Test = { after: (fn: () => Promise<void>) => void };

async function proxyTo(t: Test, handler: BackendHandler, flushInterval: unknown): Promise<number> {
  const app = await startBackend('app', handler);
  t.after(() => app.close());
  const { config, issues } = validateDynamicConfig({
    http: { services: { s: { loadBalancer: { servers: [{ url: app.url }], responseForwarding: { flushInterval } } } } },
  });
  assert.deepEqual(issues, []);
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': config.http.services['s'] as NonNullable<typeof config.http.services[string]> },
    },
  }));
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

interface Read {
  at: number;
  bytes: Buffer;
}

/** GET (the lean front) or POST (node:http) through the proxy, each socket read of the body kept with its time. */
function fetchReads(port: number, method: 'GET' | 'POST', onRead: (read: Read, all: Read[]) => void = () => undefined): Promise<{ headers: http.IncomingHttpHeaders; reads: Read[]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: '/', agent: false }, (res) => {
      const reads: Read[] = [];
      res.on('data', (bytes: Buffer) => {
        const read = { at: performance.now(), bytes };
        reads.push(read);
        onRead(read, reads);
      });
      res.on('end', () => resolve({ headers: res.headers, reads, body: Buffer.concat(reads.map((r) => r.bytes)) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'x' : undefined);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A backend answer of known length written as `pieces` small writes `gapMs` apart. */
function slowPieces(pieces: number, gapMs: number): BackendHandler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(pieces * 10) });
    void (async () => {
      for (let i = 0; i < pieces; i++) {
        res.write(`piece ${String(i).padStart(3, '0')}\n`);
        await sleep(gapMs);
      }
      res.end();
    })();
  };
}

for (const method of ['GET', 'POST'] as const) {
  test(`flushInterval 1 (a bare number: seconds): a known-length body written in 10 pieces 100 ms apart arrives in about one batch (${method})`, async (t) => {
    const port = await proxyTo(t, slowPieces(10, 100), 1);
    const { reads, body } = await fetchReads(port, method);
    assert.equal(body.toString(), Array.from({ length: 10 }, (_, i) => `piece ${String(i).padStart(3, '0')}\n`).join(''));
    assert.ok(reads.length <= 4, `${reads.length} reads: the pieces were not batched`);
  });
}

test('flushInterval -1s: every write goes out at once (the same 10 pieces arrive apart)', async (t) => {
  const port = await proxyTo(t, slowPieces(10, 100), '-1s');
  const { reads, body } = await fetchReads(port, 'GET');
  assert.equal(body.length, 100);
  assert.ok(reads.length >= 6, `${reads.length} reads: the pieces were held`);
});

test('flushInterval 300ms: a piece the backend follows with nothing reaches the client after the interval, before the rest', async (t) => {
  let written = 0;
  let clientHasFirst: (() => void) | null = null;
  const firstArrived = new Promise<void>((resolve) => { clientHasFirst = resolve; });
  const port = await proxyTo(t, (_req, res) => {
    res.writeHead(200, { 'content-length': '20' });
    written = performance.now();
    res.write('first piece\n');
    // The rest only once the client has the first piece (or after 5 s, when it was held for good).
    void Promise.race([firstArrived, sleep(5000)]).then(() => res.end('the rest'));
  }, '300ms');
  const { reads, body } = await fetchReads(port, 'GET', (_read, all) => {
    if (all.length === 1) clientHasFirst?.();
  });
  assert.equal(body.toString(), 'first piece\nthe rest');
  assert.equal(reads[0]?.bytes.toString(), 'first piece\n', 'the first piece came alone, flushed by the interval');
  const waited = (reads[0]?.at ?? 0) - written;
  assert.ok(waited >= 250 && waited < 4500, `the first piece arrived ${Math.round(waited)} ms after it was written`);
});

/** A backend answer of three events, each written only once the client read the one before (or after 5 s). */
function eventByEvent(headers: http.OutgoingHttpHeaders, seen: () => number): { handler: BackendHandler; timedOut: number[] } {
  const timedOut: number[] = [];
  const handler: BackendHandler = (_req, res) => {
    res.writeHead(200, headers);
    void (async () => {
      for (let i = 0; i < 3; i++) {
        res.write(`data: event ${i}\n\n`);
        const deadline = performance.now() + 5000;
        while (seen() <= i && performance.now() < deadline) await sleep(10);
        if (seen() <= i) timedOut.push(i);
      }
      res.end();
    })();
  };
  return { handler, timedOut };
}

const STREAMS: [name: string, headers: http.OutgoingHttpHeaders][] = [
  // The content type alone makes it a stream: the length is known here.
  ['text/event-stream (with a Content-Length)', { 'content-type': 'text/event-stream; charset=utf-8', 'content-length': String(3 * 'data: event 0\n\n'.length) }],
  ['a chunked body of unknown length', { 'content-type': 'text/plain' }],
];

for (const [name, headers] of STREAMS) {
  test(`flushInterval 10s: ${name} reaches the client event by event`, async (t) => {
    let events = 0;
    const { handler, timedOut } = eventByEvent(headers, () => events);
    const port = await proxyTo(t, handler, '10s');
    const { body, headers: got } = await fetchReads(port, 'GET', (_read, all) => {
      events = Buffer.concat(all.map((r) => r.bytes)).toString().split('\n\n').length - 1;
    });
    assert.equal(body.toString(), 'data: event 0\n\ndata: event 1\n\ndata: event 2\n\n');
    assert.deepEqual(timedOut, [], 'events held by the proxy');
    if (headers['content-length'] === undefined) assert.equal(got['transfer-encoding'], 'chunked');
  });
}

for (const method of ['GET', 'POST'] as const) {
  test(`flushInterval 100ms: a 2 MiB body written in pieces of mixed sizes arrives whole and in order (${method})`, async (t) => {
    const whole = randomBytes(2 * 1024 * 1024);
    const port = await proxyTo(t, (_req, res) => {
      res.writeHead(200, { 'content-length': String(whole.length) });
      void (async () => {
        const sizes = [1, 100, 4095, 4096, 70_000, 3, 2000, 2500, 65_536, 10];
        let at = 0;
        for (let i = 0; at < whole.length; i++) {
          const size = Math.min(sizes[i % sizes.length] as number, whole.length - at);
          if (!res.write(whole.subarray(at, at + size))) await new Promise((r) => res.once('drain', r));
          at += size;
          if (i % 50 === 0) await sleep(1);
        }
        res.end();
      })();
    }, '100ms');
    const { body } = await fetchReads(port, method);
    assert.equal(body.length, whole.length);
    assert.ok(body.equals(whole), 'the body arrived altered');
  });
}
