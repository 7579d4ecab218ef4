// loadBalancer.strategy (p2c, hrw, leasttime) and passiveHealthCheck against real backends on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import { request } from 'undici';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import type { BuildInput } from '../../../proxy/index.js';

const delayed = (name: string, ms: number) => startBackend(name, (_req, res) => {
  setTimeout(() => { res.writeHead(200); res.end(name); }, ms);
});

function lbInput(servers: readonly Backend[], loadBalancer: Record<string, unknown>): BuildInput {
  return buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: servers.map((b) => ({ url: b.url })), ...loadBalancer } } },
    },
  });
}

/** A GET from a given loopback address (undici's connect options do not bind one). */
function getFrom(localAddress: string, port: number, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', localAddress, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body)).on('error', reject);
    }).on('error', reject);
  });
}

async function tally(bodies: Promise<string>[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const body of await Promise.all(bodies)) counts[body] = (counts[body] ?? 0) + 1;
  return counts;
}

test('p2c: under concurrency the slow server gets fewer requests (wrr would split them evenly)', async (t) => {
  const fast = await delayed('fast', 5);
  const slow = await delayed('slow', 300);
  const proxy = await startProxy(lbInput([fast, slow], { strategy: 'p2c' }));
  t.after(async () => { await proxy.close(0); await fast.close(); await slow.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const bodies: Promise<string>[] = [];
  for (let i = 0; i < 40; i++) {
    bodies.push(request(url).then((r) => r.body.text()));
    await sleep(4);
  }
  const counts = await tally(bodies);
  assert.equal((counts.fast ?? 0) + (counts.slow ?? 0), 40);
  assert.ok((counts.slow ?? 0) <= 10, `slow got ${counts.slow} of 40: ${JSON.stringify(counts)}`);
});

test('leasttime: the fast server gets nearly every request once both answered', async (t) => {
  const fast = await delayed('fast', 0);
  const slow = await delayed('slow', 40);
  const proxy = await startProxy(lbInput([fast, slow], { strategy: 'leasttime' }));
  t.after(async () => { await proxy.close(0); await fast.close(); await slow.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) seen.push(await (await request(url)).body.text());
  const slowCount = seen.filter((s) => s === 'slow').length;
  assert.ok(slowCount >= 1 && slowCount <= 3, `slow got ${slowCount} of 20: ${seen.join(' ')}`);
});

test('hrw: a client IP stays on one server; removing a server moves only the clients it had', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c'].map((n) => startBackend(n)));
  const proxy = await startProxy(lbInput(backends, { strategy: 'hrw' }));
  const clients = Array.from({ length: 24 }, (_, i) => `127.0.1.${i + 1}`);
  t.after(async () => {
    await proxy.close(0);
    await Promise.all(backends.map((b) => b.close()));
  });
  // X-Forwarded-For is not what hrw hashes: a changing one moves nobody.
  const ask = (ip: string, i: number): Promise<string> => getFrom(ip, proxy.port('web'), { 'x-forwarded-for': `10.9.9.${i}` });
  const home: string[] = [];
  for (const c of clients) home.push(await ask(c, 1));
  for (let round = 2; round < 4; round++) {
    for (const [i, c] of clients.entries()) assert.equal(await ask(c, round), home[i], `client ${i + 1} stays`);
  }
  assert.ok(new Set(home).size >= 2, `clients spread over servers: ${home.join(' ')}`);
  const removed = home[0] as string;
  proxy.apply(lbInput(backends.filter((b) => b.name !== removed), { strategy: 'hrw' }));
  for (const [i, c] of clients.entries()) {
    const now = await ask(c, 9);
    if (home[i] === removed) assert.notEqual(now, removed);
    else assert.equal(now, home[i], `client ${i + 1} was not on the removed server and stays`);
  }
});

test('passiveHealthCheck: a server failing maxFailedAttempts times is taken out, and back after failureWindow', async (t) => {
  let failing = true;
  const bad = await startBackend('bad', (_req, res) => {
    res.writeHead(failing ? 500 : 200);
    res.end('bad');
  });
  const good = await startBackend('good');
  const proxy = await startProxy(lbInput([bad, good], { passiveHealthCheck: { failureWindow: 600, maxFailedAttempts: 2 } }));
  t.after(async () => { await proxy.close(0); await bad.close(); await good.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const ask = async (): Promise<string> => (await request(url)).body.text();
  const first = [];
  for (let i = 0; i < 4; i++) first.push(await ask());
  assert.deepEqual([...first].sort(), ['bad', 'bad', 'good', 'good'], 'round robin until the second failure');
  const during = [];
  for (let i = 0; i < 6; i++) during.push(await ask());
  assert.deepEqual(during, Array(6).fill('good'), 'the failing server is out');
  failing = false;
  await sleep(700);
  const after = [];
  for (let i = 0; i < 4; i++) after.push(await ask());
  assert.ok(after.includes('bad'), `back after the window: ${after.join(' ')}`);
});
