// `pe-edge check` with TCP and UDP configuration: Traefik's rawdata sections (tcpRouters, tcpServices, tcpMiddlewares,
// udpRouters, udpServices; empty ones omitted), and each broken reference a failed check naming the router and the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand } from '../../../operator/cli/check-command.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pe-check-tcp-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function check(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await checkCommand(args, (s) => { out += s; }, (s) => { out += s; });
  return { code, out };
}

const STATIC = `entryPoints:
  web:
    address: ":80"
  postgres:
    address: ":5432"
  dns:
    address: ":53/udp"
providers:
  docker:
    exposedByDefault: false
  file:
    filename: dynamic.yml
`;

const DYNAMIC = `tcp:
  middlewares:
    office-only:
      ipAllowList:
        sourceRange: ["10.0.0.0/8"]
  serversTransports:
    slow:
      dialTimeout: 5s
`;

const COMPOSE = `services:
  db:
    image: postgres
    expose: ["5432"]
    labels:
      - traefik.enable=true
      - traefik.tcp.routers.db.rule=HostSNI(\`*\`)
      - traefik.tcp.routers.db.entrypoints=postgres
      - traefik.tcp.routers.db.middlewares=office-only@file
      - traefik.tcp.services.db.loadbalancer.server.port=5432
      - traefik.tcp.services.db.loadbalancer.serverstransport=slow@file
  resolver:
    image: coredns
    expose: ["53/udp"]
    labels:
      - traefik.enable=true
      - traefik.udp.routers.dns.entrypoints=dns
`;

interface RawItem { status: string; error?: string[]; using?: string[]; usedBy?: string[]; service?: string; loadBalancer?: { servers: { address: string }[] }; serverStatus?: Record<string, string> }
type Section = Record<string, RawItem>;
interface Report { routers: Section; tcpRouters?: Section; tcpServices?: Section; tcpMiddlewares?: Section; udpRouters?: Section; udpServices?: Section; containers: { name: string; status: string }[] }

