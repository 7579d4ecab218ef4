import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { proxyThrough } from './path-proxy.js';
import { httpRequest, type ClientResult } from '../../support/tls-clients.js';

// inFlightReq through the real proxy: requests to /slow are held by the backend until released.

async function setup(t: { after: (fn: () => Promise<void>) => void }, inFlightReq: Record<string, unknown>) {
  const held: http.ServerResponse[] = [];
  const { app, port } = await proxyThrough(t, [{ inFlightReq }], (req, res) => {
    if (req.url === '/slow') held.push(res);
    else res.end('app');
  });
  const release = (): void => { for (const r of held.splice(0)) r.end('slow'); };
  t.after(async () => release());
  return { port, app, held, release };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), 'condition never met');
}

const get = (port: number, host: string, path = '/'): Promise<ClientResult> => httpRequest({ port, host, path });

test('amount 1: a second request from the same Host while one is in flight gets 429 max connections reached: 1', async (t) => {
  const { port, held, release } = await setup(t, { amount: 1 });
  const slow = get(port, 'a.test', '/slow');
  await until(() => held.length === 1);

  const refused = await get(port, 'a.test');
  assert.equal(refused.status, 429);
  assert.equal(refused.body, 'max connections reached: 1');
  assert.equal(refused.headers['content-type'], undefined);
  assert.equal((await get(port, 'b.test')).status, 200, 'another Host is another source');

  release();
  assert.equal((await slow).body, 'slow');
  assert.equal((await get(port, 'a.test')).status, 200, 'the slot is free once the response is over');
});

test('a client that goes away frees its slot', async (t) => {
  const { port, held } = await setup(t, { amount: 1 });
  const req = http.request({ port, host: '127.0.0.1', path: '/slow', headers: { host: 'a.test' }, agent: false });
  req.on('error', () => undefined);
  req.end();
  await until(() => held.length === 1);
  assert.equal((await get(port, 'a.test')).status, 429);
  req.destroy();
  // The proxy notices the closed connection and releases the count.
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    status = (await get(port, 'a.test')).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(status, 200);
});

test('amount 2 by header: two in flight per header value, the third refused', async (t) => {
  const { port, held } = await setup(t, { amount: 2, sourceCriterion: { requestHeaderName: 'X-User' } });
  const hold = (user: string): Promise<ClientResult> => httpRequest({ port, host: 'a.test', path: '/slow', headers: { 'x-user': user } });
  const pending = [hold('u1'), hold('u1')];
  await until(() => held.length === 2);
  const third = await httpRequest({ port, host: 'a.test', headers: { 'x-user': 'u1' } });
  assert.equal(third.status, 429);
  assert.equal(third.body, 'max connections reached: 2');
  assert.equal((await httpRequest({ port, host: 'a.test', headers: { 'x-user': 'u2' } })).status, 200);
  for (const r of held.splice(0)) r.end('slow');
  await Promise.all(pending);
});
