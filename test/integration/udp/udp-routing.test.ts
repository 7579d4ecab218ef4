import dgram from 'node:dgram';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeProxy, type BuildInput, type EntryPointOptions } from '../../../proxy/index.js';
import type { UdpSection } from '../../../proxy/udp/udp-section.js';
import { buildInput, entryPointOptions } from '../../support/proxy-fixture.js';
import { answeredBy, startUdpEcho, udpClient, type UdpClient, type UdpEcho } from '../../support/udp-peers.js';

function input(udp: UdpSection, extra: Partial<BuildInput> = {}): BuildInput {
  return { ...buildInput({ entryPoints: { dns: { address: '127.0.0.1:0/udp' } } }), udp, ...extra };
}

/** One UDP service `svc@file` over `servers`, routed from entrypoint `dns`. */
function balanced(...servers: UdpEcho[]): UdpSection {
  return {
    routers: { 'dns@file': { service: 'svc', entryPoints: ['dns'] } },
    services: { 'svc@file': { loadBalancer: { servers: servers.map((s) => ({ address: s.address })) } } },
  };
}

interface Started {
  proxy: EdgeProxy;
  port: number;
  errors: string[];
  client(): Promise<UdpClient>;
}

async function start(t: TestContext, build: BuildInput, options: Partial<EntryPointOptions> = {}, address = '127.0.0.1:0/udp'): Promise<Started> {
  const errors: string[] = [];
  const proxy = new EdgeProxy([entryPointOptions('dns', address, { onUdpError: (_ep, router, err) => errors.push(`${router}: ${err.message}`), ...options })], build);
  await proxy.listen();
  t.after(() => proxy.close(0));
  const port = proxy.port('dns');
  const clients: UdpClient[] = [];
  t.after(() => clients.forEach((c) => c.close()));
  return { proxy, port, errors, client: async () => {
    const c = await udpClient(port);
    clients.push(c);
    return c;
  } };
}

