// The Docker provider's TCP and UDP rules, case by case from Traefik's pkg/provider/docker/config_test.go: containers
// with labels in, the TCP/UDP (and HTTP) configuration the provider sends out, merged across containers as Traefik does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerConfig, type DockerProviderOptions } from '../../../operator/providers/docker/container-config.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';
import { mergeContainers } from '../../../operator/providers/docker/merge-containers.js';
import type { DynamicConfig } from '../../../labels-spec/index.js';

const options: DockerProviderOptions = { exposedByDefault: true, network: '', useBindPortIP: false, defaultRule: 'Host(`{{ normalize .Name }}.traefik.wtf`)', allowEmptyServices: false };

function container(labels: Record<string, string>, extra: Partial<ContainerView> = {}): ContainerView {
  return {
    id: '1', name: 'Test', labels, running: true, paused: false, health: null, networkMode: 'bridge',
    networks: { bridge: { ip: '127.0.0.1', ipv6: '' } }, ports: [80], bindings: {}, ...extra,
  };
}

interface Case {
  desc: string;
  containers: ContainerView[];
  options?: Partial<DockerProviderOptions>;
  tcp?: Partial<DynamicConfig['tcp']>;
  udp?: Partial<DynamicConfig['udp']>;
  httpRouters?: string[];
  warnings?: RegExp[];
  errors?: RegExp[];
}

