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

test('TCP or UDP labels only: no HTTP router or service; the TCP and UDP routers reach their services at the container', () => {
  const r = containerConfig(container('db', {
    ...compose('db'),
    'traefik.tcp.routers.pg.rule': 'HostSNI(`*`)',
    'traefik.tcp.routers.pg.entrypoints': 'postgres',
    'traefik.tcp.services.pg.loadbalancer.server.port': '5432',
    'traefik.udp.routers.dns.entrypoints': 'dns',
  }), options);
  assert.equal(r.kind, 'routed');
  if (r.kind !== 'routed') return;
  assert.deepEqual(r.config.http.routers, {});
  assert.deepEqual(r.config.http.services, {});
  assert.deepEqual(r.config.tcp.routers, { pg: { rule: 'HostSNI(`*`)', entryPoints: ['postgres'], service: 'pg' } });
  assert.deepEqual(r.config.tcp.services, { pg: { loadBalancer: { servers: [{ address: '10.0.0.2:5432', tls: false }] } } });
  // The UDP router has no service label: Traefik gives it the automatic service, named after the container, on its lowest port.
  assert.deepEqual(r.config.udp.routers, { dns: { entryPoints: ['dns'], service: 'db-demo' } });
  assert.deepEqual(r.config.udp.services, { 'db-demo': { loadBalancer: { servers: [{ address: '10.0.0.2:80' }] } } });
  assert.deepEqual(r.issues.filter((i) => i.severity === 'error'), []);
  assert.deepEqual(r.warnings, []);
});

test('TCP labels beside HTTP labels: the HTTP part is built as usual', () => {
  const r = containerConfig(container('both', { 'traefik.tcp.routers.pg.rule': 'HostSNI(`*`)', 'traefik.http.routers.web.rule': 'Host(`web.test`)' }), options);
  assert.equal(r.kind, 'routed');
  if (r.kind !== 'routed') return;
  assert.equal(r.config.http.routers.web?.service, 'both');
  assert.ok(r.config.http.services.both !== undefined);
});

test('unknown keys under traefik. (traefik.domain, traefik.tags, traefik.wrong.label) do not leave the container out', () => {
  const r = containerConfig(container('tmpl', {
    'traefik.domain': 'example.com',
    'traefik.tags': 'a,b',
    'traefik.wrong.label': 'x',
    'traefik.http.routers.tmpl.rule': 'Host(`tmpl.test`)',
  }), options);
  assert.equal(r.kind, 'routed');
  assert.deepEqual(r.issues.map((i) => [i.severity, i.label, i.suggestion]), [
    ['warning', 'traefik.domain', undefined],
    ['warning', 'traefik.tags', undefined],
    ['warning', 'traefik.wrong.label', undefined],
  ]);
  assert.equal(r.issues[0]?.message, 'label "traefik.domain": "domain" is not a Traefik key; ignored, as Traefik does');
});

test('server.port="" is unset: the lowest exposed port, as in Traefik', () => {
  const r = containerConfig(container('empty', { 'traefik.http.services.empty.loadbalancer.server.port': '' }, { ports: [8080, 9000] }), options);
  assert.equal(r.kind, 'routed');
  if (r.kind !== 'routed') return;
  const lb = r.config.http.services.empty;
  assert.ok(lb !== undefined && 'loadBalancer' in lb);
  assert.deepEqual(lb.loadBalancer?.servers.map((s) => s.url), ['http://10.0.0.5:8080']);
});

test('loadbalancer.server.url is the server (no exposed port needed), with preservePath and weight', () => {
  const r = containerConfig(container('ext', {
    'traefik.http.services.ext.loadbalancer.server.url': 'https://backend.internal:8443/base',
    'traefik.http.services.ext.loadbalancer.server.preservepath': 'true',
    'traefik.http.services.ext.loadbalancer.server.weight': '3',
  }, { ports: [] }), options);
  assert.equal(r.kind, 'routed');
  if (r.kind !== 'routed') return;
  const lb = r.config.http.services.ext;
  assert.ok(lb !== undefined && 'loadBalancer' in lb);
  assert.deepEqual(lb.loadBalancer?.servers, [{ url: 'https://backend.internal:8443/base', weight: 3, preservePath: true }]);
  assert.equal(r.config.http.routers.ext?.service, 'ext');
});

test('loadbalancer.server.url beside port or scheme: the container is left out with Traefik\'s error, naming the label', () => {
  const extras: Record<string, string>[] = [{ 'traefik.http.services.x.loadbalancer.server.port': '80' }, { 'traefik.http.services.x.loadbalancer.server.scheme': 'https' }];
  for (const extra of extras) {
    const r = containerConfig(container('x', { 'traefik.http.services.x.loadbalancer.server.url': 'http://a:80', ...extra }), options);
    assert.equal(r.kind, 'skipped');
    assert.match(r.issues.map((i) => i.message).join('\n'), /^label "traefik\.http\.services\.x\.loadbalancer\.server\.url": defining scheme or port is not allowed when URL is defined/m);
  }
});

test('servers of one service are ordered as Traefik merges them: by service name and container id, not container name', () => {
  const labels = { ...compose('app'), 'traefik.http.services.app.loadbalancer.server.port': '80' };
  const results = [
    container('demo-app-1', labels, { id: 'ccc', networks: { n: { ip: '10.0.0.1', ipv6: '' } } }),
    container('demo-app-2', labels, { id: 'aaa', networks: { n: { ip: '10.0.0.2', ipv6: '' } } }),
    container('demo-app-3', labels, { id: 'bbb', networks: { n: { ip: '10.0.0.3', ipv6: '' } } }),
  ].map((c) => containerConfig(c, options));
  const lb = mergeContainers(results).config.http.services.app;
  assert.ok(lb !== undefined && 'loadBalancer' in lb);
  assert.deepEqual(lb.loadBalancer?.servers.map((s) => s.url), ['http://10.0.0.2:80', 'http://10.0.0.3:80', 'http://10.0.0.1:80']);
});

test('traefik.docker.allownonrunning: a stopped container keeps its router and service, with no server', () => {
  const labels = { 'traefik.docker.allownonrunning': 'true', 'traefik.http.routers.app.rule': 'Host(`app.test`)' };
  const r = containerConfig(container('app', labels, { running: false }), options);
  assert.equal(r.kind, 'routed');
  assert.deepEqual(r.issues, []);
  if (r.kind !== 'routed') return;
  assert.equal(r.config.http.routers.app?.service, 'app');
  const lb = r.config.http.services.app;
  assert.ok(lb !== undefined && 'loadBalancer' in lb);
  assert.deepEqual(lb.loadBalancer?.servers, []);
  assert.equal(containerConfig(container('app', { 'traefik.http.routers.app.rule': 'Host(`app.test`)' }, { running: false }), options).kind, 'skipped');
});
