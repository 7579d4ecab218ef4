// providers.swarm's options as Traefik's defaults give them: Docker's shared options, and refreshSeconds 15s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateStaticConfig } from '../../../labels-spec/index.js';

test('providers.swarm: refreshSeconds defaults to 15 s (not 15,000 s), a bare number is seconds, and Docker\'s options apply', () => {
  const swarm = (extra: Record<string, unknown>) => validateStaticConfig({ providers: { swarm: extra } }).config.providers.swarm;
  assert.equal(swarm({})?.refreshSeconds, 15_000);
  assert.equal(swarm({ refreshSeconds: 30 })?.refreshSeconds, 30_000);
  assert.equal(swarm({ refreshSeconds: '1m' })?.refreshSeconds, 60_000);
  assert.equal(swarm({})?.exposedByDefault, true);
  assert.equal(swarm({})?.endpoint, 'unix:///var/run/docker.sock');
  const typo = validateStaticConfig({ providers: { swarm: { refreshSecond: 5 } } });
  assert.ok(typo.issues.some((e) => /refreshSecond/.test(JSON.stringify(e)) && /refreshSeconds/.test(JSON.stringify(e))), JSON.stringify(typo.issues));
});
