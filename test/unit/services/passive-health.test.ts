import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PassiveHealth } from '../../../proxy/services/passive-health.js';
import type { Upstream } from '../../../proxy/forward/forwarder.js';

const server = { url: 'http://a:80' } as Upstream;

function harness(maxFailedAttempts: number, failureWindow: number, active = false) {
  let now = 1_000;
  const up = new Map<Upstream, boolean>();
  const transitions: string[] = [];
  const passive = new PassiveHealth({ failureWindow, maxFailedAttempts }, {
    setUp: (u, v) => up.set(u, v),
    isUp: (u) => up.get(u) !== false,
    transition: (url, v) => transitions.push(`${url} ${v ? 'UP' : 'DOWN'}`),
  }, active, () => now);
  return { passive, isUp: () => up.get(server) !== false, transitions, advance: (ms: number) => (now += ms) };
}

test('maxFailedAttempts failures within the window take the server out; a success in between forgets them', () => {
  const h = harness(3, 10_000);
  h.passive.ended(server, true);
  h.passive.ended(server, true);
  h.passive.ended(server, false);
  h.passive.ended(server, true);
  h.passive.ended(server, true);
  assert.equal(h.isUp(), true, 'two failures since the last success');
  h.passive.ended(server, true);
  assert.equal(h.isUp(), false);
  assert.deepEqual(h.transitions, ['http://a:80 DOWN']);
  h.passive.stop();
});

test('failures older than the window do not count', () => {
  const h = harness(2, 1_000);
  h.passive.ended(server, true);
  h.advance(1_500);
  h.passive.ended(server, true);
  assert.equal(h.isUp(), true);
  h.advance(10);
  h.passive.ended(server, true);
  assert.equal(h.isUp(), false);
  h.passive.stop();
});

test('the server is back once the window elapsed; with an active check only the active check brings it back', async () => {
  const h = harness(1, 40);
  h.passive.ended(server, true);
  assert.equal(h.isUp(), false);
  await sleep(80);
  assert.equal(h.isUp(), true);
  assert.deepEqual(h.transitions, ['http://a:80 DOWN', 'http://a:80 UP']);
  const withActive = harness(1, 40, true);
  withActive.passive.ended(server, true);
  await sleep(80);
  assert.equal(withActive.isUp(), false);
});
