// Which engine socket pe-edge's image joins the group of before dropping root: a stack's pe-edge has only
// providers.swarm, and must still be able to read the manager's socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineEndpoint } from '../../../operator/cli/drop-privileges.js';
import { loadStaticConfig } from '../../../operator/static-config/load-static-config.js';

// dist/test/unit/operator -> repository root
const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');

test('engineEndpoint: the Docker provider\'s endpoint, else the Swarm provider\'s, else none', () => {
  const table: [Parameters<typeof engineEndpoint>[0], string | undefined][] = [
    [{ docker: { endpoint: 'unix:///var/run/docker.sock' } }, 'unix:///var/run/docker.sock'],
    [{ swarm: { endpoint: 'unix:///run/manager.sock' } }, 'unix:///run/manager.sock'],
    [{ docker: { endpoint: 'unix:///a.sock' }, swarm: { endpoint: 'unix:///b.sock' } }, 'unix:///a.sock'],
    [{}, undefined],
  ];
  for (const [providers, want] of table) assert.equal(engineEndpoint(providers), want, JSON.stringify(providers));
});

test('the stack\'s static configuration names the socket the image must join', async () => {
  const loaded = await loadStaticConfig([`--configFile=${join(ROOT, 'examples/swarm/traefik.yml')}`]);
  assert.deepEqual(loaded.errors, []);
  assert.equal(engineEndpoint(loaded.config.providers), 'unix:///var/run/docker.sock');
});
