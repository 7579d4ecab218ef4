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

// sourceCriterion other than the default Host: every request comes from 127.0.0.1 with Host a.test, so if the
// criterion were ignored (Host) the second client of each case would be refused while the first is held.
const CRITERIA: [name: string, sourceCriterion: Record<string, unknown>, first: Record<string, string>, other: Record<string, string>, sameAsFirst: Record<string, string>][] = [
  ['ipStrategy.depth 2 counts by "b" of "a, b, c"', { ipStrategy: { depth: 2 } }, { 'x-forwarded-for': '1.1.1.1, 10.0.0.1, 9.9.9.9' }, { 'x-forwarded-for': '1.1.1.1, 10.0.0.2, 9.9.9.9' }, { 'x-forwarded-for': '2.2.2.2, 10.0.0.1, 8.8.8.8' }],
  ['ipStrategy.excludedIPs counts by the rightmost address not excluded', { ipStrategy: { excludedIPs: ['9.9.9.0/24'] } }, { 'x-forwarded-for': '10.0.0.1, 9.9.9.9' }, { 'x-forwarded-for': '10.0.0.2, 9.9.9.9' }, { 'x-forwarded-for': '10.0.0.1' }],
  ['ipStrategy.ipv6Subnet 64 counts by the /64', { ipStrategy: { depth: 1, ipv6Subnet: 64 } }, { 'x-forwarded-for': '2001:db8:0:1::1' }, { 'x-forwarded-for': '2001:db8:0:2::1' }, { 'x-forwarded-for': '2001:db8:0:1::ffff' }],
];

for (const [name, sourceCriterion, first, other, sameAsFirst] of CRITERIA) {
  test(`inFlightReq sourceCriterion ${name}`, async (t) => {
    const held: http.ServerResponse[] = [];
    const { port } = await proxyThrough(t, [{ inFlightReq: { amount: 1, sourceCriterion } }], (req, res) => {
      if (req.url === '/slow') held.push(res);
      else res.end('app');
    }, { forwardedHeaders: { insecure: true, trustedIPs: [] } });
    t.after(async () => { for (const r of held.splice(0)) r.end(); });
    const slow = httpRequest({ port, host: 'a.test', path: '/slow', headers: first });
    await until(() => held.length === 1);
    assert.equal((await httpRequest({ port, host: 'a.test', headers: other })).status, 200, 'another source');
    const refused = await httpRequest({ port, host: 'a.test', headers: sameAsFirst });
    assert.equal(refused.status, 429, 'the held source again');
    for (const r of held.splice(0)) r.end('slow');
    await slow;
  });
}

test('inFlightReq sourceCriterion.requestHost: true counts by Host with its port, whatever the client address', async (t) => {
  const held: http.ServerResponse[] = [];
  const { port } = await proxyThrough(t, [{ inFlightReq: { amount: 1, sourceCriterion: { requestHost: true } } }], (req, res) => {
    if (req.url === '/slow') held.push(res);
    else res.end('app');
  }, { forwardedHeaders: { insecure: true, trustedIPs: [] } });
  t.after(async () => { for (const r of held.splice(0)) r.end(); });
  const slow = httpRequest({ port, host: 'a.test', path: '/slow', headers: { 'x-forwarded-for': '10.0.0.1' } });
  await until(() => held.length === 1);
  assert.equal((await httpRequest({ port, host: 'a.test:80', headers: { 'x-forwarded-for': '10.0.0.1' } })).status, 200, 'a.test:80 is another Host');
  assert.equal((await httpRequest({ port, host: 'a.test', headers: { 'x-forwarded-for': '10.0.0.2' } })).status, 429, 'same Host, another client: same source');
  for (const r of held.splice(0)) r.end('slow');
  await slow;
});
