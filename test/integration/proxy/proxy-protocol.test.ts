import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import type { RequestContext } from '../../../proxy/http/request-context.js';
import type { ProxyProtocolOptions } from '../../../proxy/entrypoints/proxy-protocol/proxied-peer.js';

// entryPoints.web.proxyProtocol through the real proxy: raw loopback sockets send PROXY v1/v2 headers before HTTP,
// before a TLS ClientHello and before HTTP/2; the backend reports the X-Forwarded-For / X-Real-Ip it received.

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const v1 = (source: string, port = 40000): Buffer => Buffer.from(`PROXY TCP4 ${source} 127.0.0.1 ${port} 80\r\n`, 'latin1');

function v2Ipv6(source: string, command = 0x21): Buffer {
  const groups = source.split(':');
  const gap = 8 - groups.filter((g) => g !== '').length;
  const words = groups.flatMap((g, i) => (g === '' ? (i === groups.indexOf('') ? Array<string>(gap).fill('0') : []) : [g]));
  const addr = Buffer.alloc(36);
  words.forEach((w, i) => addr.writeUInt16BE(parseInt(w, 16), i * 2));
  addr[31] = 1;
  addr.writeUInt16BE(51000, 32);
  addr.writeUInt16BE(443, 34);
  // One TLV (PP2_TYPE_NOOP, 3 bytes) to be skipped.
  const tlv = Buffer.from([0x04, 0x00, 0x03, 1, 2, 3]);
  const head = Buffer.from([command, 0x21, 0, 0]);
  head.writeUInt16BE(addr.length + tlv.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, addr, tlv]);
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, proxyProtocol: ProxyProtocolOptions | null, extra: { readTimeout?: number; allow?: string[]; onDone?: (ctx: RequestContext) => void } = {}) {
  const backend = await startBackend('app', (req, res) => {
    const body = `${String(req.headers['x-forwarded-for'])}|${String(req.headers['x-real-ip'])}`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  t.after(() => backend.close());
  const middlewares = extra.allow === undefined ? undefined : ['allow@file'];
  const input = buildInput({
    http: {
      routers: {
        'plain@file': { rule: 'PathPrefix(`/`)', service: 'app', ...(middlewares !== undefined ? { middlewares } : {}) },
        'secure@file': { rule: 'PathPrefix(`/`)', service: 'app', tls: {}, ...(middlewares !== undefined ? { middlewares } : {}) },
      },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: extra.allow === undefined ? {} : { 'allow@file': { ipAllowList: { sourceRange: extra.allow } } },
    },
  });
  const proxy = await startProxy(input, [entryPointOptions('web', '127.0.0.1:0', { proxyProtocol, onDone: extra.onDone ?? null, ...(extra.readTimeout !== undefined ? { readTimeout: extra.readTimeout } : {}) })]);
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

/** Sends `header`, then a plain HTTP/1.1 request; resolves with the raw answer ('' when the connection closed first). */
function plainExchange(port: number, header: Buffer, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([header, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`)]));
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

const bodyOf = (answer: string): string => answer.slice(answer.indexOf('\r\n\r\n') + 4);
const statusOf = (answer: string): number => Number(answer.slice(9, 12));

/** A TCP socket that has sent `header`, for TLS to run over. */
function withHeader(port: number, header: Buffer): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(header);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function tlsExchange(port: number, header: Buffer): Promise<string> {
  const raw = await withHeader(port, header);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ socket: raw, servername: 'a.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      socket.write('GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

async function h2Exchange(port: number, header: Buffer): Promise<string> {
  const raw = await withHeader(port, header);
  const session = http2.connect('https://a.test', {
    createConnection: () => tls.connect({ socket: raw, servername: 'a.test', rejectUnauthorized: false, ALPNProtocols: ['h2'] }),
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ':path': '/' });
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (body += c));
      stream.on('end', () => resolve(body));
      stream.on('error', reject);
      session.on('error', reject);
    });
  } finally {
    session.close();
  }
}

/** h2c (prior knowledge) on a connection that starts with `header`; the stream's body. */
async function h2cExchange(port: number, header: Buffer): Promise<string> {
  const raw = await withHeader(port, header);
  const session = http2.connect('http://a.test', { createConnection: () => raw });
  try {
    return await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ':path': '/' });
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (body += c));
      stream.on('end', () => resolve(body));
      stream.on('error', reject);
      session.on('error', reject);
    });
  } finally {
    session.close();
  }
}

const TRUST_LOOPBACK = { insecure: false, trustedIPs: ['127.0.0.1'] };
const TRUST_ELSEWHERE = { insecure: false, trustedIPs: ['10.0.0.0/8', '192.168.0.0/16'] };

test('v1 from a trusted peer: the backend sees the header\'s client in X-Forwarded-For and X-Real-Ip', async (t) => {
  const port = await setup(t, TRUST_LOOPBACK);
  assert.equal(bodyOf(await plainExchange(port, v1('203.0.113.7'))), '203.0.113.7|203.0.113.7');
});

test('v2 (IPv6, a TLV skipped) from a trusted peer in a CIDR', async (t) => {
  const port = await setup(t, { insecure: false, trustedIPs: ['127.0.0.0/8'] });
  assert.equal(bodyOf(await plainExchange(port, v2Ipv6('2001:db8::5'))), '2001:db8::5|2001:db8::5');
});

test('v2 LOCAL: the peer stays the client, the request is served', async (t) => {
  const port = await setup(t, TRUST_LOOPBACK);
  assert.equal(bodyOf(await plainExchange(port, v2Ipv6('2001:db8::5', 0x20))), '127.0.0.1|127.0.0.1');
});

test('insecure: any peer\'s header is used', async (t) => {
  const port = await setup(t, { insecure: true, trustedIPs: [] });
  assert.equal(bodyOf(await plainExchange(port, v1('198.51.100.2'))), '198.51.100.2|198.51.100.2');
});

test('an untrusted peer\'s header is read and ignored (Traefik: go-proxyproto IGNORE); the request is served', async (t) => {
  const port = await setup(t, TRUST_ELSEWHERE);
  const answer = await plainExchange(port, v1('203.0.113.7'));
  assert.equal(statusOf(answer), 200);
  assert.equal(bodyOf(answer), '127.0.0.1|127.0.0.1');
});

test('a trusted peer without a header is served with its own address', async (t) => {
  const port = await setup(t, TRUST_LOOPBACK);
  assert.equal(bodyOf(await plainExchange(port, Buffer.alloc(0))), '127.0.0.1|127.0.0.1');
});

test('malformed headers close the connection without an answer, from trusted and untrusted peers', async (t) => {
  const trusted = await setup(t, TRUST_LOOPBACK);
  const untrusted = await setup(t, TRUST_ELSEWHERE);
  const bad = [
    'PROXY TCP4 203.0.113.7 127.0.0.1 40000\r\n',
    'PROXY TCP4 2001:db8::1 127.0.0.1 40000 80\r\n',
    'PROXY TCP4 203.0.113.7 127.0.0.1 70000 80\r\n',
    'PROXY TCP9 203.0.113.7 127.0.0.1 1 80\r\n',
    'PROXY TCP4 203.0.113.7 127.0.0.1 1 80\n',
    `PROXY ${'x'.repeat(120)}\r\n`,
  ].map((s) => Buffer.from(s, 'latin1'));
  const badV2 = v2Ipv6('2001:db8::5');
  badV2[12] = 0x22;
  for (const port of [trusted, untrusted]) {
    for (const header of [...bad, badV2]) assert.equal(await plainExchange(port, header), '', header.toString('latin1'));
  }
});

test('a header not whole within readTimeout closes the connection', async (t) => {
  const port = await setup(t, TRUST_LOOPBACK, { readTimeout: 300 });
  const started = Date.now();
  const closed = await new Promise<string>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PROXY TCP4 203.0.'));
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', () => undefined);
  });
  assert.equal(closed, '');
  const took = Date.now() - started;
  assert.ok(took >= 250 && took < 5000, `closed after ${took} ms`);
});

/** Connects, writes `bytes` (maybe none), and resolves with what came back and when the connection closed (or 'open' at `giveUpMs`). */
function closedAfter(port: number, bytes: string, giveUpMs: number): Promise<{ got: string; ms: number | 'open' }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => {
      if (bytes !== '') socket.write(bytes);
    });
    let got = '';
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve({ got, ms: 'open' });
    }, giveUpMs);
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ got, ms: Date.now() - started });
    });
    socket.on('error', () => undefined);
  });
}

test('readTimeout 0: a peer that sends half a header, or none, is closed after go-proxyproto\'s default 10 s, not held for ever (Traefik passes "no timeout")', { timeout: 30_000 }, async (t) => {
  const port = await setup(t, TRUST_LOOPBACK, { readTimeout: 0 });
  const [half, silent] = await Promise.all([closedAfter(port, 'PROXY TCP4 203.0.', 15_000), closedAfter(port, '', 15_000)]);
  for (const [what, closed] of [['half a header', half], ['no byte', silent]] as const) {
    assert.equal(closed.got, '', `${what}: closed without an answer`);
    assert.ok(closed.ms !== 'open' && closed.ms >= 9_500 && closed.ms < 13_000, `${what}: closed after ${closed.ms} ms`);
  }
  // A whole header after a pause shorter than the bound is still served.
  const answer = await new Promise<string>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('PROXY TCP4 203.0.');
      setTimeout(() => socket.write('113.9 127.0.0.1 40000 80\r\nGET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'), 500);
    });
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', () => undefined);
  });
  assert.equal(bodyOf(answer), '203.0.113.9|203.0.113.9');
});

/** Everything the server sent until it closed, for `pieces` written 30 ms apart (the first after `firstDelay` ms). */
function sentInPieces(port: number, pieces: string[], firstDelay: number): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const send = (): void => {
        const piece = pieces.shift();
        if (piece === undefined) return;
        socket.write(piece);
        setTimeout(send, 30);
      };
      setTimeout(send, firstDelay);
    });
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', () => undefined);
  });
}

test('a header sent in pieces is put together (it may straddle TCP segments) and the request after it is served', async (t) => {
  const port = await setup(t, TRUST_LOOPBACK, { readTimeout: 2000 });
  const answer = await sentInPieces(port, ['PROXY TCP4 203.0.', '113.77 127.0.0.1 4', '0000 80\r', '\nGET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'], 0);
  assert.equal(bodyOf(answer), '203.0.113.77|203.0.113.77');
});

test('a readTimeout longer than a node timer holds (30 days) bounds nothing sooner: a header sent in pieces, then a ClientHello in pieces, is served', async (t) => {
  // node runs a setTimeout of more than 2^31-1 ms after 1 ms: the header's deadline and the ClientHello's fired at once.
  const port = await setup(t, TRUST_LOOPBACK, { readTimeout: 30 * 24 * 3_600_000 });
  const answer = await sentInPieces(port, ['PROXY TCP4 203.0.', '113.78 127.0.0.1 40000 80\r\nGET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'], 30);
  assert.equal(bodyOf(answer), '203.0.113.78|203.0.113.78');
  // The ClientHello's own deadline: its first 5 bytes, a pause, then the rest.
  const raw = await withHeader(port, v1('203.0.113.79'));
  let held: Buffer | null = Buffer.alloc(0);
  const relay = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      if (raw.destroyed) return done();
      if (held === null) raw.write(chunk);
      else {
        held = Buffer.concat([held, chunk]);
        const first = held;
        held = null;
        raw.write(first.subarray(0, 5));
        setTimeout(() => raw.write(first.subarray(5)), 30);
      }
      done();
    },
  });
  raw.on('data', (c: Buffer) => relay.push(c));
  raw.on('close', () => relay.destroy());
  const secured = await new Promise<string>((resolve) => {
    const socket = tls.connect({ socket: relay, servername: 'a.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      socket.write('GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    });
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', () => undefined);
  });
  assert.equal(bodyOf(secured), '203.0.113.79|203.0.113.79');
});

test('TLS: the header comes before the ClientHello, HTTPS requests carry its client', async (t) => {
  const port = await setup(t, TRUST_LOOPBACK);
  assert.equal(bodyOf(await tlsExchange(port, v1('203.0.113.8'))), '203.0.113.8|203.0.113.8');
  assert.equal(bodyOf(await tlsExchange(port, v2Ipv6('2001:db8::9'))), '2001:db8::9|2001:db8::9');
});

test('HTTP/2 over TLS after a header: streams carry its client', async (t) => {
  const port = await setup(t, TRUST_LOOPBACK);
  assert.equal(await h2Exchange(port, v1('203.0.113.10')), '203.0.113.10|203.0.113.10');
});

test('h2c after a header: its streams carry its client', async (t) => {
  const port = await setup(t, TRUST_LOOPBACK);
  assert.equal(await h2cExchange(port, v1('203.0.113.11')), '203.0.113.11|203.0.113.11');
});

test('ipAllowList judges the header\'s client', async (t) => {
  const port = await setup(t, TRUST_LOOPBACK, { allow: ['203.0.113.0/24'] });
  assert.equal(statusOf(await plainExchange(port, v1('203.0.113.7'))), 200);
  assert.equal(statusOf(await plainExchange(port, v1('198.51.100.7'))), 403);
  assert.equal(statusOf(await plainExchange(port, Buffer.alloc(0))), 403);
});

test('the access log\'s client (ClientAddr, ClientHost, ClientPort) is the header\'s', async (t) => {
  const seen: string[] = [];
  const port = await setup(t, TRUST_LOOPBACK, { onDone: (ctx) => seen.push(`${ctx.clientIp}:${ctx.clientPort}`) });
  await plainExchange(port, v1('203.0.113.7', 41234));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(seen, ['203.0.113.7:41234']);
});
