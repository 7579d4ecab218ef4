// traefik.tcp.* and traefik.udp.* labels, as Traefik's label decoder reads them (pkg/config/label/label_test.go,
// pkg/provider/docker/config_test.go): label keys in, the validated TCP/UDP configuration and the servers' label
// fields out; and every mistake an error naming its label, with a suggestion where one fits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLabels, type DynamicConfig, type TcpServerLabels, type UdpServerLabels } from '../../../../labels-spec/index.js';

interface Golden {
  desc: string;
  labels: Record<string, string>;
  tcp?: Partial<DynamicConfig['tcp']>;
  udp?: Partial<DynamicConfig['udp']>;
  tcpServers?: Record<string, TcpServerLabels>;
  udpServers?: Record<string, UdpServerLabels>;
  tcpRoutersWithoutRule?: string[];
}

const golden: Golden[] = [
  {
    desc: 'a TCP router with every field, keys in any case (Traefik\'s label_test)',
    labels: {
      'traefik.tcp.routers.Router0.rule': 'HostSNI(`db.test`)',
      'traefik.TCP.Routers.Router0.Priority': '42',
      'traefik.tcp.routers.Router0.entrypoints': 'foobar, fiibar',
      'traefik.tcp.routers.Router0.service': 'foobar',
      'traefik.tcp.routers.Router0.middlewares': 'Middleware0',
      'traefik.tcp.routers.Router0.rulesyntax': 'v2',
      'traefik.tcp.routers.Router0.tls.passthrough': 'false',
      'traefik.tcp.routers.Router0.tls.options': 'foo',
      'traefik.tcp.routers.Router0.tls.certresolver': 'le',
      'traefik.tcp.routers.Router0.tls.domains[0].main': 'db.test',
      'traefik.tcp.routers.Router0.tls.domains[0].sans': 'a.db.test,b.db.test',
    },
    tcp: {
      routers: {
        Router0: {
          rule: 'HostSNI(`db.test`)', priority: 42, entryPoints: ['foobar', 'fiibar'], service: 'foobar', middlewares: ['Middleware0'], ruleSyntax: 'v2',
          tls: { passthrough: false, options: 'foo', certResolver: 'le', domains: [{ main: 'db.test', sans: ['a.db.test', 'b.db.test'] }] },
        },
      },
    },
  },
  {
    desc: 'tls=true terminates with the defaults; tls.passthrough=true alone routes on the SNI',
    labels: { 'traefik.tcp.routers.term.rule': 'HostSNI(`a.test`)', 'traefik.tcp.routers.term.tls': 'true', 'traefik.tcp.routers.pass.rule': 'HostSNI(`b.test`)', 'traefik.tcp.routers.pass.tls.passthrough': 'true' },
    tcp: { routers: { term: { rule: 'HostSNI(`a.test`)', tls: { passthrough: false } }, pass: { rule: 'HostSNI(`b.test`)', tls: { passthrough: true } } } },
  },
  {
    desc: 'TCP services: server port and tls, proxyProtocol (version, or true for v2), serversTransport, terminationDelay',
    labels: {
      'traefik.tcp.services.Service0.loadbalancer.server.Port': '42',
      'traefik.tcp.services.Service0.loadbalancer.server.tls': 'true',
      'traefik.tcp.services.Service0.loadbalancer.TerminationDelay': '42',
      'traefik.tcp.services.Service0.loadbalancer.proxyProtocol.version': '1',
      'traefik.tcp.services.Service0.loadbalancer.serversTransport': 'foo@file',
      'traefik.tcp.services.Service1.loadbalancer.proxyProtocol': 'true',
      'traefik.tcp.services.Service1.loadbalancer.server.port': '',
    },
    tcp: {
      services: {
        Service0: { loadBalancer: { servers: [], terminationDelay: 42, proxyProtocol: { version: 1 }, serversTransport: 'foo@file' } },
        Service1: { loadBalancer: { servers: [], proxyProtocol: { version: 2 } } },
      },
    },
    tcpServers: { Service0: { port: 42, tls: true }, Service1: {} },
  },
  {
    desc: 'TCP middlewares: ipAllowList (and its ipWhiteList alias), inFlightConn',
    labels: {
      'traefik.tcp.middlewares.Middleware0.ipallowlist.sourcerange': 'foobar, fiibar',
      'traefik.tcp.middlewares.Middleware1.ipwhitelist.sourcerange': '10.0.0.0/8',
      'traefik.tcp.middlewares.Middleware2.inflightconn.amount': '42',
    },
    tcp: {
      middlewares: {
        Middleware0: { ipAllowList: { sourceRange: ['foobar', 'fiibar'] } },
        Middleware1: { ipWhiteList: { sourceRange: ['10.0.0.0/8'] } },
        Middleware2: { inFlightConn: { amount: 42 } },
      },
    },
  },
  {
    desc: 'UDP routers and services (Traefik\'s label_test)',
    labels: {
      'traefik.udp.routers.Router0.entrypoints': 'foobar, fiibar',
      'traefik.udp.routers.Router0.service': 'foobar',
      'traefik.UDP.Services.Service0.LoadBalancer.server.Port': '42',
    },
    udp: { routers: { Router0: { entryPoints: ['foobar', 'fiibar'], service: 'foobar' } }, services: { Service0: { loadBalancer: { servers: [] } } } },
    udpServers: { Service0: { port: 42 } },
  },
  {
    desc: 'a TCP router without a rule comes out with rule "" for the provider to drop (no default rule for TCP)',
    labels: { 'traefik.tcp.routers.foo.tls': 'true' },
    tcp: { routers: { foo: { rule: '', tls: { passthrough: false } } } },
    tcpRoutersWithoutRule: ['foo'],
  },
];