test('check --compose --json: TCP and UDP items in Traefik\'s rawdata sections, qualified, linked, the containers as servers; exit 0', async () => {
  const dir = project({ 'traefik.yml': STATIC, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': COMPOSE });
  const { code, out } = await check(['--compose', join(dir, 'docker-compose.yml'), '--json']);
  assert.equal(code, 0, out);
  const report = JSON.parse(out) as Report;
  assert.deepEqual(report.routers, {}, 'TCP/UDP labels only: no HTTP router');
  assert.deepEqual(report.tcpRouters?.['db@docker'], {
    rule: 'HostSNI(`*`)', entryPoints: ['postgres'], middlewares: ['office-only@file'], service: 'db', using: ['postgres'], status: 'enabled', provider: 'docker',
  });
  assert.equal(report.tcpServices?.['db@docker']?.status, 'enabled');
  assert.deepEqual(report.tcpServices?.['db@docker']?.loadBalancer?.servers.map((s) => s.address), ['db:5432']);
  assert.deepEqual(report.tcpServices?.['db@docker']?.serverStatus, { 'db:5432': 'UP' });
  assert.deepEqual(report.tcpServices?.['db@docker']?.usedBy, ['db@docker']);
  assert.deepEqual(report.tcpMiddlewares?.['office-only@file']?.usedBy, ['db@docker']);
  // The UDP router took the container's automatic service (its compose service name) on the lowest exposed port.
  const udpRouter = Object.entries(report.udpRouters ?? {});
  assert.equal(udpRouter.length, 1);
  assert.deepEqual(udpRouter[0]?.[1].using, ['dns']);
  const udpService = report.udpServices?.[`${udpRouter[0]?.[1].service ?? ''}@docker`];
  assert.deepEqual(udpService?.loadBalancer?.servers.map((s) => s.address), ['resolver:53']);
});

test('check: no TCP or UDP item, no TCP or UDP section (Traefik omits empty rawdata sections)', async () => {
  const dir = project({ 'traefik.yml': STATIC.replace('  docker:\n    exposedByDefault: false\n', ''), 'dynamic.yml': 'http:\n  routers:\n    web:\n      rule: Host(`a.test`)\n      service: noop@internal\n' });
  const { out } = await check(['--configFile', join(dir, 'traefik.yml'), '--json']);
  const report = JSON.parse(out) as Record<string, unknown>;
  assert.deepEqual(Object.keys(report).filter((k) => /^(tcp|udp)/.test(k)), []);
});

interface Broken {
  desc: string;
  dynamic: string;
  item: string;
  section: 'tcpRouters' | 'tcpServices' | 'udpRouters';
  errors: string[];
  status?: 'disabled' | 'warning';
}

const broken: Broken[] = [
  {
    desc: 'a TCP router naming a TCP service that does not exist (the same name from another provider suggested)',
    dynamic: 'tcp:\n  routers:\n    db:\n      rule: HostSNI(`*`)\n      entryPoints: [postgres]\n      service: pgg\n  services:\n    pg:\n      loadBalancer:\n        servers: [{address: "10.0.0.5:5432"}]\n',
    item: 'db@file', section: 'tcpRouters', errors: ['the service "pgg@file" does not exist; did you mean "pg@file"?'],
  },
  {
    desc: 'a TCP router naming a TCP middleware that does not exist',
    dynamic: 'tcp:\n  routers:\n    db:\n      rule: HostSNI(`*`)\n      entryPoints: [postgres]\n      middlewares: [ofice-only]\n      service: pg\n  middlewares:\n    office-only:\n      inFlightConn:\n        amount: 5\n  services:\n    pg:\n      loadBalancer:\n        servers: [{address: "10.0.0.5:5432"}]\n',
    item: 'db@file', section: 'tcpRouters', errors: ['middleware "ofice-only@file" does not exist; did you mean "office-only@file"?'],
  },
  {
    desc: 'a TCP router on an entrypoint that is not defined',
    dynamic: 'tcp:\n  routers:\n    db:\n      rule: HostSNI(`*`)\n      entryPoints: [postgress]\n      service: pg\n  services:\n    pg:\n      loadBalancer:\n        servers: [{address: "10.0.0.5:5432"}]\n',
    item: 'db@file', section: 'tcpRouters', errors: ['entryPoint "postgress" doesn\'t exist; did you mean "postgres"?', 'no valid entryPoint for this router'],
  },
  {
    desc: 'a TCP router on a UDP entrypoint',
    dynamic: 'tcp:\n  routers:\n    db:\n      rule: HostSNI(`*`)\n      entryPoints: [dns]\n      service: pg\n  services:\n    pg:\n      loadBalancer:\n        servers: [{address: "10.0.0.5:5432"}]\n',
    item: 'db@file', section: 'tcpRouters', errors: ['entryPoint "dns" is a UDP entrypoint (address ":53/udp"); a TCP router needs a TCP one', 'no valid entryPoint for this router'],
  },
  {
    desc: 'a TCP router on a TCP and a UDP entrypoint serves on the TCP one, with a warning',
    dynamic: 'tcp:\n  routers:\n    db:\n      rule: HostSNI(`*`)\n      entryPoints: [postgres, dns]\n      service: pg\n  services:\n    pg:\n      loadBalancer:\n        servers: [{address: "10.0.0.5:5432"}]\n',
    item: 'db@file', section: 'tcpRouters', status: 'warning', errors: ['entryPoint "dns" is a UDP entrypoint (address ":53/udp"); a TCP router needs a TCP one'],
  },
  {
    desc: 'a UDP router on a TCP entrypoint',
    dynamic: 'udp:\n  routers:\n    dns:\n      entryPoints: [web]\n      service: dns\n  services:\n    dns:\n      loadBalancer:\n        servers: [{address: "10.0.0.53:53"}]\n',
    item: 'dns@file', section: 'udpRouters', errors: ['entryPoint "web" is a TCP entrypoint (address ":80"); a UDP router needs a UDP one', 'no valid entryPoint for this router'],
  },
  {
    desc: 'a UDP router naming a UDP service that does not exist',
    dynamic: 'udp:\n  routers:\n    dns:\n      entryPoints: [dns]\n      service: resolver\n',
    item: 'dns@file', section: 'udpRouters', errors: ['the UDP service "resolver@file" does not exist'],
  },
  {
    desc: 'a TLS-terminating TCP router naming TLS options that do not exist',
    dynamic: 'tcp:\n  routers:\n    db:\n      rule: HostSNI(`db.test`)\n      entryPoints: [postgres]\n      service: pg\n      tls:\n        options: modern\n  services:\n    pg:\n      loadBalancer:\n        servers: [{address: "10.0.0.5:5432"}]\ntls:\n  options:\n    modrn:\n      minVersion: VersionTLS13\n',
    item: 'db@file', section: 'tcpRouters', errors: ['unknown TLS options: modern@file; did you mean "modrn@file"?'],
  },
  {
    desc: 'a TCP service naming a serversTransport that does not exist: the service and its router fail',
    dynamic: 'tcp:\n  routers:\n    db:\n      rule: HostSNI(`*`)\n      entryPoints: [postgres]\n      service: pg\n  services:\n    pg:\n      loadBalancer:\n        serversTransport: slowww\n        servers: [{address: "10.0.0.5:5432"}]\n  serversTransports:\n    slow:\n      dialTimeout: 5s\n',
    item: 'pg@file', section: 'tcpServices', errors: ['serversTransport "slowww@file" does not exist; did you mean "slow@file"?'],
  },
  {
    desc: 'a weighted TCP service over a service that does not exist: the service and its router fail',
    dynamic: 'tcp:\n  routers:\n    db:\n      rule: HostSNI(`*`)\n      entryPoints: [postgres]\n      service: pg\n  services:\n    pg:\n      weighted:\n        services: [{name: primary}, {name: replica}]\n    primary:\n      loadBalancer:\n        servers: [{address: "10.0.0.5:5432"}]\n',
    item: 'pg@file', section: 'tcpServices', errors: ['weighted child "replica@file": the service "replica@file" does not exist'],
  },
];

for (const b of broken) {
  test(`check: ${b.desc}`, async () => {
    const dir = project({ 'traefik.yml': STATIC.replace('  docker:\n    exposedByDefault: false\n', ''), 'dynamic.yml': b.dynamic });
    const { code, out } = await check(['--configFile', join(dir, 'traefik.yml'), '--json']);
    const report = JSON.parse(out) as Report;
    const item = report[b.section]?.[b.item];
    assert.equal(item?.status, b.status ?? 'disabled', out);
    assert.deepEqual(item?.error, b.errors);
    assert.equal(code, b.status === 'warning' ? 0 : 1);
    if (b.section === 'tcpServices') assert.deepEqual(report.tcpRouters?.['db@file']?.error, b.errors, 'the router reports its service\'s error');
  });
}

test('check (text): TCP and UDP sections listed with their rule, service, servers, and each error under its item', async () => {
  const dir = project({ 'traefik.yml': STATIC.replace('  docker:\n    exposedByDefault: false\n', ''), 'dynamic.yml': broken[0]?.dynamic ?? '' });
  const { code, out } = await check(['--configFile', join(dir, 'traefik.yml')]);
  assert.equal(code, 1);
  assert.match(out, /^TCP routers \(1\)\n {2}FAIL db@file {2}HostSNI\(`\*`\) -> pgg\n {6}error: the service "pgg@file" does not exist; did you mean "pg@file"\?$/m);
  assert.match(out, /^TCP services \(1\)\n {2}ok {3}pg@file {2}10\.0\.0\.5:5432$/m);
  assert.doesNotMatch(out, /UDP routers/);
});

test('check: a TCP router naming a certificate resolver the static configuration does not declare fails, naming its label or its file and line', async () => {
  const acme = `${STATIC}certificatesResolvers:\n  le:\n    acme:\n      email: ops@example.com\n      storage: acme.json\n      tlsChallenge: {}\n`;
  const compose = COMPOSE.replace('      - traefik.tcp.routers.db.entrypoints=postgres\n', '      - traefik.tcp.routers.db.entrypoints=postgres\n      - traefik.tcp.routers.db.tls.certresolver=lee\n');
  const dir = project({ 'traefik.yml': acme, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': compose });
  const { code, out } = await check(['--compose', join(dir, 'docker-compose.yml')]);
  assert.equal(code, 1, out);
  assert.match(out, /^error: TCP router "db@docker" \(label "traefik\.tcp\.routers\.db\.tls\.certresolver" on container \S+db\S*\): certificate resolver "lee" is not declared in the static configuration; did you mean "le"\? \(certificatesResolvers: le\)/m);

  const file = 'tcp:\n  routers:\n    db:\n      rule: HostSNI(`db.test`)\n      entryPoints: [postgres]\n      service: pg\n      tls:\n        certResolver: staging\n  services:\n    pg:\n      loadBalancer:\n        servers: [{address: "10.0.0.5:5432"}]\n';
  const fromFile = project({ 'traefik.yml': acme.replace('  docker:\n    exposedByDefault: false\n', ''), 'dynamic.yml': file });
  const second = await check(['--configFile', join(fromFile, 'traefik.yml')]);
  assert.equal(second.code, 1, second.out);
  assert.ok(second.out.includes(`error: TCP router "db@file" (tcp.routers.db.tls.certResolver in ${join(fromFile, 'dynamic.yml')}:8): certificate resolver "staging" is not declared`), second.out);
});
