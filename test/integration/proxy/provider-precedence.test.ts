// providers.precedence (Traefik v3.7): two routers of equal priority from different providers, the one whose provider
// is listed first serves; by default Traefik's order (docker before file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { validateStaticConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

async function servedBy(t: { after: (fn: () => Promise<void>) => void }, precedence: readonly string[] | undefined): Promise<string> {
  const fromFile = await startBackend('file-backend');
  const fromDocker = await startBackend('docker-backend');
  // Same rule, so the same priority (its length): only the providers differ. By name alone, a@file would come first.
  const proxy = await startProxy(buildInput({
    ...(precedence !== undefined ? { providersPrecedence: precedence } : {}),
    http: {
      routers: { 'a@file': { rule: 'Host(`app.test`)', service: 'f@file' }, 'b@docker': { rule: 'Host(`app.test`)', service: 'd@docker' } },
      services: { 'f@file': { loadBalancer: { servers: [{ url: fromFile.url }] } }, 'd@docker': { loadBalancer: { servers: [{ url: fromDocker.url }] } } },
    },
  }));
  t.after(async () => { await proxy.close(0); await fromFile.close(); await fromDocker.close(); });
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`, { headers: { host: 'app.test' } });
  return res.body.text();
}

test('a tie of priorities goes to the provider listed first in providers.precedence; Traefik\'s default lists docker before file', async (t) => {
  const defaults = validateStaticConfig({ entryPoints: { web: { address: ':80' } } }).config.providers.precedence;
  assert.ok(defaults.indexOf('docker') < defaults.indexOf('file'), 'the default order is Traefik\'s');
  assert.equal(await servedBy(t, defaults), 'docker-backend');
  assert.equal(await servedBy(t, ['file', 'docker']), 'file-backend');
  assert.equal(await servedBy(t, ['file']), 'file-backend', 'an unlisted provider ranks below every listed one');
});

test('providers.precedence: names are case-insensitive; an unknown provider is an error naming it', () => {
  assert.deepEqual(validateStaticConfig({ providers: { precedence: ['File', 'Docker'] } }).config.providers.precedence, ['file', 'docker']);
  const { issues } = validateStaticConfig({ providers: { precedence: ['file', 'dokcer'] } });
  assert.ok(issues.some((i) => i.severity === 'error' && /provider "dokcer" is not a valid provider name/.test(i.message)), JSON.stringify(issues));
});
