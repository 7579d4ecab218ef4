import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { connectPlain, echoServer, firstData, listenTcp, tcpInput, tlsEchoServer, type TcpBackend } from '../../support/tcp-backends.js';
import type { BuildInput } from '../../../proxy/index.js';
import type { TcpBuildInput } from '../../../proxy/tcp/tcp-build.js';
import type { TcpServerHealthCheck, TcpService } from '../../../labels-spec/dynamic/tcp/index.js';

// tcp.services.<s>.loadBalancer.healthCheck (Traefik v3.4's active TCP health checks) against real TCP servers on loopback.

type After = { after: (fn: () => Promise<void> | void) => void };

const API = { insecure: true, version: 'test', startDate: '', entryPoints: {}, features: { tracing: '', metrics: '', accessLog: false }, providers: ['File'] };

/** An echo server whose health answer to `PING` is `PONG` while `healthy`, `NOPE` otherwise; other bytes are echoed. */
async function flippable(t: After, prefix: string, healthy: boolean): Promise<TcpBackend & { state: { healthy: boolean; probes: number } }> {
  const state = { healthy, probes: 0 };
  const server = await listenTcp(net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      if (chunk.toString() === 'PING') {
        state.probes++;
        socket.end(state.healthy ? 'PONG' : 'NOPE');
      } else socket.write(Buffer.concat([Buffer.from(prefix), chunk]));
    });
  }));
  t.after(() => server.close());
  return Object.assign(server, { state });
}

const ENTRY_POINTS = { web: { address: '127.0.0.1:0' }, other: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } };

async function edge(t: After, tcp: Partial<TcpBuildInput>, moreRouters: TcpBuildInput['routers'] = {}) {
  const input: BuildInput = { ...buildInput({ entryPoints: ENTRY_POINTS }), tcp: tcpInput({ ...tcp, routers: { ...tcp.routers, ...moreRouters } }), api: API };
  const proxy = await startProxy(input);
  t.after(() => proxy.close(0));
  return proxy;
}

const checked = (healthCheck: Partial<TcpServerHealthCheck>, ...addresses: string[]): TcpService => ({
  loadBalancer: { servers: addresses.map((address) => ({ address, tls: false })), healthCheck: { interval: 30_000, timeout: 5_000, ...healthCheck } },
});

const route = { 'db@file': { rule: 'HostSNI(`*`)', service: 'db', entryPoints: ['web'] } };

async function serverStatus(port: number, service = 'db@file'): Promise<Record<string, string>> {
  const res = await fetch(`http://127.0.0.1:${port}/api/tcp/services/${service}`);
  return ((await res.json()) as { serverStatus: Record<string, string> }).serverStatus;
}

async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What `count` new connections through the edge get back for `x`: one prefix per connection ('' when closed). */
async function answers(port: number, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const client = await connectPlain(port);
    client.write('x');
    out.push(await firstData(client, 1000).catch(() => ''));
    client.destroy();
  }
  return out;
}

test('send and expect: a server answering the wrong payload is DOWN in the API and skipped; once it answers right it is UP and served again (unhealthyInterval)', async (t) => {
  const a = await flippable(t, 'A:', true);
  const b = await flippable(t, 'B:', false);
  const proxy = await edge(t, {
    routers: route,
    // interval 60 s: only unhealthyInterval can bring B back within the test.
    services: { 'db@file': checked({ send: 'PING', expect: 'PONG', interval: 60_000, unhealthyInterval: 100 }, a.address, b.address) },
  });
  const api = proxy.port('traefik');
  await until('B DOWN', async () => (await serverStatus(api))[b.address] === 'DOWN');
  assert.deepEqual(await serverStatus(api), { [a.address]: 'UP', [b.address]: 'DOWN' });
  assert.deepEqual(await answers(proxy.port('web'), 4), ['A:x', 'A:x', 'A:x', 'A:x'], 'the DOWN server gets no connection');
  b.state.healthy = true;
  await until('B UP again', async () => (await serverStatus(api))[b.address] === 'UP', 2000);
  assert.deepEqual((await answers(proxy.port('web'), 4)).sort(), ['A:x', 'A:x', 'B:x', 'B:x']);
});

test('interval: a server that stops answering right is found DOWN at the next probe; every server DOWN closes the client', async (t) => {
  const a = await flippable(t, 'A:', true);
  const proxy = await edge(t, { routers: route, services: { 'db@file': checked({ send: 'PING', expect: 'PONG', interval: 100 }, a.address) } });
  const api = proxy.port('traefik');
  await until('A probed', () => a.state.probes > 0);
  assert.deepEqual(await answers(proxy.port('web'), 1), ['A:x']);
  a.state.healthy = false;
  await until('A DOWN', async () => (await serverStatus(api))[a.address] === 'DOWN', 2000);
  assert.deepEqual(await answers(proxy.port('web'), 1), [''], 'no server in the pool: the connection is closed');
});

