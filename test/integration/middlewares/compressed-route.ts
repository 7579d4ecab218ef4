import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import { validateDynamicConfig } from '../../../labels-spec/dynamic/validate.js';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import type { EdgeProxy } from '../../../proxy/index.js';

/** A proxy whose one router sends every path through a `compress` middleware (options as in dynamic.yml) to a backend. */
export async function compressedRoute(t: TestContext, compress: Record<string, unknown>, answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ proxy: EdgeProxy; backend: Backend; url: string }> {
  const backend = await startBackend('app', answer);
  const m = validateDynamicConfig({ http: { middlewares: { m: { compress } } } }).config.http.middlewares.m;
  assert.ok(m !== undefined);
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['m'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: { 'm@file': m },
    },
  }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  return { proxy, backend, url: `http://127.0.0.1:${proxy.port('web')}` };
}
