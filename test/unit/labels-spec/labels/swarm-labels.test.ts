// traefik.swarm.* as Traefik's Swarm provider reads it (extractSwarmLabels), and as the Docker provider ignores it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLabels, swarmLabelSettings } from '../../../../labels-spec/index.js';

const issues = (labels: Record<string, string>, provider?: 'docker' | 'swarm'): [string, string][] =>
  decodeLabels(labels, provider === undefined ? {} : { provider }).issues.map((i) => [i.severity, i.message]);

test('swarm: traefik.swarm.network and traefik.swarm.lbswarm are read, without issues', () => {
  const result = decodeLabels({ 'traefik.swarm.network': 'pe_backend', 'traefik.swarm.lbswarm': 'true' }, { provider: 'swarm' });
  assert.equal(result.network, 'pe_backend');
  assert.equal(result.lbSwarm, true);
  assert.deepEqual(result.issues, []);
});

test('swarm: a typo under traefik.swarm is an error naming the label, with the closest key', () => {
  assert.deepEqual(issues({ 'traefik.swarm.netwrok': 'x' }, 'swarm').map(([s]) => s), ['error']);
  assert.match(issues({ 'traefik.swarm.netwrok': 'x' }, 'swarm')[0]?.[1] ?? '', /^label "traefik\.swarm\.netwrok": .*did you mean "network"\?/);
  assert.match(issues({ 'traefik.swarm.lbswarm': 'yes' }, 'swarm')[0]?.[1] ?? '', /expected true or false, got "yes"/);
});

test('swarm: traefik.docker.network still works, deprecated; with traefik.swarm.* too the service is refused, as Traefik', () => {
  const old = decodeLabels({ 'traefik.docker.network': 'net' }, { provider: 'swarm' });
  assert.equal(old.network, 'net');
  assert.deepEqual(old.issues.map((i) => [i.severity, i.message]), [['warning', 'label "traefik.docker.network": traefik.docker.* labels are deprecated for the Swarm provider; use traefik.swarm.network']]);
  const both = issues({ 'traefik.docker.network': 'a', 'traefik.swarm.network': 'b' }, 'swarm');
  assert.ok(both.some(([s, m]) => s === 'error' && m.includes('both Docker and Swarm labels are defined')), JSON.stringify(both));
});

test('docker: traefik.swarm.* is a warning and changes nothing', () => {
  const result = decodeLabels({ 'traefik.swarm.network': 'b' });
  assert.equal(result.network, undefined);
  assert.deepEqual(result.issues.map((i) => i.severity), ['warning']);
  assert.match(result.issues[0]?.message ?? '', /Swarm provider only/);
});

test('swarmLabelSettings: traefik.swarm.lbswarm wins over the deprecated traefik.docker.lbswarm; a bad value is false', () => {
  assert.deepEqual(swarmLabelSettings({}), { lbSwarm: false });
  assert.deepEqual(swarmLabelSettings({ 'traefik.docker.lbswarm': 'true' }), { lbSwarm: true });
  assert.deepEqual(swarmLabelSettings({ 'traefik.docker.lbswarm': 'true', 'Traefik.Swarm.LBSwarm': 'false' }), { lbSwarm: false });
  assert.deepEqual(swarmLabelSettings({ 'traefik.swarm.lbswarm': 'maybe' }), { lbSwarm: false });
});
