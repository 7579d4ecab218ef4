// highestRandomWeight services (Traefik v3.6): rendezvous hashing of the client IP over child services.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

/** Traefik's hrw.go getNodeScore, written out with BigInt: weight / -ln(fnv1a64(ip + child name) / 2^64). */
function traefikPick(ip: string, children: readonly { name: string; weight: number }[]): string {
  let best = '';
  let bestScore = 0;
  for (const { name, weight } of children) {
    let h = 0xcbf29ce484222325n;
    for (const byte of Buffer.from(ip + name)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
    const score = (1 / -Math.log(Number(h) / 2 ** 64)) * weight;
    if (score > bestScore) { best = name; bestScore = score; }
  }
  return best;
}

/** A GET from a given loopback address (undici's connect options do not bind one). */
function getFrom(localAddress: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(`${res.statusCode ?? 0}:${body}`)).on('error', reject);
    }).on('error', reject);
  });
}

async function backends(t: TestContext, names: readonly string[], handler?: (name: string) => Parameters<typeof startBackend>[1]): Promise<Backend[]> {
  const out = await Promise.all(names.map((n) => startBackend(n, handler?.(n))));
  t.after(() => Promise.all(out.map((b) => b.close())));
  return out;
}

const CLIENTS = Array.from({ length: 24 }, (_, i) => `127.0.1.${i + 1}`);

async function edgeFor(t: TestContext, services: Record<string, object>) {
  const proxy = await startProxy(buildInput({ http: { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'spread' } }, services } }));
  t.after(() => proxy.close(0));
  return { proxy, ask: (ip: string) => getFrom(ip, proxy.port('web')) };
}

test('highestRandomWeight: each client IP goes to the child service Traefik would pick (names as written, weights), and stays there', async (t) => {
  const [blue, green, canary] = await backends(t, ['blue', 'green', 'canary']) as [Backend, Backend, Backend];
  // Chosen so the picks differ from hashing qualified names (blue@file) for 14 of the 24 clients, and from ignoring weights for 5.
  const children = [{ name: 'blue', weight: 1 }, { name: 'green', weight: 2 }, { name: 'canary', weight: 3 }];
  const { ask } = await edgeFor(t, {
    'spread@file': { highestRandomWeight: { services: children } },
    'blue@file': { loadBalancer: { servers: [{ url: blue.url }] } },
    'green@file': { loadBalancer: { servers: [{ url: green.url }] } },
    'canary@file': { loadBalancer: { servers: [{ url: canary.url }] } },
  });
  const got: string[] = [];
  for (const ip of CLIENTS) got.push(await ask(ip));
  assert.deepEqual(got, CLIENTS.map((ip) => `200:${traefikPick(ip, children)}`));
  assert.equal(new Set(got).size, 3, `clients spread over the three children: ${got.join(' ')}`);
  for (const [i, ip] of CLIENTS.entries()) assert.equal(await ask(ip), got[i], `client ${ip} stays`);
});

test('highestRandomWeight: a child of weight 0 is never picked; removing a child moves only the clients it had', async (t) => {
  const bs = await backends(t, ['a', 'b', 'c', 'never']);
  const lbs = Object.fromEntries(bs.map((b) => [`${b.name}@file`, { loadBalancer: { servers: [{ url: b.url }] } }]));
  const { proxy, ask } = await edgeFor(t, {
    'spread@file': { highestRandomWeight: { services: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'never', weight: 0 }] } },
    ...lbs,
  });
  const home: string[] = [];
  for (const ip of CLIENTS) home.push(await ask(ip));
  assert.ok(!home.includes('200:never'), 'weight 0 is never picked');
  const removed = home[0] as string;
  const left = ['a', 'b', 'c'].filter((n) => `200:${n}` !== removed).map((name) => ({ name }));
  proxy.apply(buildInput({ http: { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'spread' } }, services: { 'spread@file': { highestRandomWeight: { services: left } }, ...lbs } } }));
  for (const [i, ip] of CLIENTS.entries()) {
    const now = await ask(ip);
    if (home[i] === removed) assert.notEqual(now, removed);
    else assert.equal(now, home[i], `client ${ip} was not on the removed child and stays`);
  }
});

test('highestRandomWeight healthCheck: {}: a child that goes DOWN loses its clients to the others, and gets them back; without it they get its 503', async (t) => {
  const healthy: Record<string, boolean> = { a: true, b: true };
  const [a, b] = await backends(t, ['a', 'b'], (name) => (req, res) => {
    if (req.url === '/health') { res.writeHead(healthy[name] === true ? 200 : 503); res.end(); return; }
    res.end(name);
  }) as [Backend, Backend];
  const checked = (url: string): object => ({ loadBalancer: { servers: [{ url }], healthCheck: { path: '/health', interval: 100, timeout: 500 } } });
  const services = (healthCheck: object | undefined): Record<string, object> => ({
    'spread@file': { highestRandomWeight: { services: [{ name: 'a' }, { name: 'b' }], ...(healthCheck === undefined ? {} : { healthCheck }) } },
    'a@file': checked(a.url),
    'b@file': checked(b.url),
  });
  const { proxy, ask } = await edgeFor(t, services({}));
  const home: string[] = [];
  for (const ip of CLIENTS) home.push(await ask(ip));
  const onA = CLIENTS.filter((_, i) => home[i] === '200:a');
  assert.ok(onA.length > 0 && onA.length < CLIENTS.length, `both children have clients: ${home.join(' ')}`);
  healthy.a = false;
  await new Promise((r) => setTimeout(r, 350));
  for (const ip of onA) assert.equal(await ask(ip), '200:b', `${ip} moves off the DOWN child`);
  proxy.apply(buildInput({ http: { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'spread' } }, services: services(undefined) } }));
  await new Promise((r) => setTimeout(r, 350));
  assert.equal(await ask(onA[0] as string), '503:no available server\n', 'not followed: the child is picked, and has no server up');
  healthy.a = true;
  await new Promise((r) => setTimeout(r, 350));
  assert.equal(await ask(onA[0] as string), '200:a');
});

test('highestRandomWeight: healthCheck: {} over a child without a health check is refused, and a failover cannot follow an HRW without healthCheck: {} (Traefik\'s messages)', async (t) => {
  const [a] = await backends(t, ['a']) as [Backend];
  const { proxy } = await edgeFor(t, {
    'spread@file': { highestRandomWeight: { services: [{ name: 'a' }], healthCheck: {} } },
    'fo@file': { failover: { service: 'plain', fallback: 'a' } },
    'plain@file': { highestRandomWeight: { services: [{ name: 'a' }] } },
    'a@file': { loadBalancer: { servers: [{ url: a.url }] } },
  });
  assert.deepEqual(proxy.runtime.status.get('service', 'spread@file')?.errors, ['cannot register a as updater for spread@file: healthCheck not enabled in config for this weighted service']);
  assert.deepEqual(proxy.runtime.status.get('service', 'fo@file')?.errors, ['cannot register plain as updater for fo@file: healthCheck not enabled in config for this HRW service']);
});
