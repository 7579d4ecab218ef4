import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { startBackend } from '../../support/backends.js';
import { httpsRequest } from '../../support/tls-clients.js';
import { certificateFor, connectPlain, connectTls, echoServer, exchange, firstData, halfCloseExchange, lateAnswerer, listenTcp, tcpInput, tlsEchoServer, type TcpBackend } from '../../support/tcp-backends.js';
import type { BuildInput } from '../../../proxy/index.js';
import type { TcpBuildInput } from '../../../proxy/tcp/tcp-build.js';
import { POSTGRES_SSL_REQUEST } from '../../../proxy/tcp/postgres-starttls.js';
import { readProxyHeader } from '../../../proxy/entrypoints/proxy-protocol/header.js';

// TCP routers through the real entrypoint, against real TCP and TLS servers on loopback.

type After = { after: (fn: () => Promise<void> | void) => void };

function withTcp(input: BuildInput, tcp: Partial<TcpBuildInput>): BuildInput {
  return { ...input, tcp: tcpInput(tcp) };
}

async function backend(t: After, started: Promise<TcpBackend>): Promise<TcpBackend> {
  const b = await started;
  t.after(() => b.close());
  return b;
}

async function edge(t: After, input: BuildInput) {
  const proxy = await startProxy(input);
  t.after(() => proxy.close(0));
  return proxy;
}

const lb = (...addresses: string[]) => ({ loadBalancer: { servers: addresses.map((address) => ({ address, tls: false })) } });

test('HostSNI(`*`) on a dedicated entrypoint: a server that speaks first is reached before the client sends a byte', async (t) => {
  const db = await backend(t, echoServer('echo:', 'HELLO from server\r\n'));
  const proxy = await edge(t, withTcp(buildInput({ entryPoints: { db: { address: '127.0.0.1:0' } } }), {
    routers: { 'db@file': { rule: 'HostSNI(`*`)', service: 'db', entryPoints: ['db'] } },
    services: { 'db@file': lb(db.address) },
  }));
  const client = await connectPlain(proxy.port('db'));
  t.after(() => client.destroy());
  assert.equal(await firstData(client), 'HELLO from server\r\n');
  client.write('ping');
  assert.equal(await firstData(client), 'echo:ping');
});

test('TLS passthrough: the client sees the backend\'s own certificate and talks to it end to end', async (t) => {
  const secure = await backend(t, tlsEchoServer('backend.test', 'tls-echo:'));
  const proxy = await edge(t, withTcp(buildInput(), {
    routers: { 'pass@file': { rule: 'HostSNI(`backend.test`)', service: 'secure', tls: { passthrough: true } } },
    services: { 'secure@file': lb(secure.address) },
  }));
  const client = await connectTls(proxy.port('web'), 'backend.test');
  t.after(() => client.destroy());
  const seen = client.getPeerX509Certificate();
  assert.ok(seen !== undefined && seen.fingerprint256 === new X509Certificate((secure as TcpBackend & { cert: string }).cert).fingerprint256);
  client.write('hi');
  assert.equal(await firstData(client), 'tls-echo:hi');
});

test('TLS termination routes by SNI to two plain TCP backends, with the TLS store\'s certificates', async (t) => {
  const a = await backend(t, echoServer('A:'));
  const b = await backend(t, echoServer('B:'));
  const certA = certificateFor('a.test');
  const certB = certificateFor('b.test');
  const proxy = await edge(t, withTcp(buildInput({ tls: { certificates: [{ certFile: certA.cert, keyFile: certA.key }, { certFile: certB.cert, keyFile: certB.key }], options: {}, stores: {} } }), {
    routers: {
      'a@file': { rule: 'HostSNI(`a.test`)', service: 'a', tls: { passthrough: false } },
      'b@file': { rule: 'HostSNI(`b.test`)', service: 'b', tls: { passthrough: false } },
    },
    services: { 'a@file': lb(a.address), 'b@file': lb(b.address) },
  }));
  for (const [name, prefix, cert] of [['a.test', 'A:', certA.cert], ['b.test', 'B:', certB.cert]] as const) {
    const client = await connectTls(proxy.port('web'), name);
    t.after(() => client.destroy());
    assert.equal(client.getPeerX509Certificate()?.fingerprint256, new X509Certificate(cert).fingerprint256, `${name} gets its certificate`);
    client.write('x');
    assert.equal(await firstData(client), `${prefix}x`);
  }
  // Another SNI matches no TCP router: the HTTPS handler answers (a 404 over the default certificate).
  const other = await httpsRequest({ port: proxy.port('web'), servername: 'c.test', path: '/' });
  assert.equal(other.status, 404);
});

