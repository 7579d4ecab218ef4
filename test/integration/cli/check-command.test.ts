import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkCommand } from '../../../operator/cli/check-command.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pe-check-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function check(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await checkCommand(args, (s) => { out += s; }, (s) => { err += s; });
  return { code, out, err };
}

const STATIC = 'entryPoints:\n  web:\n    address: ":80"\nproviders:\n  docker:\n    exposedByDefault: false\n  file:\n    filename: dynamic.yml\n';
const DYNAMIC = 'http:\n  middlewares:\n    to-https:\n      redirectScheme:\n        scheme: https\n';
const COMPOSE = `services:
  app1:
    image: app
    expose: ["3000"]
    labels:
      - traefik.enable=true
      - traefik.http.routers.app.rule=Host(\`shop.test\`)
      - traefik.http.routers.app.middlewares=to-https@file
      - traefik.http.services.app.loadbalancer.server.port=3000
  app2:
    image: app
    expose: ["3000"]
    labels:
      - traefik.enable=true
      - traefik.http.routers.app.rule=Host(\`shop.test\`)
      - traefik.http.routers.app.middlewares=to-https@file
      - traefik.http.services.app.loadbalancer.server.port=3000
  worker:
    image: worker
`;

test('check --compose --json: Traefik rawdata shape, one pool for identical replicas, exit 0', async () => {
  const dir = project({ 'traefik.yml': STATIC, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': COMPOSE });
  const { code, out } = await check(['--compose', join(dir, 'docker-compose.yml'), '--json']);
  const report = JSON.parse(out) as { routers: Record<string, { status: string; using: string[]; rule: string }>; services: Record<string, { status: string; loadBalancer: { servers: { url: string }[] } }>; middlewares: Record<string, { status: string; usedBy: string[] }>; containers: { name: string; status: string; reason?: string }[] };
  assert.equal(code, 0, out);
  assert.equal(report.routers['app@docker']?.status, 'enabled');
  assert.deepEqual(report.routers['app@docker']?.using, ['web']);
  assert.deepEqual(report.services['app@docker']?.loadBalancer.servers.map((s) => s.url), ['http://app1:3000', 'http://app2:3000']);
  assert.deepEqual(report.middlewares['to-https@file']?.usedBy, ['app@docker']);
  const worker = report.containers.find((c) => c.name.endsWith('_worker_1'));
  assert.equal(worker?.status, 'left out');
  assert.match(worker?.reason ?? '', /exposedByDefault is false/);
});

test('check --compose: a typo label fails the check, naming container, label and the fix', async () => {
  const dir = project({ 'traefik.yml': STATIC, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': COMPOSE.replace('routers.app.rule=Host(`shop.test`)\n      - traefik.http.routers.app.middlewares=to-https@file\n      - traefik.http.services.app.loadbalancer.server.port=3000\n  worker', 'routers.app.rulle=Host(`shop.test`)\n      - traefik.http.routers.app.middlewares=to-https@file\n      - traefik.http.services.app.loadbalancer.server.port=3000\n  worker') });
  const { code, out } = await check(['--compose', join(dir, 'docker-compose.yml')]);
  assert.equal(code, 1);
  assert.match(out, /SKIP \S+_app2_1: 1 label error/);
  assert.match(out, /label "traefik\.http\.routers\.app\.rulle": unknown key; did you mean "rule"\?/);
});

test('check --configFile: a bad router in the dynamic file fails the check and names it', async () => {
  const dir = project({ 'traefik.yml': STATIC.replace('  docker:\n    exposedByDefault: false\n', ''), 'dynamic.yml': DYNAMIC + '  routers:\n    web:\n      rule: "Host(\'a.test\')"\n      service: nope\n' });
  const { code, out } = await check(['--configFile', join(dir, 'traefik.yml')]);
  assert.equal(code, 1);
  assert.match(out, /FAIL web@file/);
  assert.match(out, /rule column \d+: single-quoted/);
});

test('check without a target explains what it needs', async () => {
  const { code, err } = await check(['--jsn']);
  assert.equal(code, 2);
  assert.match(err, /unknown option "--jsn"/);
});

// ACME: what the certificate resolvers would log for these routers, before a deploy.
const ACME_STATIC = `entryPoints:
  web:
    address: ":80"
  websecure:
    address: ":443"
    http:
      tls:
        certResolver: RESOLVER_OF_ENTRYPOINT
providers:
  docker:
    exposedByDefault: false
  file:
    filename: dynamic.yml
certificatesResolvers:
  le:
    acme:
      email: ops@shop.test
      storage: /letsencrypt/acme.json
      httpChallenge:
        entryPoint: HTTP_CHALLENGE_ENTRYPOINT
`;
const acmeStatic = (entryPointResolver = 'le', httpChallengeEntryPoint = 'web'): string =>
  ACME_STATIC.replace('RESOLVER_OF_ENTRYPOINT', entryPointResolver).replace('HTTP_CHALLENGE_ENTRYPOINT', httpChallengeEntryPoint);
const acmeCompose = (certresolver: string): string => `services:
  shop:
    image: app
    expose: ["3000"]
    labels:
      - traefik.enable=true
      - traefik.http.routers.shop.rule=Host(\`shop.test\`)
      - traefik.http.routers.shop.entrypoints=websecure
      - traefik.http.routers.shop.tls.certresolver=${certresolver}
      - traefik.http.services.shop.loadbalancer.server.port=3000
`;
const NO_TLS_ROUTER = 'http:\n  routers:\n    plain:\n      rule: "Host(`plain.test`)"\n      entryPoints: [websecure]\n      service: app\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:3000\n';

test('check: a router naming a resolver that is not declared fails the check, naming the router, its label, the near name and the declared ones', async () => {
  const dir = project({ 'traefik.yml': acmeStatic(), 'dynamic.yml': DYNAMIC, 'docker-compose.yml': acmeCompose('lee') });
  const { code, out } = await check(['--compose', join(dir, 'docker-compose.yml')]);
  assert.equal(code, 1, out);
  // The router itself is what the running edge would show: served, with a warning.
  assert.match(out, /^ {2}WARN shop@docker {2}Host\(`shop\.test`\) -> shop$/m);
  assert.match(out, /^ {6}warning: Router uses a nonexistent certificate resolver: "lee"; did you mean "le"\? \(running resolvers: le\); served without it/m);
  assert.match(out, /^error: router "shop@docker" \(label "traefik\.http\.routers\.shop\.tls\.certresolver" on container \S+_shop_1\): certificate resolver "lee" is not declared in the static configuration; did you mean "le"\? \(certificatesResolvers: le\); pe-edge would serve the router without its certificates/m);

  // A name nowhere near: no suggestion, the declared ones listed.
  const far = project({ 'traefik.yml': acmeStatic(), 'dynamic.yml': DYNAMIC, 'docker-compose.yml': acmeCompose('letsencrypt') });
  const farOut = await check(['--compose', join(far, 'docker-compose.yml')]);
  assert.equal(farOut.code, 1, farOut.out);
  assert.match(farOut.out, /^error: router "shop@docker" \(label [^)]+\): certificate resolver "letsencrypt" is not declared in the static configuration \(certificatesResolvers: le\);/m);

  // The same router with the resolver that exists: no warning, exit 0.
  const good = project({ 'traefik.yml': acmeStatic(), 'dynamic.yml': DYNAMIC, 'docker-compose.yml': acmeCompose('le') });
  const ok = await check(['--compose', join(good, 'docker-compose.yml'), '--json']);
  assert.equal(ok.code, 0, ok.out);
  const report = JSON.parse(ok.out) as { routers: Record<string, { status: string; error?: string[] }> };
  assert.equal(report.routers['shop@docker']?.status, 'enabled');
  assert.equal(report.routers['shop@docker']?.error, undefined);
});

test('check: an undeclared resolver in a dynamic file names the file and line', async () => {
  const router = 'http:\n  routers:\n    web:\n      rule: "Host(`web.test`)"\n      entryPoints: [websecure]\n      service: app\n      tls:\n        certResolver: staging\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:3000\n';
  const dir = project({ 'traefik.yml': acmeStatic().replace('  docker:\n    exposedByDefault: false\n', ''), 'dynamic.yml': router });
  const { code, out } = await check(['--configFile', join(dir, 'traefik.yml')]);
  assert.equal(code, 1, out);
  assert.ok(out.includes(`error: router "web@file" (http.routers.web.tls.certResolver in ${join(dir, 'dynamic.yml')}:8): certificate resolver "staging" is not declared in the static configuration (certificatesResolvers: le);`), out);
});

test('check: the entrypoint\'s http.tls.certResolver counts for routers without their own tls section', async () => {
  const dir = project({ 'traefik.yml': acmeStatic('lets').replace('  docker:\n    exposedByDefault: false\n', ''), 'dynamic.yml': NO_TLS_ROUTER });
  const { code, out } = await check(['--configFile', join(dir, 'traefik.yml'), '--json']);
  assert.equal(code, 1, out);
  const report = JSON.parse(out) as { routers: Record<string, { status: string; error?: string[] }>; errors: string[] };
  assert.equal(report.routers['plain@file']?.status, 'warning');
  assert.match(report.routers['plain@file']?.error?.[0] ?? '', /^Router uses a nonexistent certificate resolver: "lets" \(running resolvers: le\)/);
  assert.ok(report.errors.some((e) => e.startsWith(`router "plain@file" (entryPoints.websecure.http.tls.certResolver in ${join(dir, 'traefik.yml')}): certificate resolver "lets"`)), JSON.stringify(report.errors));
});

test('check: an httpChallenge entrypoint that does not exist is the runtime\'s error, and fails the check', async () => {
  const dir = project({ 'traefik.yml': acmeStatic('le', 'http'), 'dynamic.yml': DYNAMIC, 'docker-compose.yml': acmeCompose('le') });
  const { code, out } = await check(['--compose', join(dir, 'docker-compose.yml')]);
  assert.equal(code, 1, out);
  assert.match(out, /^error: certificatesResolvers\.le\.acme\.httpChallenge: entryPoint "http" doesn't exist$/m);
  assert.match(out, /^ {2}ok {3}shop@docker/m, 'the router itself is fine');
});

test('check: a wildcard domain asked of a resolver without dnsChallenge is a warning on the router; with dnsChallenge none', async () => {
  const wildcard = 'http:\n  routers:\n    wild:\n      rule: "Host(`a.shop.test`)"\n      entryPoints: [websecure]\n      service: app\n      tls:\n        certResolver: le\n        domains:\n          - main: "*.shop.test"\n            sans: [shop.test]\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:3000\n';
  const fileOnly = acmeStatic().replace('  docker:\n    exposedByDefault: false\n', '');
  const dir = project({ 'traefik.yml': fileOnly, 'dynamic.yml': wildcard });
  const { code, out } = await check(['--configFile', join(dir, 'traefik.yml')]);
  assert.equal(code, 0, out);
  assert.match(out, /^ {2}WARN wild@file/m);
  assert.ok(out.includes('      warning: Unable to obtain ACME certificate for domains "*.shop.test,shop.test": wildcard domain *.shop.test requires a DNS-01 challenge (dnsChallenge), which resolver "le" does not configure\n'), out);

  const withDns = project({ 'traefik.yml': fileOnly.replace('      httpChallenge:\n        entryPoint: web\n', '      dnsChallenge:\n        provider: exec\n'), 'dynamic.yml': wildcard });
  const ok = await check(['--configFile', join(withDns, 'traefik.yml')]);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /^ {2}ok {3}wild@file/m);
  assert.doesNotMatch(ok.out, /warning/);
});

test('check: a TCP router asking a resolver without dnsChallenge for a wildcard HostSNI is a warning on that TCP router, not on an HTTP router of the same name', async () => {
  const dynamic = 'http:\n  routers:\n    db:\n      rule: "Host(`db.shop.test`)"\n      entryPoints: [websecure]\n      service: app\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:3000\n'
    + 'tcp:\n  routers:\n    db:\n      rule: "HostSNI(`*.db.shop.test`)"\n      entryPoints: [websecure]\n      service: db\n      tls:\n        certResolver: le\n  services:\n    db:\n      loadBalancer:\n        servers:\n          - address: 127.0.0.1:5432\n';
  const dir = project({ 'traefik.yml': acmeStatic().replace('  docker:\n    exposedByDefault: false\n', ''), 'dynamic.yml': dynamic });
  const { code, out } = await check(['--configFile', join(dir, 'traefik.yml'), '--json']);
  assert.equal(code, 0, out);
  const report = JSON.parse(out) as { routers: Record<string, { status: string; error?: string[] }>; tcpRouters: Record<string, { status: string; error?: string[] }> };
  assert.equal(report.tcpRouters['db@file']?.status, 'warning', out);
  assert.deepEqual(report.tcpRouters['db@file']?.error, ['Unable to obtain ACME certificate for domains "*.db.shop.test": wildcard domain *.db.shop.test requires a DNS-01 challenge (dnsChallenge), which resolver "le" does not configure']);
  assert.equal(report.routers['db@file']?.status, 'enabled', out);
});

// The engine check --compose asks about images: a Docker API on loopback that knows one image.
async function imageEngine(images: Record<string, string[]>): Promise<{ endpoint: string; asked: string[]; close: () => Promise<void> }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const found = /^(?:\/v[\d.]+)?\/images\/(.+)\/json$/.exec(req.url ?? '');
    const name = found?.[1] !== undefined ? decodeURIComponent(found[1]) : '';
    asked.push(name);
    const ports = images[name];
    res.writeHead(ports === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ports === undefined ? { message: `No such image: ${name}` } : { Id: 'sha256:1', Config: { ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `tcp://127.0.0.1:${port}`, asked, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('check --compose: a service port the image does not EXPOSE is a warning naming service, container, port and the image\'s ports', async (t) => {
  const engine = await imageEngine({ 'shop/app:2': ['8080/tcp'] });
  t.after(() => engine.close());
  const staticYml = STATIC.replace('  docker:\n', `  docker:\n    endpoint: ${engine.endpoint}\n`);
  const compose = COMPOSE.replaceAll('image: app', 'image: shop/app:2');
  const dir = project({ 'traefik.yml': staticYml, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': compose });
  const { code, out } = await check(['--compose', join(dir, 'docker-compose.yml')]);
  assert.equal(code, 0, out);
  assert.match(out, /^ {6}warning: service "app" on container \S+_app1_1: traefik\.http\.services\.app\.loadbalancer\.server\.port=3000 is not a port image "shop\/app:2" exposes \(8080\/tcp\)/m);
  assert.match(out, /^ {6}warning: service "app" on container \S+_app2_1: /m);
  assert.deepEqual(engine.asked.filter((n) => n === 'shop/app:2').length, 1, 'one image, asked once');

  // The engine without that image (or no engine at all): nothing said.
  const unknown = project({ 'traefik.yml': staticYml, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': COMPOSE.replaceAll('image: app', 'image: shop/other:1') });
  const quiet = await check(['--compose', join(unknown, 'docker-compose.yml')]);
  assert.equal(quiet.code, 0, quiet.out);
  assert.doesNotMatch(quiet.out, /warning: service/);
  const noEngine = project({ 'traefik.yml': STATIC.replace('  docker:\n', '  docker:\n    endpoint: unix:///nonexistent-pe-edge/docker.sock\n'), 'dynamic.yml': DYNAMIC, 'docker-compose.yml': compose });
  const silent = await check(['--compose', join(noEngine, 'docker-compose.yml')]);
  assert.equal(silent.code, 0, silent.out);
  assert.doesNotMatch(silent.out, /warning: service/);
});

test('check: the middleware listing names each type once, as configured, from labels and files, disabled ones too', async () => {
  const compose = COMPOSE.replaceAll('      - traefik.http.routers.app.middlewares=to-https@file\n', '      - traefik.http.routers.app.middlewares=to-https@file,limit\n      - traefik.http.middlewares.limit.ratelimit.average=5\n      - traefik.http.middlewares.limit.ratelimit.burst=10\n      - traefik.http.middlewares.login.plugin.sso.key=v\n');
  const dir = project({ 'traefik.yml': STATIC, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': compose });
  const { out } = await check(['--compose', join(dir, 'docker-compose.yml')]);
  const listed = out.slice(out.indexOf('Middlewares ('), out.indexOf('Containers (')).split('\n').filter((l) => /^ {2}\S/.test(l));
  assert.deepEqual(listed, ['  ok   limit@docker  rateLimit', '  FAIL login@docker  plugin', '  ok   to-https@file  redirectScheme'], out);
});

const REDIS_COMPOSE = (endpoints: string, extra = ''): string => `services:
  app:
    image: app
    expose: ["3000"]
    labels:
      - traefik.enable=true
      - traefik.http.routers.app.rule=Host(\`shop.test\`)
      - traefik.http.routers.app.middlewares=limit
      - traefik.http.middlewares.limit.ratelimit.average=100
      - traefik.http.middlewares.limit.ratelimit.period=1m
      - traefik.http.middlewares.limit.ratelimit.redis.endpoints=${endpoints}
      - traefik.http.middlewares.limit.ratelimit.redis.db=1${extra}
      - traefik.http.services.app.loadbalancer.server.port=3000
`;

test('check --compose: rateLimit.redis labels pass the check, the middleware enabled, nothing warned', async () => {
  const dir = project({ 'traefik.yml': STATIC, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': REDIS_COMPOSE('redis-a:6379,redis-b:6379') });
  const { code, out, err } = await check(['--compose', join(dir, 'docker-compose.yml'), '--json']);
  assert.equal(code, 0, out + err);
  const report = JSON.parse(out) as { middlewares: Record<string, { status: string; usedBy: string[]; rateLimit?: { redis?: { endpoints?: string[] } } }> };
  assert.equal(report.middlewares['limit@docker']?.status, 'enabled');
  assert.deepEqual(report.middlewares['limit@docker']?.usedBy, ['app@docker']);
  assert.deepEqual(report.middlewares['limit@docker']?.rateLimit?.redis?.endpoints, ['redis-a:6379', 'redis-b:6379']);
  assert.doesNotMatch(out + err, /not implemented/i);
});

test('check --compose: a bad rateLimit.redis endpoint or a misspelt redis key fails the check, naming the label', async () => {
  const badEndpoint = project({ 'traefik.yml': STATIC, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': REDIS_COMPOSE('redis') });
  const bad = await check(['--compose', join(badEndpoint, 'docker-compose.yml')]);
  assert.equal(bad.code, 1);
  assert.match(bad.out + bad.err, /traefik\.http\.middlewares\.limit\.ratelimit\.redis\.endpoints.*endpoint "redis" is not host:port/);
  const typo = project({ 'traefik.yml': STATIC, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': REDIS_COMPOSE('redis:6379', '\n      - traefik.http.middlewares.limit.ratelimit.redis.pasword=x') });
  const misspelt = await check(['--compose', join(typo, 'docker-compose.yml')]);
  assert.equal(misspelt.code, 1);
  assert.match(misspelt.out + misspelt.err, /traefik\.http\.middlewares\.limit\.ratelimit\.redis\.pasword.*did you mean "password"\?/);
});

const SWARM_STATIC = 'entryPoints:\n  web:\n    address: ":80"\nproviders:\n  swarm:\n    exposedByDefault: false\n    network: pe_backend\n  file:\n    filename: dynamic.yml\n';
const STACK = `services:
  app:
    image: app
    networks: [backend]
    labels:
      - traefik.http.routers.stray.rule=Host(\`stray.test\`)
    deploy:
      replicas: 3
      labels:
        - traefik.enable=true
        - traefik.http.routers.app.rule=Host(\`shop.test\`)
        - traefik.http.routers.app.middlewares=to-https@file
        - traefik.http.services.app.loadbalancer.server.port=3000
        - traefik.swarm.network=backend
networks:
  backend:
    driver: overlay
`;

test('check --compose on a stack file reads deploy.labels as providers.swarm does: @swarm names, the stack\'s task address, container labels warned as unread', async () => {
  const dir = project({ 'traefik.yml': SWARM_STATIC, 'dynamic.yml': DYNAMIC, 'stack.yml': STACK });
  const { code, out } = await check(['--compose', join(dir, 'stack.yml'), '--project', 'pe', '--json']);
  const report = JSON.parse(out) as { routers: Record<string, { status: string }>; services: Record<string, { loadBalancer: { servers: { url: string }[] } }>; containers: { name: string; status: string }[]; warnings: string[] };
  assert.equal(code, 0, out);
  assert.equal(report.routers['app@swarm']?.status, 'enabled');
  assert.equal(report.routers['stray@swarm'], undefined, 'container labels are not the service\'s');
  assert.equal(report.routers['stray@docker'], undefined);
  assert.deepEqual(report.services['app@swarm']?.loadBalancer.servers.map((s) => s.url), ['http://tasks.pe_app:3000']);
  assert.deepEqual(report.containers.map((c) => c.name), ['swarm service pe_app']);
  assert.ok(report.warnings.some((w) => /services\.app\.labels: traefik\.\* labels there are container labels, which providers\.swarm does not read/.test(w)), report.warnings.join('\n'));
});

test('check --compose on a stack file: a typo in deploy.labels fails the check, naming the service, the label and the fix', async () => {
  const dir = project({ 'traefik.yml': SWARM_STATIC, 'dynamic.yml': DYNAMIC, 'stack.yml': STACK.replace('routers.app.rule=', 'routers.app.rulle=') });
  const { code, out } = await check(['--compose', join(dir, 'stack.yml'), '--project', 'pe']);
  assert.equal(code, 1, out);
  assert.match(out, /swarm service pe_app: 1 label error/);
  assert.match(out, /label "traefik\.http\.routers\.app\.rulle": unknown key; did you mean "rule"\?/);
});
