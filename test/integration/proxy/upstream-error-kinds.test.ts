import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { Http1Pool } from '../../../proxy/forward/http1/http1-pool.js';
import { classifyUpstreamError, UpstreamError, type UpstreamErrorKind } from '../../../proxy/forward/upstream-errors.js';
import { startRawBackend } from '../../support/raw-backend.js';

// pe-edge's pool says what went wrong with an UpstreamError kind; the forwarder maps kinds to statuses.

/** Dispatches one GET through a fresh pool; resolves with the error it ended with, or null. */
async function failureOf(port: number, responseHeaderTimeout = 0, headCompletionTimeout = 60_000): Promise<Error | null> {
  const pool = new Http1Pool({
    host: '127.0.0.1', port, dialTimeout: 2000, responseHeaderTimeout, headCompletionTimeout, idleConnTimeout: 1000, maxIdleConns: 2, maxConns: 0,
    fallback: () => { throw new Error('no upgrades here'); },
  });
  const outcome = await new Promise<Error | null>((resolve) => {
    const handler: Dispatcher.DispatchHandler = {
      onResponseError: (_c, error) => resolve(error),
      onResponseEnd: () => resolve(null),
    };
    pool.dispatch({ path: '/', method: 'GET', headers: ['Host', 'a.test'], body: null }, handler);
  });
  await pool.close();
  return outcome;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const cases: { kind: UpstreamErrorKind; status: number; answer?: (socket: net.Socket) => void; headerTimeout?: number; headCompletion?: number }[] = [
  { kind: 'refused', status: 502 },
  { kind: 'reset-before-answer', status: 502, answer: (s) => s.end('HTTP/1.1 200 OK\r\nContent-') },
  { kind: 'reset-during-answer', status: 502, answer: (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort') },
  { kind: 'timeout', status: 504, answer: () => undefined, headerTimeout: 100 },
  // responseHeaderTimeout 0 (Traefik's default) waits forever for a head to start, not for one to finish.
  { kind: 'timeout', status: 504, answer: (s) => s.write('HTTP/1.1 200 OK\r\nX-A: b\r\n'), headCompletion: 300 },
  { kind: 'bad-response', status: 502, answer: (s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n') },
];

for (const c of cases) {
  test(`the pool reports ${c.kind}${c.headCompletion !== undefined ? ' (a head started, never finished)' : ''}, answered ${c.status}`, async (t) => {
    let port: number;
    if (c.answer === undefined) {
      port = await closedPort();
    } else {
      const backend = await startRawBackend(c.answer);
      t.after(() => backend.close());
      port = Number(new URL(backend.url).port);
    }
    const error = await failureOf(port, c.headerTimeout, c.headCompletion);
    assert.ok(error instanceof UpstreamError, String(error));
    assert.equal(error.kind, c.kind);
    assert.equal(classifyUpstreamError(error).status, c.status);
  });
}

test('a head trickled a byte at a time, with bare LFs, is read whole', async (t) => {
  const head = 'HTTP/1.1 200 OK\nX-Slow: yes\r\nContent-Length: 2\n\nok';
  const backend = await startRawBackend((socket) => {
    let i = 0;
    const next = (): void => {
      if (i < head.length) socket.write(head[i++] as string, 'latin1', next);
    };
    next();
  });
  t.after(() => backend.close());
  const pool = new Http1Pool({
    host: '127.0.0.1', port: Number(new URL(backend.url).port), dialTimeout: 2000, responseHeaderTimeout: 0, headCompletionTimeout: 5000,
    idleConnTimeout: 1000, maxIdleConns: 2, maxConns: 0, fallback: () => { throw new Error('no upgrades here'); },
  });
  t.after(() => pool.close());
  const got = await new Promise<{ status: number; slow: unknown; body: string }>((resolve, reject) => {
    let status = 0;
    let slow: unknown;
    let body = '';
    pool.dispatch({ path: '/', method: 'GET', headers: ['Host', 'a.test'], body: null }, {
      onResponseStart: (_c, s, headers) => { status = s; slow = headers['x-slow']; },
      onResponseData: (_c, chunk) => { body += chunk.toString(); },
      onResponseEnd: () => resolve({ status, slow, body }),
      onResponseError: (_c, error) => reject(error),
    });
  });
  assert.deepEqual(got, { status: 200, slow: 'yes', body: 'ok' });
});
