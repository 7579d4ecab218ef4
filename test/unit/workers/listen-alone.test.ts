import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reusePortAvailable, workersListenAlone } from '../../../operator/workers/workers.js';

test('reusePort is node 22.12 and later on 22, 23.1 and later on 23, every release after', () => {
  for (const version of ['20.20.2', '22.11.0', '22.0.0', '23.0.0', '18.20.4']) assert.equal(reusePortAvailable(version), false, version);
  for (const version of ['22.12.0', '22.23.5', '23.1.0', '24.0.0', '25.2.1']) assert.equal(reusePortAvailable(version), true, version);
});

test('workers listen alone on Linux with reusePort, unless NODE_CLUSTER_SCHED_POLICY=rr asks the primary to hand connections out', () => {
  assert.equal(workersListenAlone('22.23.5', 'linux', undefined), true);
  assert.equal(workersListenAlone('22.23.5', 'linux', 'none'), true);
  assert.equal(workersListenAlone('22.23.5', 'linux', 'rr'), false);
  // macOS and Windows give every connection to one of the sockets, or have no SO_REUSEPORT.
  assert.equal(workersListenAlone('22.23.5', 'darwin', undefined), false);
  assert.equal(workersListenAlone('22.23.5', 'win32', undefined), false);
  assert.equal(workersListenAlone('20.20.2', 'linux', undefined), false);
});
