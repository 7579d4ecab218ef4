import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { EdgeProxy } from '../../../proxy/index.js';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { captureClientHello } from '../../support/client-hello-capture.js';

// respondingTimeouts apply to every connection on every front, as Go's http.Server applies them:
// readTimeout to a request head and body, idleTimeout between requests, on plain HTTP/1.1 (lean front
// and node:http), TLS HTTP/1.1 and HTTP/2. Before, connections handed to node's servers had no deadline.

const READ_TIMEOUT = 1000;
const IDLE_TIMEOUT = 1200;
/** A connection must be closed by then (deadline, node's check interval, a loaded machine). */
const CLOSED_WITHIN = 4000;

/** Resolves with how long after `since` the socket closed, or rejects if it is still open after CLOSED_WITHIN. */
function closedAfter(socket: net.Socket | tls.TLSSocket, since: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(Date.now() - since);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${CLOSED_WITHIN} ms`));
    }, CLOSED_WITHIN);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - since);
    });
    socket.on('error', () => undefined);
    // Without a reader a socket never sees the end of its input, so it would never close.
    socket.resume();
  });
}

function connectPlain(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function connectTls(port: number, alpn: string[]): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'app.test', rejectUnauthorized: false, ALPNProtocols: alpn }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Reads until `text` has arrived on the socket. */
function readUntil(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer): void => {
      got += chunk.toString('latin1');
      if (got.includes(text)) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before "${text}"; got ${JSON.stringify(got)}`)));
  });
}

