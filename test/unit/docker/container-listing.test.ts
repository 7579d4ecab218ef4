import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterStop, containersToInspect } from '../../../operator/providers/docker/container-listing.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';

test('listing: running and paused containers are inspected, stopped ones only with traefik.docker.allownonrunning=true', () => {
  const ids = containersToInspect([
    { Id: 'run', State: 'running', Labels: {} },
    { Id: 'paused', State: 'paused' },
    { Id: 'exited', State: 'exited', Labels: { 'traefik.enable': 'true' } },
    { Id: 'kept', State: 'exited', Labels: { 'traefik.docker.allowNonRunning': 'true' } },
    { Id: 'off', State: 'created', Labels: { 'traefik.docker.allownonrunning': 'false' } },
  ]);
  assert.deepEqual(ids, ['run', 'paused', 'kept']);
});

test('a stopped container leaves, unless traefik.docker.allownonrunning keeps it as not running', () => {
  const view: ContainerView = { id: 'a', name: 'a', labels: {}, running: true, paused: false, health: null, networkMode: 'bridge', networks: {}, ports: [80], bindings: {} };
  assert.equal(afterStop(view), null);
  assert.equal(afterStop({ ...view, labels: { 'traefik.docker.allownonrunning': 'true' } })?.running, false);
});
