import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leavesPool } from '../../../operator/providers/docker/leaving-events.js';

// The Docker and the Swarm providers take a container (a Swarm task) out of the pool on the same events: what
// Traefik's two providers leave unrouted (a stopped, paused or not-healthy container; a task Swarm does not report
// running), acted on at the first event that says so.

const event = (action: string, attributes: Record<string, string> = {}) => ({ id: 'c1', action, attributes, timeNano: 0 });

const cases: [string, Record<string, string>, boolean][] = [
  ['kill', { signal: 'SIGTERM' }, true],
  ['kill', { signal: '15' }, true],
  ['kill', { signal: 'kill' }, true],
  ['kill', { signal: 'SIGINT' }, true],
  ['kill', {}, true],
  ['kill', { signal: 'SIGHUP' }, false],
  ['kill', { signal: '10' }, false],
  ['stop', {}, true],
  ['die', {}, true],
  ['destroy', {}, true],
  ['oom', {}, true],
  ['pause', {}, true],
  ['health_status: unhealthy', {}, true],
  ['health_status: starting', {}, true],
  ['health_status: healthy', {}, false],
  ['start', {}, false],
  ['restart', {}, false],
  ['unpause', {}, false],
  ['rename', {}, false],
  ['exec_start: sh -c true', {}, false],
];

for (const [action, attributes, leaves] of cases) {
  test(`${action}${attributes.signal === undefined ? '' : ` (${attributes.signal})`} ${leaves ? 'takes' : 'does not take'} the container out of the pool`, () => {
    assert.equal(leavesPool(event(action, attributes)), leaves);
  });
}