for (const c of golden) {
  test(`decode tcp/udp: ${c.desc}`, () => {
    const result = decodeLabels(c.labels);
    // TCP/UDP items are warned as not routed until the proxy routes them; nothing else may be said.
    assert.deepEqual(result.issues.filter((i) => i.code !== 'PE_NOT_IMPLEMENTED'), []);
    assert.deepEqual(result.config.tcp, { routers: {}, services: {}, middlewares: {}, serversTransports: {}, ...c.tcp });
    assert.deepEqual(result.config.udp, { routers: {}, services: {}, ...c.udp });
    assert.deepEqual(result.tcpServers, c.tcpServers ?? {});
    assert.deepEqual(result.udpServers, c.udpServers ?? {});
    assert.deepEqual(result.tcpRoutersWithoutRule, c.tcpRoutersWithoutRule ?? []);
    assert.deepEqual(Object.keys(result.config.http.routers), [], 'TCP/UDP labels make no HTTP item');
  });
}

interface Refused {
  label: string;
  value: string;
  message: string;
  suggestion?: string;
  item?: { kind: string; name: string };
}

const refused: Refused[] = [
  { label: 'traefik.tcp.routers.db.rulle', value: 'HostSNI(`*`)', message: 'unknown key; did you mean "rule"?', suggestion: 'rule', item: { kind: 'tcpRouter', name: 'db' } },
  { label: 'traefik.tcp.routers.db.tls.passthru', value: 'true', message: 'unknown key; did you mean "passthrough"?', suggestion: 'passthrough', item: { kind: 'tcpRouter', name: 'db' } },
  { label: 'traefik.tcp.routers.db.priority', value: 'high', message: 'expected an integer', item: { kind: 'tcpRouter', name: 'db' } },
  { label: 'traefik.tcp.services.db.loadbalancer.server.port', value: '70000', message: 'port must be an integer between 1 and 65535, got "70000"', item: { kind: 'tcpService', name: 'db' } },
  { label: 'traefik.tcp.services.db.loadbalancer.server.tls', value: 'yes', message: 'tls must be true or false, got "yes"', item: { kind: 'tcpService', name: 'db' } },
  { label: 'traefik.tcp.services.db.loadbalancer.server.address', value: '10.0.0.1:5432', message: 'the address comes from the container; set loadbalancer.server.port', item: { kind: 'tcpService', name: 'db' } },
  { label: 'traefik.tcp.services.db.loadbalancer.servers[0].address', value: '10.0.0.1:5432', message: 'servers cannot be set by label; use loadbalancer.server.port or .tls', item: { kind: 'tcpService', name: 'db' } },
  { label: 'traefik.tcp.services.db.loadbalancer.proxyprotocol.version', value: '3', message: 'proxyProtocol.version must be 1 or 2', item: { kind: 'tcpService', name: 'db' } },
  { label: 'traefik.tcp.services.db.loadbalancr.server.port', value: '5432', message: 'unknown TCP service type; did you mean "loadBalancer"?', suggestion: 'loadBalancer', item: { kind: 'tcpService', name: 'db' } },
  { label: 'traefik.tcp.services.split.weighted.services[0].name', value: 'db', message: 'weighted TCP services cannot be set by label (Traefik: file provider only); define them in dynamic.yml', item: { kind: 'tcpService', name: 'split' } },
  { label: 'traefik.tcp.services.test', value: '', message: 'TCP service "test" needs a type below it; valid types are: loadBalancer', item: { kind: 'tcpService', name: 'test' } },
  { label: 'traefik.tcp.middlewares.m.ratelimit.average', value: '1', message: 'unknown TCP middleware type "ratelimit"; valid types are: inFlightConn, ipAllowList, ipWhiteList', item: { kind: 'tcpMiddleware', name: 'm' } },
  { label: 'traefik.tcp.middlewares.m.inflightconn.amount', value: '0', message: 'amount must be >= 1', item: { kind: 'tcpMiddleware', name: 'm' } },
  { label: 'traefik.tcp.serverstransports.t.dialtimeout', value: '1s', message: 'TCP serversTransports cannot be defined by label (Traefik: file provider only); define them in dynamic.yml and reference them (e.g. serverstransport=name@file)' },
  { label: 'traefik.udp.routers.dns.rule', value: 'HostSNI(`*`)', message: 'unknown key "rule"; valid keys are: entryPoints, service', item: { kind: 'udpRouter', name: 'dns' } },
  { label: 'traefik.udp.services.dns.loadbalancer.server.tls', value: 'true', message: 'unknown key "tls"; valid keys are: port', item: { kind: 'udpService', name: 'dns' } },
  { label: 'traefik.udp.middlewares.m.ipallowlist.sourcerange', value: '10.0.0.0/8', message: 'unknown key "middlewares"; valid keys are: routers, services' },
  { label: 'traefik.tcpp.routers.db.rule', value: 'HostSNI(`*`)', message: '"tcpp" is not a Traefik key; ignored, as Traefik does; did you mean "tcp"?', suggestion: 'tcp' },
];

for (const r of refused) {
  test(`decode tcp/udp refuses ${r.label}=${r.value}: ${r.message}`, () => {
    const result = decodeLabels({ [r.label]: r.value });
    const issues = result.issues.filter((i) => i.code !== 'PE_NOT_IMPLEMENTED');
    assert.equal(issues.length, 1, JSON.stringify(issues));
    const [issue] = issues;
    assert.equal(issue?.label, r.label);
    assert.ok(issue?.message.startsWith(`label "${r.label}": ${r.message}`), issue?.message);
    assert.equal(issue?.suggestion, r.suggestion);
    assert.deepEqual(issue?.item, r.item);
    // The item with the error is left out; nothing of it reaches the configuration.
    const { tcp, udp } = result.config;
    const items: Record<string, Record<string, unknown>> = { tcpRouter: tcp.routers, tcpService: tcp.services, tcpMiddleware: tcp.middlewares, udpRouter: udp.routers, udpService: udp.services };
    if (r.item !== undefined) assert.equal(items[r.item.kind]?.[r.item.name], undefined);
    assert.deepEqual(result.tcpServers, {});
    assert.deepEqual(result.udpServers, {});
  });
}
