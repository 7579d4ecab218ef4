import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Http1Pool } from '../../../proxy/forward/http1/http1-pool.js';
import type { LendingHandler } from '../../../proxy/forward/http1/exchange.js';
import { startRawBackend } from '../../support/raw-backend.js';

// A client that opens a connection per request costs pe-edge an upstream connection per request (the first request
// of a client connection never takes a kept one). Each upstream connection reads into 64 KiB of its own; a closed
// connection's buffer now serves the next one instead of waiting for V8's collector. These tests hold the
// invariant that makes that safe: memory still lent to a client is never read into again.

/** A pool that keeps no idle connection: every exchange opens its own connection and closes it after. */
function closingPool(port: number): Http1Pool {
  return new Http1Pool({
    host: '127.0.0.1', port, dialTimeout: 2000, responseHeaderTimeout: 0, headCompletionTimeout: 60_000, idleConnTimeout: 1000,
    maxIdleConns: 0, maxConns: 0, fallback: () => { throw new Error('no upgrades here'); },
  });
}

interface LentBody {
  chunk: Buffer;
  release: () => void;
}

/** One GET on a connection of its own; resolves with the body as lent (not released unless `keep` is false). */
function lentBody(pool: Http1Pool, keep: boolean): Promise<LentBody> {
  return new Promise((resolve, reject) => {
    let body: LentBody | null = null;
    const handler: LendingHandler = {
      onResponseDataLent: (_controller, chunk, release) => {
        body = { chunk, release };
        if (!keep) release();
        return true;
      },
      onResponseError: (_controller, error) => reject(error),
      onResponseEnd: () => (body === null ? reject(new Error('no body')) : resolve(body)),
    };
    pool.dispatch({ path: '/', method: 'GET', headers: ['Host', 'a.test'], body: null, fresh: true }, handler);
  });
}

/** Time for closed connections' 'close' events (a destroyed socket's comes a loop turn or two later), where buffers go back. */
function afterCloses(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100));
}

async function bodiesBackend(t: { after: (fn: () => Promise<void>) => void }): Promise<number> {
  const backend = await startRawBackend((socket, _head, index) => {
    const body = `body number ${index} `.repeat(20);
    socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
  t.after(() => backend.close());
  return Number(new URL(backend.url).port);
}

test("a closed upstream connection's read buffer serves the next connection", async (t) => {
  const pool = closingPool(await bodiesBackend(t));
  t.after(() => pool.close());
  const first = await lentBody(pool, false);
  await afterCloses();
  const second = await lentBody(pool, false);
  assert.equal(second.chunk.toString('latin1'), 'body number 1 '.repeat(20));
  assert.ok(second.chunk.buffer === first.chunk.buffer, "the second connection read into the first one's memory");
});

test('memory lent to a client is not read into by later connections until it is released', async (t) => {
  const pool = closingPool(await bodiesBackend(t));
  t.after(() => pool.close());
  const held = await lentBody(pool, true);
  const expected = 'body number 0 '.repeat(20);
  for (let i = 1; i <= 3; i++) {
    await afterCloses();
    const later = await lentBody(pool, false);
    assert.equal(later.chunk.toString('latin1'), `body number ${i} `.repeat(20));
    assert.ok(later.chunk.buffer !== held.chunk.buffer, `connection ${i} read into the held body's memory`);
    assert.equal(held.chunk.toString('latin1'), expected, `the held body after ${i} more connections`);
  }
  // Released once every connection closed: it goes back to the process last, and the next connection reads into it.
  await afterCloses();
  held.release();
  const next = await lentBody(pool, false);
  assert.ok(next.chunk.buffer === held.chunk.buffer, 'the released memory serves the next connection');
  assert.equal(next.chunk.toString('latin1'), 'body number 4 '.repeat(20));
});
