import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import type { BuildInput } from '../../../proxy/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

function withRateLimit(url: string, average: number, extraRouter = false): BuildInput {
  const middleware = validateDynamicConfig({ http: { middlewares: { m: { rateLimit: { average, period: '1m', burst: 1 } } } } }).config.http.middlewares.m;
  return buildInput({
    http: {
      routers: {
        'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['limit'] },
        ...(extraRouter ? { 'other@file': { rule: 'Host(`other.test`)', service: 's' } } : {}),
      },
      services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
      middlewares: { 'limit@file': middleware as unknown as Record<string, unknown> },
    },
  });
}

test('rate-limit buckets survive a reload that keeps the router and its options; new options start fresh', async (t) => {
  const backend = await startBackend('b');
  const proxy = await startProxy(withRateLimit(backend.url, 1));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const status = async (): Promise<number> => { const r = await request(url); await r.body.text(); return r.statusCode; };
  assert.equal(await status(), 200, 'the bucket starts full');
  assert.equal(await status(), 429, 'one request a minute');
  proxy.apply(withRateLimit(backend.url, 1, true));
  assert.equal(await status(), 429, 'an unrelated change is no way around the limit (Traefik would reset it)');
  proxy.apply(withRateLimit(backend.url, 2, true));
  assert.equal(await status(), 200, 'changed options build a new limiter');
});