const cases: Case[] = [
  {
    desc: 'tcp with label: the router gets the automatic service named after the container, reached on its lowest port',
    containers: [container({ 'traefik.tcp.routers.foo.rule': 'HostSNI(`foo.bar`)', 'traefik.tcp.routers.foo.tls': 'true' })],
    tcp: {
      routers: { foo: { service: 'Test', rule: 'HostSNI(`foo.bar`)', tls: { passthrough: false } } },
      services: { Test: { loadBalancer: { servers: [{ address: '127.0.0.1:80', tls: false }] } } },
    },
  },
  {
    desc: 'tcp with label without rule: the router is dropped (no default rule for TCP), the automatic service stays, no HTTP router',
    containers: [container({ 'traefik.tcp.routers.foo.tls': 'true' })],
    tcp: { services: { Test: { loadBalancer: { servers: [{ address: '127.0.0.1:80', tls: false }] } } } },
    warnings: [/^TCP router "foo" has no rule and Traefik has no default rule for TCP routers: set traefik\.tcp\.routers\.foo\.rule/],
  },
  {
    desc: 'tcp with label and port: the one declared service is the router\'s, on the labelled port, with the server\'s tls',
    containers: [container({
      'traefik.tcp.routers.foo.rule': 'HostSNI(`foo.bar`)',
      'traefik.tcp.routers.foo.tls.options': 'foo',
      'traefik.tcp.services.foo.loadbalancer.server.port': '8080',
      'traefik.tcp.services.foo.loadbalancer.server.tls': 'true',
    })],
    tcp: {
      routers: { foo: { service: 'foo', rule: 'HostSNI(`foo.bar`)', tls: { passthrough: false, options: 'foo' } } },
      services: { foo: { loadBalancer: { servers: [{ address: '127.0.0.1:8080', tls: true }] } } },
    },
  },
  {
    desc: 'middlewares used in a TCP router stay with the container\'s TCP configuration',
    containers: [container({
      'traefik.tcp.routers.Test.rule': 'HostSNI(`foo.bar`)',
      'traefik.tcp.middlewares.Middleware1.ipallowlist.sourcerange': 'foobar, fiibar',
      'traefik.tcp.routers.Test.middlewares': 'Middleware1',
    })],
    tcp: {
      routers: { Test: { service: 'Test', rule: 'HostSNI(`foo.bar`)', middlewares: ['Middleware1'] } },
      middlewares: { Middleware1: { ipAllowList: { sourceRange: ['foobar', 'fiibar'] } } },
      services: { Test: { loadBalancer: { servers: [{ address: '127.0.0.1:80', tls: false }] } } },
    },
  },
  {
    desc: 'a TCP router beside two TCP services and no service label cannot be linked: dropped, with a warning',
    containers: [container({
      'traefik.tcp.routers.r.rule': 'HostSNI(`*`)',
      'traefik.tcp.services.a.loadbalancer.server.port': '1',
      'traefik.tcp.services.b.loadbalancer.server.port': '2',
    })],
    tcp: {
      services: { a: { loadBalancer: { servers: [{ address: '127.0.0.1:1', tls: false }] } }, b: { loadBalancer: { servers: [{ address: '127.0.0.1:2', tls: false }] } } },
    },
    warnings: [/^TCP router "r" cannot be linked automatically with multiple services \(a, b\); router dropped$/],
  },
  {
    desc: 'tcp services only (no router): the service gets the container, no router is made, no HTTP router',
    containers: [container({ 'traefik.tcp.services.foo.loadbalancer.server.port': '8080' })],
    tcp: { services: { foo: { loadBalancer: { servers: [{ address: '127.0.0.1:8080', tls: false }] } } } },
  },
  {
    desc: 'udp with label: the automatic service on the lowest port',
    containers: [container({ 'traefik.udp.routers.foo.entrypoints': 'mydns' })],
    udp: { routers: { foo: { service: 'Test', entryPoints: ['mydns'] } }, services: { Test: { loadBalancer: { servers: [{ address: '127.0.0.1:80' }] } } } },
  },
  {
    desc: 'udp with label and port',
    containers: [container({ 'traefik.udp.routers.foo.entrypoints': 'mydns', 'traefik.udp.services.foo.loadbalancer.server.port': '8080' })],
    udp: { routers: { foo: { service: 'foo', entryPoints: ['mydns'] } }, services: { foo: { loadBalancer: { servers: [{ address: '127.0.0.1:8080' }] } } } },
  },
  {
    desc: 'udp with label and port and an http service, two replicas: UDP servers merged by address, and the HTTP default router is made',
    containers: ['127.0.0.1', '127.0.0.2'].map((ip, i) => container({
      'traefik.udp.routers.foo.entrypoints': 'mydns',
      'traefik.udp.services.foo.loadbalancer.server.port': '8080',
      'traefik.http.services.Service1.loadbalancer.passhostheader': 'true',
    }, { id: String(i + 1), networks: { bridge: { ip, ipv6: '' } } })),
    udp: {
      routers: { foo: { service: 'foo', entryPoints: ['mydns'] } },
      services: { foo: { loadBalancer: { servers: [{ address: '127.0.0.1:8080' }, { address: '127.0.0.2:8080' }] } } },
    },
    httpRouters: ['Test'],
  },
  {
    desc: 'two replicas of a TCP service: servers merged by address',
    containers: ['127.0.0.1', '127.0.0.2'].map((ip, i) => container({ 'traefik.tcp.routers.db.rule': 'HostSNI(`*`)' }, { id: String(i + 1), networks: { bridge: { ip, ipv6: '' } } })),
    tcp: {
      routers: { db: { service: 'Test', rule: 'HostSNI(`*`)' } },
      services: { Test: { loadBalancer: { servers: [{ address: '127.0.0.1:80', tls: false }, { address: '127.0.0.2:80', tls: false }] } } },
    },
  },
  {
    desc: 'two containers defining one TCP router differently: the router is left out with Traefik\'s reason, the service kept',
    containers: [
      container({ 'traefik.tcp.routers.db.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.db.entrypoints': 'a' }, { id: '1' }),
      container({ 'traefik.tcp.routers.db.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.db.entrypoints': 'b' }, { id: '2' }),
    ],
    tcp: { services: { Test: { loadBalancer: { servers: [{ address: '127.0.0.1:80', tls: false }] } } } },
    errors: [/^TCP router "db@docker" defined multiple times with different configurations in Test; left out until they agree$/],
  },
  {
    desc: 'an unhealthy TCP container with allowEmptyServices keeps its router and an empty service',
    containers: [container({ 'traefik.tcp.routers.foo.rule': 'HostSNI(`foo.bar`)' }, { health: 'unhealthy' })],
    options: { allowEmptyServices: true },
    tcp: { routers: { foo: { service: 'Test', rule: 'HostSNI(`foo.bar`)' } }, services: { Test: { loadBalancer: { servers: [] } } } },
  },
  {
    desc: 'an exited UDP container with allownonrunning=true keeps its router and an empty service',
    containers: [container({ 'traefik.udp.routers.foo.entrypoints': 'mydns', 'traefik.docker.allownonrunning': 'true' }, { running: false })],
    udp: { routers: { foo: { service: 'Test', entryPoints: ['mydns'] } }, services: { Test: { loadBalancer: { servers: [] } } } },
  },
];

