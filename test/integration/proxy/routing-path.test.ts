import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// Traefik v3.4+ matches rules against the routing path (pkg/muxer/http/mux.go withRoutingPath): every escape
// decoded except the reserved ones (`%2F`, `%3F`, `%23`, `%25`, ...). The path sent upstream is the one received.
// Each request is sent three ways: the lean HTTP/1.1 front, node:http (a chunked body, which the front hands over), HTTP/2 over TLS.

interface Setup {
  port: number;
  cert: string;
  seen: () => string[];
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }): Promise<Setup> {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('rp.test', ['rp.test']);
  const app = await startBackend('app');
  t.after(() => app.close());
  const rules: Record<string, { rule: string; middlewares?: string[] }> = {
    space: { rule: 'Path(`/a b`)' },
    braces: { rule: 'PathRegexp(`^/t/\\{[a-z]+\\}$`)' },
    utf8: { rule: 'Path(`/café`)' },
    slash: { rule: 'Path(`/x/y`)' },
    strip: { rule: 'PathPrefix(`/s p/`)', middlewares: ['strip'] },
  };
  const routers: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(rules)) {
    routers[`${name}@file`] = { ...r, service: 'app' };
    routers[`${name}-tls@file`] = { ...r, service: 'app', tls: {} };
  }
  const input = buildInput({
    http: {
      routers: routers as never,
      services: { 'app@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: { 'strip@file': { stripPrefixRegex: { regex: ['^/s p/[{][a-z]+[}]'] } } },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  });
  const proxy = await startProxy(input, [entryPointOptions('web', '127.0.0.1:0')]);
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), cert: cert.cert, seen: () => app.seen.map((s) => s.url) };
}

/** One request with exactly this request target, on its own connection; `body` (chunked) sends it through node:http. */
async function rawRequest(port: number, target: string, body: boolean): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const head = body ? 'POST' : 'GET';
  const framing = body ? 'Transfer-Encoding: chunked\r\n' : '';
  socket.write(`${head} ${target} HTTP/1.1\r\nHost: rp.test\r\n${framing}Connection: close\r\n\r\n${body ? '2\r\nhi\r\n0\r\n\r\n' : ''}`, 'latin1');
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('end', () => resolve());
  });
  socket.destroy();
  const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return status === null ? 0 : Number(status[1]);
}

async function h2Request(port: number, cert: string, path: string): Promise<number> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: cert, servername: 'rp.test' });
  session.on('error', () => undefined);
  try {
    return await new Promise<number>((resolve, reject) => {
      const stream = session.request({ ':method': 'GET', ':path': path, ':authority': 'rp.test' });
      let status = 0;
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.resume();
      stream.on('end', () => resolve(status));
      stream.on('error', reject);
    });
  } finally {
    session.destroy();
  }
}

const FRONTS = ['lean HTTP/1.1', 'node:http', 'HTTP/2'] as const;

async function send(s: Setup, front: (typeof FRONTS)[number], target: string): Promise<number> {
  if (front === 'HTTP/2') return h2Request(s.port, s.cert, target);
  return rawRequest(s.port, target, front === 'node:http');
}

/** [request target, status, path the backend receives]. */
const ROWS: [string, number, string | null][] = [
  ['/a%20b', 200, '/a%20b'],
  ['/t/%7Babc%7D', 200, '/t/%7Babc%7D'],
  ['/caf%C3%A9', 200, '/caf%C3%A9'],
  ['/x/y', 200, '/x/y'],
  // Reserved escapes stay encoded in the routing path: an encoded slash is not a slash.
  ['/x%2Fy', 404, null],
  ['/a%2520b', 404, null],
  // stripPrefixRegex matches the decoded path (Traefik v3.6); the rest goes upstream as received.
  ['/s%20p/%7Bv%7D/rest%20x', 200, '/rest%20x'],
];

for (const front of FRONTS) {
  test(`routing path (${front}): escapes other than reserved ones are decoded for matching only`, async (t) => {
    const s = await setup(t);
    for (const [target, status, upstream] of ROWS) {
      const before = s.seen().length;
      assert.equal(await send(s, front, target), status, target);
      const seen = s.seen().slice(before);
      assert.deepEqual(seen, upstream === null ? [] : [upstream], target);
    }
  });
}