async function echoes(t: TestContext, ...names: string[]): Promise<UdpEcho[]> {
  const started = await Promise.all(names.map((name) => startUdpEcho(name)));
  t.after(() => Promise.all(started.map((s) => s.close())));
  return started;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('UDP echo through pe-edge, balanced over two backends: each new client socket is a session on the next backend', async (t) => {
  const [a, b] = await echoes(t, 'a', 'b');
  const edge = await start(t, input(balanced(a!, b!)));
  const picked: (string | null)[] = [];
  for (let i = 0; i < 4; i++) {
    const answer = await (await edge.client()).ask(`hello ${i}`);
    assert.match(answer?.toString() ?? '', new RegExp(`^[ab]:hello ${i}$`));
    picked.push(answeredBy(answer));
  }
  // The first backend is Traefik's shuffle; from there sessions alternate.
  assert.notEqual(picked[0], picked[1]);
  assert.deepEqual(picked.slice(2), picked.slice(0, 2));
  assert.equal(edge.proxy.runtime.udp.routes.get('dns')?.router, 'dns@file');
});

test('a session keeps its backend across datagrams while another client is balanced elsewhere', async (t) => {
  const [a, b] = await echoes(t, 'a', 'b');
  const edge = await start(t, input(balanced(a!, b!)));
  const first = await edge.client();
  const second = await edge.client();
  const mine = answeredBy(await first.ask('1'));
  const theirs = answeredBy(await second.ask('1'));
  assert.notEqual(mine, theirs);
  for (let i = 2; i <= 6; i++) {
    assert.equal(answeredBy(await first.ask(String(i))), mine);
    assert.equal(answeredBy(await second.ask(String(i))), theirs);
  }
  // One socket towards its backend per session, whatever the number of datagrams.
  assert.equal(a!.peers.length + b!.peers.length, 2);
});

test('a session ends after udp.timeout without datagrams, and the client\'s next datagram is balanced again', async (t) => {
  const [a, b] = await echoes(t, 'a', 'b');
  const edge = await start(t, input(balanced(a!, b!)), { udpTimeout: 400 });
  const client = await edge.client();
  const first = answeredBy(await client.ask('x'));
  // Datagrams every 150 ms keep the session past its 400 ms timeout.
  for (let i = 0; i < 5; i++) {
    await sleep(150);
    assert.equal(answeredBy(await client.ask('still')), first);
  }
  assert.equal(a!.peers.length + b!.peers.length, 1);
  await sleep(600);
  assert.equal(edge.proxy.runtime.udp.routes.size, 1);
  const again = answeredBy(await client.ask('after the timeout'));
  assert.notEqual(again, first, 'a new session goes to the next backend in the rotation');
  assert.equal(a!.peers.length + b!.peers.length, 2);
});

test('replies count as activity: a silent client keeps receiving a backend\'s stream past udp.timeout', async (t) => {
  // A backend that answers one datagram with ten, 100 ms apart: the session sees no client datagram after the first.
  const streaming = dgram.createSocket('udp4');
  streaming.on('message', (_datagram, peer) => {
    for (let i = 1; i <= 10; i++) setTimeout(() => streaming.send(`part ${i}`, peer.port, peer.address), i * 100);
  });
  await new Promise<void>((resolve) => streaming.bind(0, '127.0.0.1', resolve));
  t.after(() => streaming.close());
  const udp: UdpSection = {
    routers: { 'dns@file': { service: 'svc' } },
    services: { 'svc@file': { loadBalancer: { servers: [{ address: `127.0.0.1:${streaming.address().port}` }] } } },
  };
  const edge = await start(t, input(udp), { udpTimeout: 300 });
  const client = dgram.createSocket('udp4');
  t.after(() => client.close());
  const parts: string[] = [];
  client.on('message', (datagram) => parts.push(datagram.toString()));
  client.send('start', edge.port, '127.0.0.1');
  await sleep(1300);
  assert.equal(parts.length, 10, `every part of a 1 s stream arrives through a session with a 300 ms timeout (got ${parts.join(', ')})`);
});

test('weighted services: weights 3 and 1 over nested load balancers share eight sessions as Traefik\'s UDP WRR does', async (t) => {
  const [a1, a2, b] = await echoes(t, 'a1', 'a2', 'b');
  const udp: UdpSection = {
    routers: { 'to-whoami@file': { service: 'whoami', entryPoints: ['dns'] } },
    services: {
      'whoami@file': { weighted: { services: [{ name: 'whoami-a', weight: 3 }, { name: 'whoami-b', weight: 1 }] } },
      'whoami-a@file': { loadBalancer: { servers: [{ address: a1!.address }, { address: a2!.address }] } },
      'whoami-b@file': { loadBalancer: { servers: [{ address: b!.address }] } },
    },
  };
  const edge = await start(t, input(udp));
  const calls: Record<string, number> = {};
  for (let i = 0; i < 8; i++) {
    const who = answeredBy(await (await edge.client()).ask('WHO')) ?? 'none';
    calls[who] = (calls[who] ?? 0) + 1;
  }
  // Traefik's integration test (udp_test.go TestWRR) expects exactly this split.
  assert.deepEqual(calls, { a1: 3, a2: 3, b: 2 });
});

test('a reload replaces the routing without closing the socket: a live session keeps its backend, new sessions take the new service', async (t) => {
  const [a, c] = await echoes(t, 'a', 'c');
  const edge = await start(t, input(balanced(a!)), { udpTimeout: 2000 });
  const live = await edge.client();
  assert.equal((await live.ask('before'))?.toString(), 'a:before');
  await edge.proxy.update(input(balanced(c!)));
  assert.equal(edge.proxy.port('dns'), edge.port);
  assert.equal((await live.ask('after'))?.toString(), 'a:after', 'the session opened before the reload keeps its backend');
  assert.equal((await (await edge.client()).ask('new'))?.toString(), 'c:new');
});

test('a backend that is down (ICMP port unreachable) ends its session with an error line; nothing crashes and the next session works', async (t) => {
  const [up] = await echoes(t, 'up');
  const down = await startUdpEcho('down');
  await down.close();
  const edge = await start(t, input(balanced(down)));
  const client = await edge.client();
  assert.equal(await client.ask('anyone?', 300), null);
  await sleep(50);
  assert.equal(edge.errors.length, 1);
  assert.match(edge.errors[0] ?? '', new RegExp(`^dns@file: Error while handling UDP stream to 127\\.0\\.0\\.1:${down.port}: .*ECONNREFUSED`));
  await edge.proxy.update(input(balanced(up!)));
  // The refused session is gone: the same client's next datagram is a new session, on the new service.
  assert.equal((await client.ask('now?'))?.toString(), 'up:now?');
});

test('a server at port 0 (which dgram will not dial: it throws) fails each session with an error line, not the process; the client is served after a reload', async (t) => {
  const [up] = await echoes(t, 'up');
  const portZero: UdpSection = {
    routers: { 'dns@file': { service: 'svc', entryPoints: ['dns'] } },
    services: { 'svc@file': { loadBalancer: { servers: [{ address: '127.0.0.1:0' }, { address: 'localhost:0' }] } } },
  };
  const edge = await start(t, input(portZero));
  const client = await edge.client();
  // The first through the IP path, the second through a name looked up first; both used to throw out of the datagram handler.
  assert.equal(await client.ask('one', 200), null);
  const second = await edge.client();
  assert.equal(await second.ask('two', 200), null);
  assert.deepEqual(edge.errors.map((e) => e.replace(/: Port should be .*/, '')).sort(), [
    'dns@file: Error while handling UDP stream to 127.0.0.1:0',
    'dns@file: Error while handling UDP stream to localhost:0',
  ]);
  // A session that failed at once is not kept in the table, where it would swallow this client's datagrams for ever.
  await edge.proxy.update(input(balanced(up!)));
  assert.equal((await client.ask('now?'))?.toString(), 'up:now?');
});

test('a 60,000-byte datagram is relayed whole both ways (Traefik reads up to 65,535 bytes)', async (t) => {
  const [a] = await echoes(t, 'a');
  const edge = await start(t, input(balanced(a!)));
  const payload = Buffer.alloc(60_000, 'z');
  const answer = await (await edge.client()).ask(payload);
  assert.equal(answer?.length, 'a:'.length + payload.length);
  assert.ok(answer?.subarray(2).equals(payload));
});

test('several routers on one UDP entrypoint: the last by name serves, with Traefik\'s warning', async (t) => {
  const [a, b] = await echoes(t, 'a', 'b');
  const udp: UdpSection = {
    routers: { 'alpha@file': { service: 'sa', entryPoints: ['dns'] }, 'beta@file': { service: 'sb' }, 'gamma@file': { service: 'missing' } },
    services: { 'sa@file': { loadBalancer: { servers: [{ address: a!.address }] } }, 'sb@file': { loadBalancer: { servers: [{ address: b!.address }] } } },
  };
  const edge = await start(t, input(udp));
  assert.equal((await (await edge.client()).ask('q'))?.toString(), 'b:q');
  const routing = edge.proxy.runtime.udp;
  assert.deepEqual(routing.logs, [{ level: 'warn', message: 'entryPoint "dns": Config has more than one udp router for a given entrypoint.' }]);
  assert.equal(routing.status.get('router', 'gamma@file')?.status, 'disabled');
  assert.equal(routing.status.get('router', 'alpha@file')?.status, 'enabled');
});

test('no router on a UDP entrypoint: datagrams are dropped, and a service without servers reports "no servers in the pool"', async (t) => {
  const edge = await start(t, input({ routers: {}, services: {} }));
  assert.equal(await (await edge.client()).ask('nobody', 200), null);
  assert.deepEqual(edge.errors, []);
  await edge.proxy.update(input({ routers: { 'r@file': { service: 'empty' } }, services: { 'empty@file': { loadBalancer: { servers: [] } } } }));
  assert.equal(await (await edge.client()).ask('nobody', 200), null);
  assert.deepEqual(edge.errors, ['r@file: Error during load balancing: no servers in the pool']);
});

test('IPv6: an entrypoint on [::1] relays to an IPv6 backend, and one without a host takes IPv4 clients too', async (t) => {
  let echo6: UdpEcho;
  try {
    echo6 = await startUdpEcho('v6', '::1');
  } catch (err) {
    t.skip(`no IPv6 loopback here: ${(err as Error).message}`);
    return;
  }
  t.after(() => echo6.close());
  const six = await start(t, input(balanced(echo6), { entryPoints: { dns: { address: '[::1]:0/udp' } } }), {}, '[::1]:0/udp');
  const client6 = await udpClient(six.port, '::1');
  t.after(() => client6.close());
  assert.equal((await client6.ask('over v6'))?.toString(), 'v6:over v6');

  const [v4] = await echoes(t, 'v4');
  const any = await start(t, input(balanced(v4!), { entryPoints: { dns: { address: ':0/udp' } } }), {}, ':0/udp');
  const client4 = await udpClient(any.port, '127.0.0.1');
  t.after(() => client4.close());
  assert.equal((await client4.ask('over v4'))?.toString(), 'v4:over v4');
});

test('an entrypoint on a host name listens on its IPv4 address, as Go does', async (t) => {
  const [a] = await echoes(t, 'a');
  const edge = await start(t, input(balanced(a!), { entryPoints: { dns: { address: 'localhost:0/udp' } } }), {}, 'localhost:0/udp');
  assert.equal((await (await edge.client()).ask('by name'))?.toString(), 'a:by name');
});

test('shutdown closes the UDP socket and every session', async (t) => {
  const [a] = await echoes(t, 'a');
  const edge = await start(t, input(balanced(a!)), { udpTimeout: 60_000 });
  const client = await edge.client();
  assert.equal((await client.ask('hi'))?.toString(), 'a:hi');
  await edge.proxy.close(0);
  assert.equal(await client.ask('still there?', 200), null);
  assert.equal(edge.proxy.port('dns'), 0);
});

test('a full session table drops new clients\' datagrams with one error line, keeps serving open sessions, and takes new clients once sessions end', async (t) => {
  const [a] = await echoes(t, 'a');
  const edge = await start(t, input(balanced(a!)), { udpTimeout: 1500, udpMaxSessions: 3 });
  const open = await Promise.all([edge.client(), edge.client(), edge.client()]);
  for (const c of open) assert.equal((await c.ask('hi'))?.toString(), 'a:hi');
  const late = await edge.client();
  assert.equal(await late.ask('over the limit', 300), null, 'a fourth client gets no answer while three sessions are open');
  const other = await edge.client();
  assert.equal(await other.ask('also over', 300), null);
  const full = edge.errors.filter((e) => e.includes('UDP sessions are open'));
  assert.equal(full.length, 1, `told once: ${edge.errors.join(' | ')}`);
  assert.match(full[0] ?? '', /3 UDP sessions are open, the most one entrypoint keeps/);
  assert.equal((await open[0]!.ask('still here'))?.toString(), 'a:still here', 'an open session keeps its server');
  // The sessions end 1.5 s after their last datagram; then a new client is served.
  await sleep(2500);
  assert.equal((await late.ask('after the timeout'))?.toString(), 'a:after the timeout');
});

test('a UDP server whose address does not split is left out with Go\'s reason; the others serve', async (t) => {
  const [a] = await echoes(t, 'a');
  const udp: UdpSection = {
    routers: { 'dns@file': { service: 'mixed' } },
    services: { 'mixed@file': { loadBalancer: { servers: [{ address: a!.address }, { address: '10.0.0.2' }, { address: '[::1]x:53' }, { address: 'host:99999' }] } } },
  };
  const edge = await start(t, input(udp));
  for (let i = 0; i < 3; i++) assert.equal((await (await edge.client()).ask('q'))?.toString(), 'a:q');
  // The server index is its place after the balancer's shuffle: only the address and the reason are fixed.
  const messages = edge.proxy.runtime.udp.logs.map((l) => `${l.level} ${l.message.replace(/server \d+ /, 'server N ')}`).sort();
  assert.deepEqual(messages, [
    'error UDP service "mixed@file", server N (10.0.0.2): Failed to split host port: address 10.0.0.2: missing port in address',
    'error UDP service "mixed@file", server N ([::1]x:53): Failed to split host port: address [::1]x:53: missing port in address',
    'error UDP service "mixed@file", server N (host:99999): Failed to split host port: address host:99999: invalid port "99999"',
  ]);
});
