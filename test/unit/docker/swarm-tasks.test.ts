// Swarm tasks through the Docker provider's pieces: named after their Swarm service, merged into one pool @swarm,
// a stack's short network name, and label problems reported once per service however many tasks it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLabels } from '../../../labels-spec/index.js';
import { containerConfig, type DockerProviderOptions } from '../../../operator/providers/docker/container-config.js';
import { ContainerReport } from '../../../operator/providers/docker/container-report.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';
import { mergeContainers } from '../../../operator/providers/docker/merge-containers.js';
import { dockerProblems } from '../../../operator/cli/dashboard-feed.js';

const options: DockerProviderOptions = { exposedByDefault: true, network: '', useBindPortIP: false, defaultRule: 'Host(`{{ normalize .Name }}`)', allowEmptyServices: false, provider: 'swarm' };

function task(slot: number, labels: Record<string, string>, service = 'pe_app'): ContainerView {
  return {
    id: `task-${service}-${slot}`, name: `${service}.${slot}`, swarmService: service, labels, running: true, paused: false, health: null, networkMode: '',
    networks: { pe_backend: { ip: `10.0.1.${slot}`, ipv6: '' }, ingress: { ip: `10.0.0.${slot}`, ipv6: '' } }, ports: [], bindings: {},
  };
}

const stack = { 'com.docker.stack.namespace': 'pe' };
const decode = (labels: Record<string, string>) => decodeLabels(labels, { provider: 'swarm' });

test('tasks of one service: router and service named after the Swarm service, one pool of every task @swarm', () => {
  const labels = { ...stack, 'traefik.swarm.network': 'backend', 'traefik.http.services.app.loadbalancer.server.port': '8080' };
  const results = [1, 2].map((slot) => containerConfig(task(slot, labels), options, decode(labels)));
  const merged = mergeContainers(results, 'swarm');
  assert.deepEqual(merged.errors, []);
  assert.equal(merged.config.http.routers['pe-app']?.rule, 'Host(`pe-app`)');
  const lb = merged.config.http.services['app'];
  assert.ok(lb !== undefined && 'loadBalancer' in lb);
  assert.deepEqual(lb.loadBalancer.servers.map((s) => s.url), ['http://10.0.1.1:8080', 'http://10.0.1.2:8080'], 'the stack\'s "backend" is pe_backend');
});

test('a Swarm service without a port label is left out: Swarm tells no port', () => {
  const r = containerConfig(task(1, stack), options, decode(stack));
  assert.equal(r.kind, 'skipped');
  assert.match(r.kind === 'skipped' ? r.reason : '', /port is missing/);
});

test('conflicting definitions name @swarm', () => {
  const a = { 'traefik.http.routers.r.rule': 'Host(`a`)', 'traefik.http.services.s.loadbalancer.server.port': '80' };
  const b = { 'traefik.http.routers.r.rule': 'Host(`b`)', 'traefik.http.services.s.loadbalancer.server.port': '80' };
  const merged = mergeContainers([containerConfig(task(1, a, 'one'), options, decode(a)), containerConfig(task(1, b, 'two'), options, decode(b))], 'swarm');
  assert.ok(merged.errors.some((e) => e.startsWith('Router "r@swarm" defined multiple times')), JSON.stringify(merged.errors));
});

test('a typo on a 3-task service is logged once, naming the Swarm service, the label and the suggestion', () => {
  const labels = { 'traefik.http.routers.app.rulee': 'Host(`a`)', 'traefik.http.services.app.loadbalancer.server.port': '80' };
  const results = [1, 2, 3].map((slot) => containerConfig(task(slot, labels), options, decode(labels)));
  const lines: string[] = [];
  const report = new ContainerReport({ info: () => undefined, warn: (m) => lines.push(m), error: (m) => lines.push(m) }, 'swarm');
  report.report(results);
  report.report(results);
  const typo = lines.filter((l) => l.includes('traefik.http.routers.app.rulee'));
  assert.equal(typo.length, 1, JSON.stringify(lines));
  assert.match(typo[0] ?? '', /^Swarm service pe_app: label "traefik\.http\.routers\.app\.rulee": .*did you mean "rule"/);
  assert.ok(lines.some((l) => l.startsWith('Swarm service pe_app left out: ') && l.includes('(3 of 3)')), JSON.stringify(lines));
  const problems = dockerProblems({ config: mergeContainers(results, 'swarm').config, containers: results, errors: [], cause: null }, 'swarm');
  assert.deepEqual(problems.map((p) => [p.provider, p.message.split(':')[0]]), [['swarm', 'Swarm service pe_app'], ['swarm', 'Swarm service pe_app left out']]);
});
