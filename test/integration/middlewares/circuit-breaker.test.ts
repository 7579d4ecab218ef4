import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { validateDynamicConfig } from '../../../labels-spec/dynamic/validate.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

/** A 127.0.0.1 port with nothing listening (connection refused). */
async function deadUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function proxyWith(t: import('node:test').TestContext, url: string, circuitBreaker: Record<string, unknown>): Promise<string> {
  const m = validateDynamicConfig({ http: { middlewares: { m: { circuitBreaker } } } }).config.http.middlewares.m;
  assert.ok(m !== undefined);
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['m'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
      middlewares: { 'm@file': m },
    },
  }));
  t.after(() => proxy.close(0));
  return `http://127.0.0.1:${proxy.port('web')}/`;
}

async function get(url: string): Promise<{ status: number; body: string; type: string | undefined }> {
  const res = await request(url);
  return { status: res.statusCode, body: await res.body.text(), type: res.headers['content-type'] as string | undefined };
}

test('circuitBreaker, backend down: the first request gets the proxy 502, then 503 Service Unavailable for fallbackDuration, then recovery', async (t) => {
  const url = await proxyWith(t, await deadUrl(), { expression: 'NetworkErrorRatio() > 0.5', fallbackDuration: '1500ms', recoveryDuration: '300ms' });
  const first = await get(url);
  assert.equal(first.status, 502);
  assert.equal(first.body, 'Bad Gateway');
  for (let i = 0; i < 5; i++) {
    const tripped = await get(url);
    assert.equal(tripped.status, 503);
    assert.equal(tripped.body, 'Service Unavailable');
    assert.equal(tripped.type, undefined, 'no Content-Type');
  }
  // After fallbackDuration the breaker recovers: its ramp starts at 0 %, so the first request is still
  // refused; within recoveryDuration (generous margin) requests reach the still-dead backend again.
  await sleep(1700);
  assert.equal((await get(url)).status, 503);
  const deadline = Date.now() + 3000;
  let status = 503;
  while (status === 503 && Date.now() < deadline) {
    await sleep(50);
    status = (await get(url)).status;
  }
  assert.equal(status, 502);
});

test('circuitBreaker with the Pixelated Empathy expression trips on 5xx answers and answers responseCode', async (t) => {
  const backend = await startBackend('app', (_req, res) => { res.writeHead(500); res.end('boom'); });
  t.after(() => backend.close());
  const url = await proxyWith(t, backend.url, {
    expression: 'NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, 600) > 0.25',
    responseCode: 429,
  });
  const first = await get(url);
  assert.equal(first.status, 500);
  assert.equal(first.body, 'boom');
  const tripped = await get(url);
  assert.equal(tripped.status, 429);
  assert.equal(tripped.body, 'Too Many Requests');
  assert.equal(backend.seen.length, 1, 'the tripped request never reached the backend');
});

test('circuitBreaker stays closed while the backend is healthy', async (t) => {
  const backend = await startBackend('app');
  t.after(() => backend.close());
  const url = await proxyWith(t, backend.url, { expression: 'NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, 600) > 0.25', checkPeriod: '1ms' });
  for (let i = 0; i < 20; i++) assert.equal((await get(url)).status, 200);
});

test('circuitBreaker with a badly typed expression disables its router (404)', async (t) => {
  const backend = await startBackend('app');
  t.after(() => backend.close());
  const url = await proxyWith(t, backend.url, { expression: 'NetworkErrorRatio() > 1' });
  assert.equal((await get(url)).status, 404);
});
