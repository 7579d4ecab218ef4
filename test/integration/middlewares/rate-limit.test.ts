import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../support/backends.js';
import { proxyThrough } from './path-proxy.js';
import { httpRequest, type ClientResult } from '../../support/tls-clients.js';

// rateLimit through the real proxy, with options as labels-spec defaults them (and the seed's values).

function setup(t: { after: (fn: () => Promise<void>) => void }, rateLimit: Record<string, unknown>): Promise<{ port: number; app: Backend }> {
  return proxyThrough(t, [{ rateLimit }]);
}

const get = (port: number, headers: Record<string, string> = {}): Promise<ClientResult> => httpRequest({ port, host: 'x.test', headers });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function assertRefused(res: ClientResult, retryAfter: string | string[], retryIn: RegExp): void {
  assert.equal(res.status, 429);
  assert.equal(res.body, 'Too Many Requests');
  assert.equal(res.headers['content-type'], undefined);
  assert.ok([retryAfter].flat().includes(String(res.headers['retry-after'])), `Retry-After ${res.headers['retry-after']}`);
  assert.match(String(res.headers['x-retry-in']), retryIn);
}

test('average 1 burst 1: a back-to-back second request is refused, one 0.6 s later is delayed then served', async (t) => {
  const { port, app } = await setup(t, { average: 1, burst: 1 });
  const firstSent = performance.now();
  assert.equal((await get(port)).status, 200);
  // The first request reached the proxy before this point: waiting 600 ms from here keeps the third
  // request's wait at 400 ms or less, even on a loaded machine.
  const firstDone = performance.now();
  // Its token is up to 1 s away, more than maxDelay (500 ms): refused with when to retry, Go-formatted
  // (999.9ms when it arrives 0.1 ms after the first; a loaded machine leaves a longer gap).
  assertRefused(await get(port), '1', /^[5-9]\d\d(\.\d+)?ms$/);
  assert.equal(app.seen.length, 1);

  await sleep(600 - (performance.now() - firstDone));
  const third = await get(port);
  const servedAfter = performance.now() - firstSent;
  assert.equal(third.status, 200, 'waiting ≤ 500 ms is a delay, not a refusal');
  // The token only exists 1 s after the first request arrived: the proxy must have held it until then.
  assert.ok(servedAfter >= 990, `served ${servedAfter.toFixed(0)} ms after the first request`);
  assert.equal(app.seen.length, 2);
});

test('average 0 never limits', async (t) => {
  const { port, app } = await setup(t, { average: 0, burst: 1 });
  const answers = await Promise.all(Array.from({ length: 30 }, () => get(port)));
  assert.deepEqual(answers.map((a) => a.status), new Array(30).fill(200));
  assert.equal(app.seen.length, 30);
});

async function burstOf(port: number, n: number): Promise<{ ok: number; refused: ClientResult[]; ms: number }> {
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: n }, () => get(port)));
  const refused = answers.filter((a) => a.status === 429);
  assert.equal(refused.length + answers.filter((a) => a.status === 200).length, n);
  return { ok: n - refused.length, refused, ms: performance.now() - started };
}

test('average 100 burst 50: the first 50 pass at once, the rest only as tokens come back (maxDelay 5 ms)', async (t) => {
  const { port } = await setup(t, { average: 100, burst: 50 });
  const first = await burstOf(port, 50);
  assert.equal(first.ok, 50, 'a full bucket lets 50 through');
  const next = await burstOf(port, 150);
  // Only what refilled (100/s) since the bucket emptied can pass, plus one delayed by up to 5 ms.
  const refilled = Math.ceil((100 * (first.ms + next.ms)) / 1000) + 1;
  assert.ok(next.ok <= refilled, `${next.ok} passed, at most ${refilled} tokens came back`);
  assert.ok(next.refused.length >= 150 - refilled);
  for (const r of next.refused) assertRefused(r, '1', /^\d+(\.\d+)?(ms|µs|Âµs)$/);
});

