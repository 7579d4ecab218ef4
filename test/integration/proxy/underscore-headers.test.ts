import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { request } from 'undici';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { staticEntryPoint } from '../../support/static-entry-point.js';

// entryPoints.<name>.http.underscoreHeadersStrategy (Traefik v3.7): request headers whose name holds '_' are kept
// (default), deleted before routing, or refused with Go's 400 — on every front: the lean HTTP/1.1 one, node:http
// (here: an HTTP/1.0 request, handed off) and HTTP/2 (h2c).

interface Answer { status: number; body: string }
type Send = (port: number) => Promise<Answer>;

const HEADERS = { 'x_user': 'admin', 'x-user': 'guest' };

const fronts: Record<string, Send> = {
  'lean HTTP/1.1': async (port) => {
    const res = await request(`http://127.0.0.1:${port}/`, { headers: HEADERS });
    return { status: res.statusCode, body: await res.body.text() };
  },
  'node:http (HTTP/1.0)': (port) => new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => { text += chunk; });
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body });
    });
    socket.write('GET / HTTP/1.0\r\nHost: 127.0.0.1\r\nX_User: admin\r\nX-User: guest\r\n\r\n');
  }),
  'HTTP/2 (h2c)': (port) => new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':path': '/', ...HEADERS });
    let body = '';
    let status = 0;
    stream.setEncoding('utf8');
    stream.on('response', (h) => { status = Number(h[':status']); });
    stream.on('data', (chunk: string) => { body += chunk; });
    stream.on('end', () => { session.close(); resolve({ status, body }); });
    stream.on('error', reject);
  }),
};

async function setup(t: { after: (fn: () => Promise<void>) => void }, strategy: string | undefined): Promise<{ port: number; backend: Backend }> {
  const backend = await startBackend('b');
  const input = buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  });
  const proxy = await startProxy(input, [staticEntryPoint(strategy === undefined ? {} : { http: { underscoreHeadersStrategy: strategy } })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  return { port: proxy.port('web'), backend };
}

for (const [front, send] of Object.entries(fronts)) {
  test(`underscoreHeadersStrategy keep (the default), ${front}: X_User reaches the server`, async (t) => {
    const { port, backend } = await setup(t, undefined);
    assert.equal((await send(port)).status, 200);
    assert.equal(backend.seen[0]?.headers['x_user'], 'admin');
    assert.equal(backend.seen[0]?.headers['x-user'], 'guest');
  });

  test(`underscoreHeadersStrategy delete, ${front}: X_User is removed, X-User still sent`, async (t) => {
    const { port, backend } = await setup(t, 'delete');
    assert.equal((await send(port)).status, 200);
    assert.equal(backend.seen[0]?.headers['x_user'], undefined);
    assert.equal(backend.seen[0]?.headers['x-user'], 'guest');
  });

  test(`underscoreHeadersStrategy reject, ${front}: 400 Bad Request, the server never asked`, async (t) => {
    const { port, backend } = await setup(t, 'reject');
    assert.deepEqual(await send(port), { status: 400, body: 'Bad Request\n' });
    assert.equal(backend.seen.length, 0);
  });
}

test('underscoreHeadersStrategy reject: a request without such a header is served', async (t) => {
  const { port, backend } = await setup(t, 'reject');
  const res = await request(`http://127.0.0.1:${port}/`, { headers: { 'x-user': 'guest' } });
  await res.body.text();
  assert.equal(res.statusCode, 200);
  assert.equal(backend.seen.length, 1);
});

test('underscoreHeadersStrategy delete: a router matching on the deleted header no longer matches (404)', async (t) => {
  const backend = await startBackend('b');
  const input = buildInput({
    http: {
      routers: { 'r@file': { rule: 'Header(`X_User`, `admin`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  });
  const proxy = await startProxy(input, [staticEntryPoint({ http: { underscoreHeadersStrategy: 'delete' } })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`, { headers: { 'x_user': 'admin' } });
  await res.body.text();
  assert.equal(res.statusCode, 404);
});