for (const c of cases) {
  test(`docker tcp/udp: ${c.desc}`, () => {
    const results = c.containers.map((view) => containerConfig(view, { ...options, ...c.options }));
    for (const r of results) assert.equal(r.kind, 'routed', r.kind === 'skipped' ? r.reason : '');
    const merged = mergeContainers(results);
    assert.deepEqual(merged.config.tcp, { routers: {}, services: {}, middlewares: {}, serversTransports: {}, ...c.tcp });
    assert.deepEqual(merged.config.udp, { routers: {}, services: {}, ...c.udp });
    assert.deepEqual(Object.keys(merged.config.http.routers), c.httpRouters ?? []);
    const warnings = results.flatMap((r) => (r.kind === 'routed' ? r.warnings : []));
    assert.equal(warnings.length, (c.warnings ?? []).length, warnings.join('\n'));
    (c.warnings ?? []).forEach((w, i) => assert.match(warnings[i] ?? '', w));
    assert.equal(merged.errors.length, (c.errors ?? []).length, merged.errors.join('\n'));
    (c.errors ?? []).forEach((e, i) => assert.match(merged.errors[i] ?? '', e));
  });
}

test('docker tcp/udp: a TCP service with no port label on a container that exposes none leaves the container out, naming the label to set', () => {
  const r = containerConfig(container({ 'traefik.tcp.routers.db.rule': 'HostSNI(`*`)', 'traefik.tcp.services.db.loadbalancer.proxyprotocol': 'true' }, { ports: [] }), options);
  assert.equal(r.kind, 'skipped');
  assert.equal(r.kind === 'skipped' ? r.reason : '', 'service "db" error: port is missing (set traefik.tcp.services.db.loadbalancer.server.port)');
});

test('docker tcp/udp: a TCP label typo leaves the container out (as any label error), with the label and a suggestion', () => {
  const r = containerConfig(container({ 'traefik.tcp.routers.db.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.db.entrypionts': 'pg' }), options);
  assert.equal(r.kind, 'skipped');
  const errors = r.issues.filter((i) => i.severity === 'error');
  assert.deepEqual(errors.map((i) => [i.label, i.suggestion]), [['traefik.tcp.routers.db.entrypionts', 'entryPoints']]);
});

test('docker tcp/udp: TCP middlewares alone are not a TCP declaration: the container still gets its HTTP router and service', () => {
  const r = containerConfig(container({ 'traefik.tcp.middlewares.m.inflightconn.amount': '2' }), options);
  assert.equal(r.kind, 'routed');
  if (r.kind !== 'routed') return;
  assert.deepEqual(Object.keys(r.config.http.routers), ['Test']);
  assert.deepEqual(r.config.tcp.middlewares, { m: { inFlightConn: { amount: 2 } } });
  assert.deepEqual(r.config.tcp.services, {});
});

test('docker tcp/udp: the port a TCP or UDP service uses is reported for check\'s image EXPOSE comparison', () => {
  const r = containerConfig(container({ 'traefik.tcp.services.db.loadbalancer.server.port': '5432', 'traefik.udp.routers.dns.entrypoints': 'dns' }, { ports: [53] }), options);
  assert.equal(r.kind, 'routed');
  assert.deepEqual(r.kind === 'routed' ? r.servicePorts : [], [
    { protocol: 'tcp', service: 'db', port: 5432, fromLabel: true },
    { protocol: 'udp', service: 'Test', port: 53, fromLabel: false },
  ]);
});