test('Pixelated Empathy: average 100 per 1m burst 50 (r = 1.67/s) lets 50 through, then refuses with Retry-After 1 or 2', async (t) => {
  const { port } = await setup(t, { average: 100, period: '1m', burst: 50 });
  const first = await burstOf(port, 50);
  assert.equal(first.ok, 50);
  const next = await burstOf(port, 20);
  // A token every 600 ms, waits of up to 500 ms accepted: one or two more pass in a short burst; once
  // one is waiting, the next token is 0.6-1.1 s away, so Retry-After is 1 or 2.
  assert.ok(next.ok <= 1 + Math.ceil(((first.ms + next.ms) / 1000) * (100 / 60)) + 1, `${next.ok} passed`);
  assert.ok(next.refused.length >= 15);
  for (const r of next.refused) assertRefused(r, ['1', '2'], /^(\d{3}(\.\d+)?ms|1(\.\d+)?s)$/);
});

test('sources are counted apart: by client IP by default, by a header or by Host when asked', async (t) => {
  const byHeader = await setup(t, { average: 1, burst: 1, sourceCriterion: { requestHeaderName: 'X-Client' } });
  assert.equal((await get(byHeader.port, { 'x-client': 'a' })).status, 200);
  assert.equal((await get(byHeader.port, { 'x-client': 'b' })).status, 200);
  assert.equal((await get(byHeader.port, { 'x-client': 'a' })).status, 429);

  const byHost = await setup(t, { average: 1, burst: 1, sourceCriterion: { requestHost: true } });
  assert.equal((await httpRequest({ port: byHost.port, host: 'a.test' })).status, 200);
  assert.equal((await httpRequest({ port: byHost.port, host: 'a.test:80' })).status, 200, 'the Host key keeps its port');
  assert.equal((await httpRequest({ port: byHost.port, host: 'a.test' })).status, 429);

  const byIp = await setup(t, { average: 1, burst: 1 });
  assert.equal((await get(byIp.port, { 'x-client': 'a' })).status, 200);
  assert.equal((await get(byIp.port, { 'x-client': 'b' })).status, 429, 'same client IP, same bucket');
});

// sourceCriterion.ipStrategy from a trusted peer (forwardedHeaders.insecure): every request comes from 127.0.0.1, so
// if the strategy were ignored the second client of each case would share the first one's bucket and get 429.
const STRATEGIES: [name: string, ipStrategy: Record<string, unknown>, first: string, other: string, sameAsFirst: string][] = [
  ['ipStrategy.depth 2 keys on "b" of "a, b, c"', { depth: 2 }, '1.1.1.1, 10.0.0.1, 9.9.9.9', '1.1.1.1, 10.0.0.2, 9.9.9.9', '2.2.2.2, 10.0.0.1, 8.8.8.8'],
  ['ipStrategy.excludedIPs keys on the rightmost address not excluded', { excludedIPs: ['9.9.9.0/24'] }, '1.1.1.1, 10.0.0.1, 9.9.9.9', '1.1.1.1, 10.0.0.2, 9.9.9.8', '2.2.2.2, 10.0.0.1'],
  ['ipStrategy.ipv6Subnet 64 keys on the /64', { depth: 1, ipv6Subnet: 64 }, '2001:db8:0:1::1', '2001:db8:0:2::1', '2001:db8:0:1::ffff'],
];

for (const [name, ipStrategy, first, other, sameAsFirst] of STRATEGIES) {
  test(`rateLimit sourceCriterion ${name}`, async (t) => {
    const { port } = await proxyThrough(t, [{ rateLimit: { average: 1, burst: 1, sourceCriterion: { ipStrategy } } }], undefined, { forwardedHeaders: { insecure: true, trustedIPs: [] } });
    assert.equal((await get(port, { 'x-forwarded-for': first })).status, 200);
    assert.equal((await get(port, { 'x-forwarded-for': other })).status, 200, `${other} is another source`);
    assert.equal((await get(port, { 'x-forwarded-for': sameAsFirst })).status, 429, `${sameAsFirst} is the first source again`);
  });
}