test('port: the probe goes to the health port, not the traffic port; timeout: a health port that accepts and stays silent is DOWN after `timeout`', async (t) => {
  const traffic = await echoServer('T:');
  t.after(() => traffic.close());
  const silent = await listenTcp(net.createServer((socket) => socket.on('error', () => socket.destroy())));
  t.after(() => silent.close());
  const started = Date.now();
  const proxy = await edge(t, { routers: route, services: { 'db@file': checked({ port: silent.port, expect: 'OK', timeout: 200 }, traffic.address) } });
  await until('DOWN by timeout', async () => (await serverStatus(proxy.port('traefik')))[traffic.address] === 'DOWN', 2000);
  assert.ok(Date.now() - started < 1500, 'DOWN after the 200 ms timeout, not the 5 s default');
  assert.equal(traffic.connections, 0, 'the probe never touched the traffic port');
  assert.ok(silent.connections > 0);
});

test('connect-only check: a server that refuses connections is DOWN, the other serves every connection', async (t) => {
  const a = await echoServer('A:');
  t.after(() => a.close());
  const dead = await listenTcp(net.createServer());
  await dead.close();
  const proxy = await edge(t, { routers: route, services: { 'db@file': checked({}, a.address, dead.address) } });
  await until('dead DOWN', async () => (await serverStatus(proxy.port('traefik')))[dead.address] === 'DOWN');
  assert.deepEqual(await answers(proxy.port('web'), 3), ['A:x', 'A:x', 'A:x']);
});

test('a tls: true server is probed over TLS with its serversTransport: UP when the transport trusts it, DOWN when not', async (t) => {
  const secure = await tlsEchoServer('backend.test', 'S:');
  t.after(() => secure.close());
  const server = [{ address: secure.address, tls: true }];
  const healthCheck = { interval: 30_000, timeout: 2_000 };
  const proxy = await edge(t, {
    routers: route,
    services: {
      'db@file': { loadBalancer: { servers: server, serversTransport: 'trusting', healthCheck } },
      // On its own entrypoint's router: Traefik builds (and probes) the services routers use.
      'strict@file': { loadBalancer: { servers: server, healthCheck } },
    },
    serversTransports: { 'trusting@file': { dialTimeout: 30_000, dialKeepAlive: 15_000, terminationDelay: 100, tls: { insecureSkipVerify: true, rootCAs: [], certificates: [] } } },
  }, { 'strict-router@file': { rule: 'HostSNI(`*`)', service: 'strict', entryPoints: ['other'] } });
  const api = proxy.port('traefik');
  await until('strict DOWN', async () => (await serverStatus(api, 'strict@file'))[secure.address] === 'DOWN');
  assert.equal((await serverStatus(api))[secure.address], 'UP', 'the trusting transport\'s handshake succeeds');
  assert.deepEqual(await answers(proxy.port('web'), 1), ['S:x']);
  assert.deepEqual(await answers(proxy.port('other'), 1), [''], 'the default transport does not trust the self-signed certificate');
});

test('weighted healthCheck: {}: a child whose servers are all DOWN is skipped; a child without a health check is an error naming it', async (t) => {
  const a = await flippable(t, 'A:', true);
  const b = await flippable(t, 'B:', false);
  const probe = { send: 'PING', expect: 'PONG', interval: 100 };
  const proxy = await edge(t, {
    routers: { ...route, 'plain@file': { rule: 'HostSNI(`*`)', service: 'unchecked', entryPoints: ['web'], priority: 1 } },
    services: {
      'db@file': { weighted: { services: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }], healthCheck: {} } },
      'a@file': checked(probe, a.address),
      'b@file': checked(probe, b.address),
      'unchecked@file': { weighted: { services: [{ name: 'raw', weight: 1 }], healthCheck: {} } },
      'raw@file': { loadBalancer: { servers: [{ address: a.address, tls: false }] } },
    },
  });
  const api = proxy.port('traefik');
  await until('b DOWN', async () => (await serverStatus(api, 'b@file'))[b.address] === 'DOWN');
  assert.deepEqual(await answers(proxy.port('web'), 4), ['A:x', 'A:x', 'A:x', 'A:x']);
  b.state.healthy = true;
  await until('b UP', async () => (await serverStatus(api, 'b@file'))[b.address] === 'UP', 2000);
  assert.deepEqual((await answers(proxy.port('web'), 4)).sort(), ['A:x', 'A:x', 'B:x', 'B:x']);
  const router = (await (await fetch(`http://127.0.0.1:${api}/api/tcp/routers/plain@file`)).json()) as { status: string; error: string[] };
  assert.equal(router.status, 'disabled');
  assert.match(router.error.join(), /cannot register raw as updater for unchecked@file: healthCheck not enabled in config for this weighted service/);
});

test('a reload that keeps the service keeps its checker: a DOWN server stays DOWN and unprobed in between', async (t) => {
  const a = await flippable(t, 'A:', true);
  const b = await flippable(t, 'B:', false);
  const tcp = { routers: route, services: { 'db@file': checked({ send: 'PING', expect: 'PONG', interval: 60_000 }, a.address, b.address) } };
  const proxy = await edge(t, tcp);
  const api = proxy.port('traefik');
  await until('B DOWN', async () => (await serverStatus(api))[b.address] === 'DOWN');
  const probes = b.state.probes;
  proxy.apply({ ...buildInput({ entryPoints: ENTRY_POINTS }), tcp: tcpInput(tcp), api: API });
  assert.deepEqual(await answers(proxy.port('web'), 3), ['A:x', 'A:x', 'A:x']);
  assert.equal(b.state.probes, probes, 'no new probe: the checker and its 60 s interval were carried');
  assert.equal((await serverStatus(api))[b.address], 'DOWN');
});