test('HTTP and TCP routers on one entrypoint: HTTPS still reaches its HTTP router while another SNI goes to TCP', async (t) => {
  const db = await backend(t, tlsEchoServer('db.test', 'db:'));
  const web = await startBackend('web', (_req, res) => res.end('from http'));
  t.after(() => web.close());
  const proxy = await edge(t, withTcp(buildInput({
    http: {
      routers: { 'web@file': { rule: 'Host(`web.test`)', service: 'web', tls: {} } },
      services: { 'web@file': { loadBalancer: { servers: [{ url: web.url }] } } },
    },
  }), {
    routers: { 'db@file': { rule: 'HostSNI(`db.test`)', service: 'db', tls: { passthrough: true } } },
    services: { 'db@file': lb(db.address) },
  }));
  const https = await httpsRequest({ port: proxy.port('web'), servername: 'web.test', host: 'web.test', path: '/' });
  assert.equal(https.status, 200);
  assert.equal(https.body, 'from http');
  const client = await connectTls(proxy.port('web'), 'db.test');
  t.after(() => client.destroy());
  client.write('q');
  assert.equal(await firstData(client), 'db:q');
});

test('ipAllowList closes a connection from outside its sourceRange before the server is dialled', async (t) => {
  const db = await backend(t, echoServer('echo:'));
  const proxy = await edge(t, withTcp(buildInput(), {
    routers: {
      'db@file': { rule: 'HostSNI(`*`)', service: 'db', middlewares: ['only-lan'] },
    },
    services: { 'db@file': lb(db.address) },
    middlewares: { 'only-lan@file': { ipAllowList: { sourceRange: ['10.0.0.0/8'] } } },
  }));
  const client = await connectPlain(proxy.port('web'));
  const result = await exchange(client, 'ping');
  assert.deepEqual(result, { data: '', closed: true });
  assert.equal(db.connections, 0);
});

test('inFlightConn: a client over `amount` open connections is closed, and served again once one closes', async (t) => {
  const db = await backend(t, echoServer('echo:'));
  const proxy = await edge(t, withTcp(buildInput(), {
    routers: { 'db@file': { rule: 'HostSNI(`*`)', service: 'db', middlewares: ['one'] } },
    services: { 'db@file': lb(db.address) },
    middlewares: { 'one@file': { inFlightConn: { amount: 1 } } },
  }));
  const first = await connectPlain(proxy.port('web'));
  first.write('1');
  assert.equal(await firstData(first), 'echo:1');
  const second = await connectPlain(proxy.port('web'));
  assert.deepEqual(await exchange(second, '2'), { data: '', closed: true });
  first.destroy();
  await new Promise((r) => setTimeout(r, 100));
  const third = await connectPlain(proxy.port('web'));
  t.after(() => third.destroy());
  third.write('3');
  assert.equal(await firstData(third), 'echo:3');
});

test('a reload keeps an open TCP connection on its server; new connections follow the new configuration', async (t) => {
  const before = await backend(t, echoServer('old:'));
  const after = await backend(t, echoServer('new:'));
  const config = (address: string) => withTcp(buildInput(), {
    routers: { 'db@file': { rule: 'HostSNI(`*`)', service: 'db' } },
    services: { 'db@file': lb(address) },
  });
  const proxy = await edge(t, config(before.address));
  const open = await connectPlain(proxy.port('web'));
  t.after(() => open.destroy());
  open.write('a');
  assert.equal(await firstData(open), 'old:a');
  proxy.apply(config(after.address));
  open.write('b');
  assert.equal(await firstData(open), 'old:b', 'the connection opened before the reload still reaches its server');
  const fresh = await connectPlain(proxy.port('web'));
  t.after(() => fresh.destroy());
  fresh.write('c');
  assert.equal(await firstData(fresh), 'new:c');
});

test('a server refusing the connection closes the client\'s (no other server is tried, as Traefik)', async (t) => {
  const dead = await listenTcp(net.createServer());
  const address = dead.address;
  await dead.close();
  const proxy = await edge(t, withTcp(buildInput(), {
    routers: { 'db@file': { rule: 'HostSNI(`*`)', service: 'db' } },
    services: { 'db@file': lb(address) },
  }));
  const client = await connectPlain(proxy.port('web'));
  assert.deepEqual(await exchange(client, 'ping'), { data: '', closed: true });
});

