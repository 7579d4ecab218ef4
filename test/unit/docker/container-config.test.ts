import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerConfig, type DockerProviderOptions } from '../../../operator/providers/docker/container-config.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';
import { mergeContainers } from '../../../operator/providers/docker/merge-containers.js';

const options: DockerProviderOptions = { exposedByDefault: true, network: '', useBindPortIP: false, defaultRule: 'Host(`{{ normalize .Name }}`)', allowEmptyServices: false };

function container(name: string, labels: Record<string, string>, extra: Partial<ContainerView> = {}): ContainerView {
  return {
    id: `id-${name}`, name, labels, running: true, paused: false, health: null, networkMode: 'bridge',
    networks: { bridge: { ip: `10.0.0.${name.length}`, ipv6: '' } }, ports: [80], bindings: {}, ...extra,
  };
}

const compose = (service: string, project = 'demo') => ({ 'com.docker.compose.project': project, 'com.docker.compose.service': service });

test('traefik.enable only: Traefik\'s automatic router and service, named after the compose service', () => {
  const r = containerConfig(container('demo-whoami-1', { ...compose('whoami'), 'traefik.enable': 'true' }, { ports: [80, 8080] }), options);
  assert.equal(r.kind, 'routed');
  if (r.kind !== 'routed') return;
  assert.equal(r.config.http.routers['whoami-demo']?.rule, 'Host(`whoami-demo`)');
  assert.equal(r.config.http.routers['whoami-demo']?.service, 'whoami-demo');
  const lb = r.config.http.services['whoami-demo'];
  assert.ok(lb !== undefined && 'loadBalancer' in lb);
  assert.deepEqual(lb.loadBalancer?.servers.map((s) => s.url), ['http://10.0.0.13:80'], 'lowest exposed port');
});

test('exposedByDefault false needs traefik.enable=true; traefik.enable=false always wins', () => {
  assert.equal(containerConfig(container('a', {}), { ...options, exposedByDefault: false }).kind, 'skipped');
  assert.equal(containerConfig(container('a', { 'traefik.enable': 'false' }), options).kind, 'skipped');
  assert.equal(containerConfig(container('a', { 'traefik.enable': 'true' }), { ...options, exposedByDefault: false }).kind, 'routed');
});

test('a label typo leaves the container out with the label and a suggestion', () => {
  const r = containerConfig(container('web', { 'traefik.http.routers.web.rulle': 'Host(`a`)' }), options);
  assert.equal(r.kind, 'skipped');
  const messages = r.issues.map((i) => i.message).join('\n');
  assert.match(messages, /traefik\.http\.routers\.web\.rulle/);
  assert.match(messages, /did you mean "rule"\?/);
});

test('explicit router, service port, scheme and weight labels', () => {
  const r = containerConfig(container('api', {
    'traefik.http.routers.api.rule': 'Host(`api.test`)',
    'traefik.http.routers.api.entrypoints': 'web, websecure',
    'traefik.http.services.api-svc.loadbalancer.server.port': '3000',
    'traefik.http.services.api-svc.loadbalancer.server.scheme': 'https',
    'traefik.http.services.api-svc.loadbalancer.server.weight': '5',
  }), options);
  assert.equal(r.kind, 'routed');
  if (r.kind !== 'routed') return;
  assert.deepEqual(r.config.http.routers.api?.entryPoints, ['web', 'websecure']);
  assert.equal(r.config.http.routers.api?.service, 'api-svc', 'the only service is linked automatically');
  const lb = r.config.http.services['api-svc'];
  assert.ok(lb !== undefined && 'loadBalancer' in lb);
  assert.deepEqual(lb.loadBalancer?.servers, [{ url: 'https://10.0.0.3:3000', weight: 5, preservePath: false }]);
});

test('no exposed port and no port label: the container is left out, saying which label to set', () => {
  const r = containerConfig(container('noport', { 'traefik.enable': 'true' }, { ports: [] }), options);
  assert.equal(r.kind, 'skipped');
  if (r.kind === 'skipped') assert.match(r.reason, /port is missing.*loadbalancer\.server\.port/);
});

test('HEALTHCHECK starting or unhealthy: left out, unless allowEmptyServices keeps the service without its server', () => {
  const starting = container('hc', { 'traefik.enable': 'true' }, { health: 'starting' });
  assert.equal(containerConfig(starting, options).kind, 'skipped');
  const kept = containerConfig(starting, { ...options, allowEmptyServices: true });
  assert.equal(kept.kind, 'routed');
  if (kept.kind === 'routed') {
    const lb = kept.config.http.services.hc;
    assert.ok(lb !== undefined && 'loadBalancer' in lb);
    assert.deepEqual(lb.loadBalancer?.servers, []);
  }
  assert.equal(containerConfig(container('hc', { 'traefik.enable': 'true' }, { health: 'healthy' }), options).kind, 'routed');
});

test('traefik.docker.network picks the address on a multi-network container', () => {
  const c = container('multi', { 'traefik.docker.network': 'back' }, { networks: { front: { ip: '10.1.0.2', ipv6: '' }, back: { ip: '10.2.0.2', ipv6: '' } } });
  const r = containerConfig(c, options);
  assert.equal(r.kind, 'routed');
  if (r.kind === 'routed') {
    const lb = r.config.http.services.multi;
    assert.ok(lb !== undefined && 'loadBalancer' in lb);
    assert.equal(lb.loadBalancer?.servers[0]?.url, 'http://10.2.0.2:80');
  }
});

test('replicas with identical labels merge into one pool; different definitions are left out with an error', () => {
  const labels = { ...compose('app'), 'traefik.http.routers.app.rule': 'Host(`app.test`)', 'traefik.http.services.app.loadbalancer.server.port': '80' };
  const a = containerConfig(container('app-1', labels, { networks: { n: { ip: '10.0.0.11', ipv6: '' } } }), options);
  const b = containerConfig(container('app-2', labels, { networks: { n: { ip: '10.0.0.12', ipv6: '' } } }), options);
  const merged = mergeContainers([a, b]);
  assert.deepEqual(merged.errors, []);
  const lb = merged.config.http.services.app;
  assert.ok(lb !== undefined && 'loadBalancer' in lb);
  assert.deepEqual(lb.loadBalancer?.servers.map((s) => s.url), ['http://10.0.0.11:80', 'http://10.0.0.12:80']);

  const c = containerConfig(container('app-3', { ...labels, 'traefik.http.routers.app.rule': 'Host(`other.test`)' }), options);
  const conflict = mergeContainers([a, b, c]);
  assert.equal(conflict.config.http.routers.app, undefined);
  assert.match(conflict.errors.join('\n'), /Router "app@docker" defined multiple times with different configurations in app-1, app-2, app-3/);
});