describe('respondingTimeouts on every connection', () => {
  let backend: Backend;
  let proxy: EdgeProxy;
  let port = 0;

  before(async () => {
    backend = await startBackend('app');
    proxy = await startProxy(buildInput({
      http: {
        routers: {
          'lean@file': { rule: 'PathPrefix(`/lean`)', service: 's' },
          'mw@file': { rule: 'PathPrefix(`/mw`)', service: 's', middlewares: ['h'] },
          'secure@file': { rule: 'PathPrefix(`/`)', service: 's', tls: {} },
        },
        services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
        middlewares: { 'h@file': { headers: { customResponseHeaders: { 'X-Mw': 'yes' } } } },
      },
    }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: READ_TIMEOUT, idleTimeout: IDLE_TIMEOUT })]);
    port = proxy.port('web');
  });
  after(async () => {
    await proxy.close(0);
    await backend.close();
  });

  test('plain HTTP/1.1: a head trickling in after the hand-off to node:http is cut at readTimeout', async () => {
    const socket = await connectPlain(port);
    socket.write('GET /mw/first HTTP/1.1\r\nHost: app.test\r\n\r\n');
    await readUntil(socket, 'app');
    const started = Date.now();
    socket.write('GET /mw/second HTTP/1.1\r\nHost: app.test\r\n');
    const took = await closedAfter(socket, started);
    assert.ok(took >= READ_TIMEOUT - 100, `closed after ${took} ms`);
  });

  test('plain HTTP/1.1: a request body that never completes is cut at readTimeout', async () => {
    const socket = await connectPlain(port);
    const started = Date.now();
    socket.write('POST /mw/upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 100\r\n\r\nhello');
    await closedAfter(socket, started);
    assert.equal(backend.seen.some((r) => r.url === '/mw/upload'), false, 'the partial upload never completed upstream');
  });

  test('plain HTTP/1.1 on node:http: an idle keep-alive connection is closed at idleTimeout', async () => {
    const socket = await connectPlain(port);
    socket.write('GET /mw/idle HTTP/1.1\r\nHost: app.test\r\n\r\n');
    await readUntil(socket, 'app');
    const took = await closedAfter(socket, Date.now());
    assert.ok(took >= IDLE_TIMEOUT - 200, `closed after ${took} ms`);
  });

  test('TLS HTTP/1.1: an unfinished head is cut at readTimeout', async () => {
    const socket = await connectTls(port, ['http/1.1']);
    const started = Date.now();
    socket.write('GET /slow HTTP/1.1\r\nHost: app.test\r\n');
    await closedAfter(socket, started);
  });

  test('TLS HTTP/1.1: an idle keep-alive connection is closed at idleTimeout', async () => {
    const socket = await connectTls(port, ['http/1.1']);
    socket.write('GET /idle HTTP/1.1\r\nHost: app.test\r\n\r\n');
    await readUntil(socket, 'app');
    const took = await closedAfter(socket, Date.now());
    assert.ok(took >= IDLE_TIMEOUT - 200, `closed after ${took} ms`);
  });

  test('TLS: a handshake that stalls is cut at readTimeout', async () => {
    const socket = await connectPlain(port);
    const started = Date.now();
    // The first bytes of a ClientHello record, then nothing.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    await closedAfter(socket, started);
  });

  test('TLS: a whole ClientHello and then silence is cut at readTimeout too (the handshake, once the hello is read)', async () => {
    const hello = await captureClientHello({ servername: 'app.test' });
    const socket = await connectPlain(port);
    const started = Date.now();
    socket.write(hello);
    const took = await closedAfter(socket, started);
    assert.ok(took >= READ_TIMEOUT - 100, `closed after ${took} ms`);
  });

  test('HTTP/2: an idle session is closed at idleTimeout', async () => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'app.test', rejectUnauthorized: false });
    session.on('error', () => undefined);
    const stream = session.request({ ':path': '/h2', ':authority': 'app.test' });
    stream.resume();
    await new Promise((r) => stream.once('end', r));
    const started = Date.now();
    const took = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.destroy();
        reject(new Error(`session still open after ${CLOSED_WITHIN} ms`));
      }, CLOSED_WITHIN);
      session.once('close', () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
    });
    assert.ok(took >= IDLE_TIMEOUT - 200, `closed after ${took} ms`);
  });

  test('HTTP/2: a request body that never completes is reset at readTimeout', async () => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'app.test', rejectUnauthorized: false });
    session.on('error', () => undefined);
    const started = Date.now();
    const stream = session.request({ ':method': 'POST', ':path': '/h2-upload', ':authority': 'app.test', 'content-length': '100' });
    stream.on('error', () => undefined);
    stream.write('hello');
    const took = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stream still open after ${CLOSED_WITHIN} ms`)), CLOSED_WITHIN);
      stream.once('close', () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
    });
    session.destroy();
    assert.ok(took >= READ_TIMEOUT - 100, `reset after ${took} ms`);
    assert.equal(backend.seen.some((r) => r.url === '/h2-upload'), false);
  });

  test('an upgrade request whose body never completes (served as a plain request) is cut at readTimeout', async () => {
    const socket = await connectPlain(port);
    const started = Date.now();
    socket.write('POST /mw/up HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 100\r\n\r\nhello');
    const took = await closedAfter(socket, started);
    assert.ok(took >= READ_TIMEOUT - 100, `closed after ${took} ms`);
  });

  test('the entrypoint still serves normal requests afterwards', async () => {
    const socket = await connectPlain(port);
    socket.write('GET /mw/ok HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n');
    const reply = await readUntil(socket, 'app');
    assert.match(reply, /^HTTP\/1\.1 200 /);
    socket.destroy();
  });
});

describe('pipelined requests', () => {
  test('are served one at a time: 30 pipelined requests open one upstream connection, answered in order', async (t) => {
    let inFlight = 0;
    let maxInFlight = 0;
    const upstreamSockets = new Set<net.Socket>();
    const backend = await startBackend('app', (req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end(`answer ${req.url}`);
      }, 5);
    });
    backend.server.on('connection', (s: net.Socket) => upstreamSockets.add(s));
    const proxy = await startProxy(buildInput({
      http: {
        routers: { 'mw@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['h'] } },
        services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
        middlewares: { 'h@file': { headers: { customResponseHeaders: { 'X-Mw': 'yes' } } } },
      },
    }));
    t.after(async () => {
      await proxy.close(0);
      await backend.close();
    });
    const socket = await connectPlain(proxy.port('web'));
    let burst = '';
    for (let i = 0; i < 30; i++) burst += `GET /r${i} HTTP/1.1\r\nHost: app.test\r\n${i === 29 ? 'Connection: close\r\n' : ''}\r\n`;
    socket.write(burst);
    const reply = await new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (c: Buffer) => (got += c.toString()));
      socket.once('close', () => resolve(got));
    });
    const order = [...reply.matchAll(/answer \/r(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(order, Array.from({ length: 30 }, (_, i) => i));
    assert.equal(maxInFlight, 1, 'the backend saw one request at a time');
    assert.equal(upstreamSockets.size, 1, 'one upstream connection');
  });
});

describe('junk pipelined after a request', () => {
  test('the answer to the request comes first, then 400, on the node:http front and over TLS HTTP/1.1', async (t) => {
    const backend = await startBackend('app', (req, res) => setTimeout(() => res.end(`done ${req.url}`), 100));
    const proxy = await startProxy(buildInput({
      http: {
        routers: {
          'mw@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['h'] },
          'secure@file': { rule: 'PathPrefix(`/`)', service: 's', tls: {} },
        },
        services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
        middlewares: { 'h@file': { headers: { customResponseHeaders: { 'X-Mw': 'yes' } } } },
      },
    }));
    t.after(async () => {
      await proxy.close(0);
      await backend.close();
    });
    const port = proxy.port('web');
    for (const socket of [await connectPlain(port), await connectTls(port, ['http/1.1'])]) {
      socket.write('POST /order HTTP/1.1\r\nHost: app.test\r\nContent-Length: 2\r\n\r\nokGARBAGE \x01\r\n\r\n');
      const reply = await new Promise<string>((resolve) => {
        let got = '';
        socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
        socket.once('close', () => resolve(got));
      });
      assert.match(reply, /^HTTP\/1\.1 200 [^]*done \/order[^]*HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(reply));
    }
    assert.equal(backend.seen.filter((r) => r.url === '/order').length, 2);
  });
});

describe('bare-LF request heads', () => {
  test('get node:http\'s 400 at once on the lean front, not a 408 at readTimeout', async (t) => {
    const backend = await startBackend('app');
    const proxy = await startProxy(buildInput({
      http: {
        routers: { 'lean@file': { rule: 'PathPrefix(`/`)', service: 's' } },
        services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      },
    }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: 3000 })]);
    t.after(async () => {
      await proxy.close(0);
      await backend.close();
    });
    const socket = await connectPlain(proxy.port('web'));
    const started = Date.now();
    socket.write('GET /lean HTTP/1.1\nHost: app.test\n\n');
    const reply = await readUntil(socket, '\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.ok(Date.now() - started < 1000, `answered after ${Date.now() - started} ms`);
    assert.equal(backend.seen.length, 0);
    socket.destroy();
  });
});
