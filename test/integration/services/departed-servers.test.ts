// A server that leaves the configuration (a scaled-down container) while requests are still on their way to it:
// a dial under way is given up within a second, and what an old runtime sends it afterwards goes to a server
// still configured, so a removed container's silent address never holds a request for seconds.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test, type TestContext } from 'node:test';
import { request } from 'undici';
import { startBackend } from '../../support/backends.js';
import { buildInput, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { startUnansweredAddress } from '../../support/unanswered-address.js';

/** The silent server first: the weighted round robin's first pick is the heaviest server. */
const services = (...servers: { url: string; weight: number }[]): Record<string, object> => ({ 's@file': { loadBalancer: { servers } } });

async function servers(t: TestContext): Promise<{ silent: string; live: string }> {
  const silent = await startUnansweredAddress();
  t.after(() => silent.close());
  const live = await startBackend('live');
  t.after(() => live.close());
  return { silent: silent.url, live: live.url };
}

test('a dial under way when its server leaves the configuration is given up within a second, and the request goes to a server still configured', async (t) => {
  const { silent, live } = await servers(t);
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } };
  const proxy = await startProxy(buildInput({ http: { routers, services: services({ url: silent, weight: 1000 }, { url: live, weight: 1 }) } }));
  t.after(() => proxy.close(0));

  const answer = request(`http://127.0.0.1:${proxy.port('web')}/`, { headersTimeout: 15_000 }).then(async (r) => `${r.statusCode}:${await r.body.text()}`);
  await new Promise((r) => setTimeout(r, 300)); // the dial to the silent server is under way
  proxy.apply(buildInput({ http: { routers, services: services({ url: live, weight: 1 }) } }));
  const left = Date.now();
  assert.equal(await answer, '200:live');
  const tookMs = Date.now() - left;
  // dialTimeout (30 s) would have held it; the silent address never answers.
  assert.ok(tookMs >= 800 && tookMs < 3000, `answered ${tookMs} ms after the server left (its dial gets 1 s)`);
});

test('a request an old runtime sends to a server that left the configuration goes to a server still configured, at once', async (t) => {
  const { silent, live } = await servers(t);
  // forwardAuth holds the request on the old runtime until the test lets it go, after the new one is in.
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let authAsked = (): void => undefined;
  const asked = new Promise<void>((resolve) => (authAsked = resolve));
  const auth = http.createServer((_req, res) => {
    authAsked();
    void held.then(() => res.end());
  });
  await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { auth.closeAllConnections(); auth.close(() => resolve()); }));
  const middlewares = fileMiddlewares({ fa: { forwardAuth: { address: `http://127.0.0.1:${(auth.address() as { port: number }).port}/` } } });
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } };
  const proxy = await startProxy(buildInput({ http: { routers, middlewares, services: services({ url: silent, weight: 1000 }, { url: live, weight: 1 }) } }));
  t.after(() => proxy.close(0));

  const answer = request(`http://127.0.0.1:${proxy.port('web')}/`, { headersTimeout: 15_000 }).then(async (r) => `${r.statusCode}:${await r.body.text()}`);
  await asked;
  proxy.apply(buildInput({ http: { routers, middlewares, services: services({ url: live, weight: 1 }) } }));
  const released = Date.now();
  release();
  assert.equal(await answer, '200:live');
  const tookMs = Date.now() - released;
  // A dial to the departed server would have cost its 1 s before the failover.
  assert.ok(tookMs < 900, `answered ${tookMs} ms after forwardAuth let it through: the departed server was not dialed`);
});
