import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyDynamicConfig } from '../../../labels-spec/dynamic/config.js';
import { validateStaticConfig } from '../../../labels-spec/index.js';
import { toBuildInput } from '../../../operator/aggregation/build-input.js';
import { startProxy } from '../../support/proxy-fixture.js';

// api.dashboardName (Traefik v3.6+): GET /api/version carries it as `dashboardName` (Traefik's web UI titles itself
// with it); without it the key is absent (omitempty).

async function versionOf(t: { after: (fn: () => Promise<void>) => void }, api: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { config, issues } = validateStaticConfig({ entryPoints: { web: { address: ':80' } }, api: { insecure: true, ...api } });
  assert.deepEqual(issues.map((i) => i.path.join('.')), [], 'accepted without a warning');
  const proxy = await startProxy(toBuildInput(config, emptyDynamicConfig()));
  t.after(() => proxy.close(0));
  return await (await fetch(`http://127.0.0.1:${proxy.port('traefik')}/api/version`)).json() as Record<string, unknown>;
}

test('api.dashboardName is given by /api/version as dashboardName', async (t) => {
  const version = await versionOf(t, { dashboardName: 'Edge (prod)' });
  assert.equal(version.dashboardName, 'Edge (prod)');
  assert.equal(version.Codename, 'pe-edge');
});

test('without api.dashboardName /api/version has no dashboardName key', async (t) => {
  const version = await versionOf(t, {});
  assert.equal('dashboardName' in version, false);
});
