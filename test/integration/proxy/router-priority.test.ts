import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';
import type { BuildInput } from '../../../proxy/index.js';

test('a negative priority is valid: a `priority: -1` catch-all serves only what no other router matches', async (t) => {
  const site = await startBackend('site');
  const fallback = await startBackend('fallback');
  t.after(() => site.close());
  t.after(() => fallback.close());
  // As a user writes it: PathPrefix(`/`) is longer than Host(`a.test`), so without -1 it would win everywhere.
  const { config, issues } = validateDynamicConfig({
    http: {
      routers: {
        site: { rule: 'Host(`a.test`)', service: 'site' },
        'catch-all': { rule: 'PathPrefix(`/`)', service: 'fallback', priority: -1 },
      },
      services: { site: { loadBalancer: { servers: [{ url: site.url }] } }, fallback: { loadBalancer: { servers: [{ url: fallback.url }] } } },
    },
  });
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  const at = <T>(items: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(items).map(([k, v]) => [`${k}@file`, v]));
  const proxy = await startProxy(buildInput({ http: { routers: at(config.http.routers), services: at(config.http.services) } as Partial<BuildInput['http']> }));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  assert.equal((await httpRequest({ port, host: 'a.test' })).body, 'site');
  assert.equal((await httpRequest({ port, host: 'a.test', method: 'POST', body: 'x' })).body, 'site');
  assert.equal((await httpRequest({ port, host: 'other.test' })).body, 'fallback');
  assert.equal(proxy.runtime.config.priorities.get('catch-all@file'), -1);
});