test('terminationDelay: after the client half-closes, the server\'s answer still flows for the delay, then both close', async (t) => {
  const server = await backend(t, lateAnswerer());
  const proxy = await edge(t, withTcp(buildInput(), {
    routers: { 'db@file': { rule: 'HostSNI(`*`)', service: 'db' } },
    services: { 'db@file': { loadBalancer: { servers: [{ address: server.address, tls: false }], serversTransport: 'short' } } },
    serversTransports: { 'short@file': { dialTimeout: 30_000, dialKeepAlive: 15_000, terminationDelay: 200 } },
  }));
  const { data, closed, took } = await halfCloseExchange(proxy.port('web'));
  assert.equal(data, 'soon;', 'what the server sent within the delay arrives, what it sent after does not');
  assert.ok(closed && took < 550, 'the connection is closed once the delay is over');
});

test('the API lists TCP routers, services and middlewares as Traefik does, and counts them in the overview', async (t) => {
  const db = await backend(t, echoServer('echo:'));
  const input = withTcp(buildInput({ entryPoints: { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } } }), {
    routers: {
      'db@file': { rule: 'HostSNI(`*`)', service: 'db', entryPoints: ['web'] },
      'bad@file': { rule: 'HostSNI(`x.test`)', service: 'db', entryPoints: ['web'] },
    },
    services: { 'db@file': lb(db.address) },
  });
  const proxy = await edge(t, { ...input, api: { insecure: true, version: 'test', startDate: '', entryPoints: {}, features: { tracing: '', metrics: '', accessLog: false }, providers: ['File'] } });
  const base = `http://127.0.0.1:${proxy.port('traefik')}/api`;
  const routers = (await (await fetch(`${base}/tcp/routers`)).json()) as { name: string; status: string; priority: number; error?: string[] }[];
  assert.deepEqual(routers.map((r) => [r.name, r.status, r.priority]), [['bad@file', 'disabled', 17], ['db@file', 'enabled', -1]]);
  assert.match(routers[0]?.error?.[0] ?? '', /has HostSNI matcher, but no TLS on router/);
  const service = (await (await fetch(`${base}/tcp/services/db@file`)).json()) as { usedBy: string[]; serverStatus: Record<string, string>; type: string };
  assert.deepEqual([service.type, service.usedBy, service.serverStatus], ['loadbalancer', ['db@file'], { [db.address]: 'UP' }]);
  const overview = (await (await fetch(`${base}/overview`)).json()) as { tcp: { routers: { total: number; errors: number } } };
  assert.deepEqual(overview.tcp.routers, { total: 2, warnings: 0, errors: 1 });
  const raw = (await (await fetch(`${base}/rawdata`)).json()) as Record<string, unknown>;
  assert.ok('tcpRouters' in raw && 'tcpServices' in raw);
});

test('serversTransport proxyProtocol: the server reads a PROXY header naming the client before the client\'s bytes', async (t) => {
  for (const version of [1, 2] as const) {
    let received = Buffer.alloc(0);
    const server = await backend(t, listenTcp(net.createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.includes('hello')) socket.end('ok');
      });
    })));
    const proxy = await edge(t, withTcp(buildInput(), {
      routers: { 'db@file': { rule: 'HostSNI(`*`)', service: 'db' } },
      services: { 'db@file': { loadBalancer: { servers: [{ address: server.address, tls: false }], serversTransport: 'pp' } } },
      serversTransports: { 'pp@file': { dialTimeout: 30_000, dialKeepAlive: 15_000, terminationDelay: 100, proxyProtocol: { version } } },
    }));
    const client = await connectPlain(proxy.port('web'));
    const clientPort = client.localPort;
    const { data } = await exchange(client, 'hello');
    assert.equal(data, 'ok');
    const parsed = readProxyHeader(received);
    assert.ok(typeof parsed === 'object' && 'length' in parsed, `v${version} header parsed`);
    assert.deepEqual(parsed.source, { address: '127.0.0.1', port: clientPort, family: 'IPv4' });
    assert.equal(received.subarray(parsed.length).toString(), 'hello');
    if (version === 1) assert.match(received.toString('latin1'), /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r\n/);
  }
});

