import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { exchange } from './child.js';

// Review finding (Traefik parity): Go's server refuses an HTTP/1.1 head without Host, or with a Host that is
// no valid host (httpguts.ValidHostHeader), before any handler runs, exactly as pe-edge already refuses two
// Host lines (traefik-responses.ts goHeadRefusal). pe-edge answers node's bare chunked 400 to the first and
// routes and forwards the second (the backend and X-Forwarded-Host get `a b`).

async function proxy(t: { after: (fn: () => Promise<void>) => void }, middlewares: string[]) {
  const backend = http.createServer((req, res) => res.end(`host=${req.headers.host ?? ''}`));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  const edge = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` }] } } },
      middlewares: { 'cb@file': { chain: { middlewares: [] } } },
    },
  }));
  t.after(() => edge.close(0));
  return edge.port('web');
}

const MISSING = '400 Bad Request: missing required Host header';
const MALFORMED = '400 Bad Request: malformed Host header';
const refusal = (text: string) => `HTTP/1.1 ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${text}`;

for (const [front, middlewares] of [['lean front', []], ['node:http', ['cb']]] as const) {
  test(`${front}: an HTTP/1.1 head without Host gets Go's "missing required Host header" 400`, async (t) => {
    const port = await proxy(t, [...middlewares]);
    assert.equal(await exchange(port, 'GET /x HTTP/1.1\r\n\r\n'), refusal(MISSING));
  });

  test(`${front}: a Host with a space gets Go's "malformed Host header" 400, and is never forwarded`, async (t) => {
    const port = await proxy(t, [...middlewares]);
    assert.equal(await exchange(port, 'GET /x HTTP/1.1\r\nHost: a b\r\n\r\n'), refusal(MALFORMED));
  });
}
