import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';

// transport.respondingTimeouts.writeTimeout and transport.lifeCycle.requestAcceptGraceTimeout, as Traefik
// (Go's http.Server) applies them.

test('writeTimeout cuts an answer not written in time, on both fronts, and leaves quick answers alone', async (t) => {
  const backend = await startBackend('b', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (req.url?.endsWith('/slow')) {
      res.write('start-');
      setTimeout(() => res.end('end'), 1500);
    } else {
      res.end('quick');
    }
  });
  const http = {
    routers: {
      'plain@file': { rule: 'PathPrefix(`/plain`)', service: 's' },
      'styled@file': { rule: 'PathPrefix(`/styled`)', service: 's', middlewares: ['h'] },
    },
    services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    middlewares: { 'h@file': { headers: { customResponseHeaders: { 'X-Styled': 'yes' } } } },
  };
  const proxy = await startProxy(buildInput({ http }), [entryPointOptions('web', '127.0.0.1:0', { writeTimeout: 400 })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const base = `http://127.0.0.1:${proxy.port('web')}`;
  for (const prefix of ['/plain', '/styled']) {
    const quick = await request(`${base}${prefix}/quick`);
    assert.equal(await quick.body.text(), 'quick', prefix);
    const started = Date.now();
    const slow = await request(`${base}${prefix}/slow`);
    assert.equal(slow.statusCode, 200, prefix);
    await assert.rejects(slow.body.text(), `${prefix}: the answer is cut, not completed`);
    const took = Date.now() - started;
    assert.ok(took >= 350 && took < 1400, `${prefix}: cut after ${took} ms`);
  }
});

test('a writeTimeout longer than a node timer holds (30 days) cuts nothing: answers are sent', async (t) => {
  // node runs a setTimeout of more than 2^31-1 ms after 1 ms: every answer was cut before it was written.
  const backend = await startBackend('b', (_req, res) => setTimeout(() => res.end('late'), 30));
  const http = { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } }, services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } } };
  const proxy = await startProxy(buildInput({ http }), [entryPointOptions('web', '127.0.0.1:0', { writeTimeout: 30 * 24 * 3_600_000 })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const answer = await request(`http://127.0.0.1:${proxy.port('web')}/`);
  assert.equal(await answer.body.text(), 'late');
});

test('requestAcceptGraceTimeout: after SIGTERM requests are still served while /ping says 503, then the port closes', async (t) => {
  const backend = await startBackend('app');
  const input = buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  });
  const proxy = await startProxy({ ...input, ping: { entryPoint: 'web' } },
    [entryPointOptions('web', '127.0.0.1:0', { requestAcceptGraceTimeout: 800, graceTimeOut: 1000 })]);
  t.after(() => backend.close());
  const base = `http://127.0.0.1:${proxy.port('web')}`;
  assert.equal((await request(`${base}/ping`)).statusCode, 200);
  const closing = proxy.close(); // as on SIGTERM: no explicit grace
  await new Promise((r) => setTimeout(r, 200));
  const ping = await request(`${base}/ping`, { reset: true });
  assert.equal(ping.statusCode, 503);
  await ping.body.text();
  const served = await request(`${base}/during`, { reset: true });
  assert.equal(served.statusCode, 200, 'new requests are still served during the accept grace');
  assert.equal(await served.body.text(), 'app');
  await closing;
  await assert.rejects(request(`${base}/after`, { reset: true }), /ECONNREFUSED/);
});

test('ping.terminatingStatusCode is what /ping answers once shutdown began; with manualRouting a router reaches ping@internal', async (t) => {
  const input = buildInput({
    http: {
      routers: { 'health@file': { rule: 'Path(`/healthz`)', service: 'ping@internal' } },
      services: {},
    },
  });
  const proxy = await startProxy({ ...input, ping: { entryPoint: null, terminatingStatusCode: 204 } },
    [entryPointOptions('web', '127.0.0.1:0', { requestAcceptGraceTimeout: 600 })]);
  t.after(() => proxy.close(0));
  const base = `http://127.0.0.1:${proxy.port('web')}`;
  const before = await request(`${base}/healthz`, { reset: true });
  assert.equal(before.statusCode, 200);
  assert.equal(await before.body.text(), 'OK');
  assert.equal((await request(`${base}/ping`, { reset: true })).statusCode, 404, 'manualRouting: no /ping router of its own');
  const closing = proxy.close();
  await new Promise((r) => setTimeout(r, 150));
  const during = await request(`${base}/healthz`, { reset: true });
  assert.equal(during.statusCode, 204);
  await during.body.text();
  await closing;
});
