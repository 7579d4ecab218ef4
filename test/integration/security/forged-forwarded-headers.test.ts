import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, entryPointOptions, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest, type ClientResult } from '../../support/tls-clients.js';
import type { BuildInput, EntryPointOptions } from '../../../proxy/index.js';

// Traefik's entrypoint drops an untrusted peer's X-Forwarded-* and X-Real-Ip (and their X_Forwarded_* spellings)
// and sets its own before routers and middlewares see the request. A client that forges them must not reach a router,
// skip a redirect, pick its rate-limit bucket or hand a backend a header it would trust.

interface Edge { port: number; app: Backend }

async function edge(
  t: { after: (fn: () => Promise<void>) => void },
  routers: BuildInput['http']['routers'],
  middlewares: Record<string, unknown> = {},
  entryPoint: Partial<EntryPointOptions> = {},
): Promise<Edge> {
  const app = await startBackend('app');
  const proxy = await startProxy(buildInput({
    http: {
      routers,
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: fileMiddlewares(middlewares),
    },
  }), [entryPointOptions('web', '127.0.0.1:0', entryPoint)]);
  t.after(async () => { await proxy.close(0); await app.close(); });
  return { port: proxy.port('web'), app };
}

const TRUSTED: Partial<EntryPointOptions> = { forwardedHeaders: { insecure: false, trustedIPs: ['127.0.0.1'] } };
const get = (port: number, host: string, headers: Record<string, string> = {}, path = '/'): Promise<ClientResult> =>
  httpRequest({ port, host, path, headers });

test('a Header/HeaderRegexp rule on X-Real-Ip or X-Forwarded-Proto does not match what an untrusted client forged', async (t) => {
  const routers: BuildInput['http']['routers'] = {
    'internal@file': { rule: 'Host(`a.test`) && HeaderRegexp(`X-Real-Ip`, `^10\\.`)', service: 's' },
    'secure@file': { rule: 'Host(`b.test`) && Header(`X-Forwarded-Proto`, `https`)', service: 's' },
    'v2@file': { rule: 'Host(`c.test`) && HeadersRegexp(`X-Real-Ip`, `^10\\.`)', service: 's', ruleSyntax: 'v2' },
    'peer@file': { rule: 'Host(`d.test`) && Header(`X-Real-Ip`, `127.0.0.1`)', service: 's' },
  };
  const untrusted = await edge(t, routers);
  assert.equal((await get(untrusted.port, 'a.test', { 'x-real-ip': '10.1.2.3' })).status, 404);
  assert.equal((await get(untrusted.port, 'a.test', { x_real_ip: '10.1.2.3' })).status, 404);
  assert.equal((await get(untrusted.port, 'b.test', { 'x-forwarded-proto': 'https' })).status, 404);
  assert.equal((await get(untrusted.port, 'c.test', { 'x-real-ip': '10.1.2.3' })).status, 404);
  // The entrypoint's own value is what the rule sees: the peer's address.
  assert.equal((await get(untrusted.port, 'd.test', { 'x-real-ip': '10.1.2.3' })).status, 200);
  assert.equal(untrusted.app.seen.length, 1);

  const trusted = await edge(t, routers, {}, TRUSTED);
  assert.equal((await get(trusted.port, 'a.test', { 'x-real-ip': '10.1.2.3' })).status, 200);
  assert.equal((await get(trusted.port, 'b.test', { 'x-forwarded-proto': 'https' })).status, 200);
  assert.equal((await get(trusted.port, 'c.test', { 'x-real-ip': '10.1.2.3' })).status, 200);
});

test('redirectScheme to https redirects a plain request whatever X-Forwarded-Proto an untrusted client sends', async (t) => {
  const routers: BuildInput['http']['routers'] = { 'r@file': { rule: 'Host(`a.test`)', service: 's', middlewares: ['toHttps@file'] } };
  const middlewares = { toHttps: { redirectScheme: { scheme: 'https' } } };
  const untrusted = await edge(t, routers, middlewares);
  for (const proto of ['https', 'wss']) {
    const res = await get(untrusted.port, 'a.test', { 'x-forwarded-proto': proto }, '/x');
    assert.equal(res.status, 302, `X-Forwarded-Proto: ${proto}`);
    assert.equal(res.headers.location, 'https://a.test/x');
  }
  assert.equal(untrusted.app.seen.length, 0);
  // A trusted peer's X-Forwarded-Proto says the client's connection was HTTPS already: no loop.
  const trusted = await edge(t, routers, middlewares, TRUSTED);
  assert.equal((await get(trusted.port, 'a.test', { 'x-forwarded-proto': 'https' }, '/x')).status, 200);
});

test('a rateLimit counting by X-Real-Ip or X-Forwarded-For is not escaped by an untrusted client forging a new value each time', async (t) => {
  for (const header of ['X-Real-Ip', 'X-Forwarded-For']) {
    const routers: BuildInput['http']['routers'] = { 'r@file': { rule: 'Host(`a.test`)', service: 's', middlewares: ['limit@file'] } };
    const middlewares = { limit: { rateLimit: { average: 1, period: '1m', burst: 1, sourceCriterion: { requestHeaderName: header } } } };
    const untrusted = await edge(t, routers, middlewares);
    const statuses = [];
    for (let i = 1; i <= 3; i++) statuses.push((await get(untrusted.port, 'a.test', { [header]: `203.0.113.${i}` })).status);
    assert.deepEqual(statuses, [200, 429, 429], header);
    // From a trusted peer each value is a source of its own.
    const trusted = await edge(t, routers, middlewares, TRUSTED);
    const trustedStatuses = [];
    for (let i = 1; i <= 3; i++) trustedStatuses.push((await get(trusted.port, 'a.test', { [header]: `203.0.113.${i}` })).status);
    assert.deepEqual(trustedStatuses, [200, 200, 200], header);
  }
});

test('an untrusted client\'s X_Forwarded_* and X_Real_Ip spellings never reach the backend (Traefik v3.6.14), a trusted peer\'s do', async (t) => {
  const forged = { x_real_ip: '10.0.0.1', x_forwarded_tls_client_cert: 'forged', X_Forwarded_Proto: 'https', 'x-forwarded-user_': 'kept' };
  const routers: BuildInput['http']['routers'] = { 'r@file': { rule: 'Host(`a.test`)', service: 's', middlewares: ['cert@file'] } };
  const middlewares = { cert: { passTLSClientCert: { pem: true } } };
  const untrusted = await edge(t, routers, middlewares);
  assert.equal((await get(untrusted.port, 'a.test', forged)).status, 200);
  const seen = untrusted.app.seen[0]?.headers ?? {};
  for (const name of ['x_real_ip', 'x_forwarded_tls_client_cert', 'x_forwarded_proto']) assert.equal(seen[name], undefined, name);
  assert.equal(seen['x-real-ip'], '127.0.0.1');
  assert.equal(seen['x-forwarded-user_'], 'kept', 'not one of the family');

  const trusted = await edge(t, routers, middlewares, TRUSTED);
  assert.equal((await get(trusted.port, 'a.test', forged)).status, 200);
  assert.equal(trusted.app.seen[0]?.headers.x_real_ip, '10.0.0.1');
});