test('Postgres STARTTLS: the SSLRequest is answered, the ClientHello routes by SNI, and a passthrough server is asked for TLS itself', async (t) => {
  const { cert, key } = certificateFor('pg.test');
  let serverGotRequest = false;
  // A Postgres-like server: answers the SSLRequest with S, then speaks TLS and echoes.
  const pg = await backend(t, listenTcp(net.createServer((socket) => {
    socket.once('data', (first: Buffer) => {
      serverGotRequest = first.equals(POSTGRES_SSL_REQUEST);
      socket.write('S');
      const secure = new tls.TLSSocket(socket, { isServer: true, cert, key });
      secure.on('data', (chunk: Buffer) => secure.write(Buffer.concat([Buffer.from('pg:'), chunk])));
      secure.on('error', () => socket.destroy());
    });
  })));
  const proxy = await edge(t, withTcp(buildInput(), {
    routers: { 'pg@file': { rule: 'HostSNI(`pg.test`)', service: 'pg', tls: { passthrough: true } } },
    services: { 'pg@file': lb(pg.address) },
  }));
  const raw = await connectPlain(proxy.port('web'));
  t.after(() => raw.destroy());
  raw.write(POSTGRES_SSL_REQUEST);
  assert.equal(await firstData(raw), 'S');
  const secure = tls.connect({ socket: raw, servername: 'pg.test', rejectUnauthorized: false });
  await new Promise((r, j) => secure.once('secureConnect', r).once('error', j));
  assert.equal(secure.getPeerX509Certificate()?.fingerprint256, new X509Certificate(cert).fingerprint256);
  secure.write('select 1');
  assert.equal(await firstData(secure), 'pg:select 1');
  assert.equal(serverGotRequest, true);
});

test('a TCP server whose address is not host:port is left out with Go\'s reason (service marked warning); the others serve', async (t) => {
  const db = await backend(t, echoServer('echo:'));
  const proxy = await edge(t, withTcp(buildInput({ entryPoints: { db: { address: '127.0.0.1:0' } } }), {
    routers: { 'db@file': { rule: 'HostSNI(`*`)', service: 'db', entryPoints: ['db'] } },
    services: { 'db@file': lb(db.address, '10.0.0.2', '::1:5432') },
  }));
  const client = await connectPlain(proxy.port('db'));
  t.after(() => client.destroy());
  client.write('ping');
  assert.equal(await firstData(client), 'echo:ping');
  const service = proxy.runtime.tcp.status.get('service', 'db@file');
  assert.equal(service?.status, 'warning');
  assert.deepEqual(service?.errors, [
    'server address "10.0.0.2" is not host:port (missing port in address); the server is left out',
    'server address "::1:5432" is not host:port (too many colons in address); the server is left out',
  ]);
});

test('TLS passthrough HostSNI(`*`): a ClientHello the sniff cannot read (over 16 KiB, or malformed) is still passed through, as Traefik routes it without SNI', async (t) => {
  const secure = await tlsEchoServer('backend.test', 'tls-echo:');
  t.after(() => secure.close());
  const raw = await backend(t, echoServer('raw:'));
  const proxy = await edge(t, withTcp(buildInput({ entryPoints: { web: { address: '127.0.0.1:0' }, raw: { address: '127.0.0.1:0' } } }), {
    routers: {
      'pass@file': { rule: 'HostSNI(`*`)', service: 'secure', tls: { passthrough: true }, entryPoints: ['web'] },
      'raw@file': { rule: 'HostSNI(`*`)', service: 'raw', tls: { passthrough: true }, entryPoints: ['raw'] },
    },
    services: { 'secure@file': lb(secure.address), 'raw@file': lb(raw.address) },
  }));
  // A real client whose hello spans two TLS records (a 22 KB ALPN list): the backend's own certificate answers.
  const big = await connectTls(proxy.port('web'), 'backend.test', { ALPNProtocols: Array.from({ length: 1500 }, (_, i) => `proto-${i}-xxxx`) });
  t.after(() => big.destroy());
  assert.equal(big.getPeerX509Certificate()?.fingerprint256, new X509Certificate(secure.cert).fingerprint256, 'the backend, not pe-edge, answered the handshake');
  big.write('hi');
  assert.equal(await firstData(big), 'tls-echo:hi');
  // A handshake record whose ClientHello body is cut short reaches the server as sent.
  const broken = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]);
  const client = await connectPlain(proxy.port('raw'));
  t.after(() => client.destroy());
  client.write(broken);
  assert.equal(await firstData(client), `raw:${broken.toString('latin1')}`);
});
