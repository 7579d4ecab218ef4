// `pe-edge check` run as users run it: the main command's Traefik flags, providers.file.directory, a file path that
// exists only inside the container, "did you mean" for a missing middleware, and the middleware listing.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { runCli, TempConfigDir } from '../../support/cli-process.js';

const STATIC = 'entryPoints:\n  web:\n    address: ":80"\nproviders:\n  docker:\n    exposedByDefault: false\n  file:\n    FILE_PROVIDER\n';
const staticWith = (fileProvider: string): string => STATIC.replace('FILE_PROVIDER', fileProvider);
const MIDDLEWARES = 'http:\n  middlewares:\n    to-https:\n      redirectScheme:\n        scheme: https\n    limit:\n      rateLimit:\n        average: 10\n';
const router = (name: string, middleware: string): string =>
  `http:\n  routers:\n    ${name}:\n      rule: "Host(\`${name}.test\`)"\n      middlewares: [${middleware}]\n      service: ${name}\n  services:\n    ${name}:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:3000\n`;
const COMPOSE = `services:
  shop:
    image: app
    expose: ["3000"]
    labels:
      - traefik.enable=true
      - traefik.http.routers.shop.rule=Host(\`shop.test\`)
      - traefik.http.routers.shop.middlewares=MIDDLEWARE
      - traefik.http.services.shop.loadbalancer.server.port=3000
`;

describe('pe-edge check as users run it', () => {
  const dirs: TempConfigDir[] = [];
  after(() => dirs.forEach((d) => d.remove()));
  const project = (files: Record<string, string>): TempConfigDir => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) {
      if (name.includes('/')) mkdirSync(dir.file(name.slice(0, name.lastIndexOf('/'))), { recursive: true });
      dir.write(name, text);
    }
    return dir;
  };
  const check = (dir: TempConfigDir, args: string[]) => runCli(['check', ...args], { cwd: dir.path });

  it('--compose takes the main command\'s flags: --providers.file.filename replaces traefik.yml\'s file', async () => {
    const dir = project({ 'traefik.yml': staticWith('filename: dynamic.yml'), 'dynamic.yml': 'http: {}\n', 'staging.yml': MIDDLEWARES, 'docker-compose.yml': COMPOSE.replace('MIDDLEWARE', 'to-https@file') });
    const res = await check(dir, ['--compose', 'docker-compose.yml', '--providers.file.filename=staging.yml']);
    assert.equal(res.code, 0, res.stdout.join('\n') + res.stderr.join('\n'));
    assert.ok(res.stdout.includes('  ok   shop@docker  Host(`shop.test`) -> shop'), res.stdout.join('\n'));
    // The middleware listing names each type as configured, once.
    assert.ok(res.stdout.includes('  ok   to-https@file  redirectScheme'), res.stdout.join('\n'));
    assert.ok(res.stdout.includes('  ok   limit@file  rateLimit'), res.stdout.join('\n'));
  });

  it('--configFile FILE plus a flag of the main command (--providers.docker.exposedByDefault) and --json', async () => {
    const dir = project({ 'traefik.yml': staticWith('filename: dynamic.yml'), 'dynamic.yml': MIDDLEWARES });
    const res = await check(dir, ['--configFile', 'traefik.yml', '--providers.docker.exposedByDefaultt=true', '--json']);
    assert.equal(res.code, 1);
    assert.match(res.stdout.join('\n'), /providers\.docker\.exposedByDefaultt: unknown key; did you mean \\"exposedByDefault\\"\?/);
  });

  it('--json prints durations as Traefik\'s API does (Go duration strings), not milliseconds', async () => {
    const health = '        healthCheck:\n          path: /health\n          interval: 90s\n';
    const dir = project({ 'traefik.yml': staticWith('filename: dynamic.yml'), 'dynamic.yml': MIDDLEWARES.replace('average: 10\n', 'average: 10\n        period: 1m\n') + router('shop', 'limit').replace('http:\n', '').replace('          - url: http://127.0.0.1:3000\n', '          - url: http://127.0.0.1:3000\n' + health) });
    const res = await check(dir, ['--configFile', 'traefik.yml', '--json']);
    assert.equal(res.code, 0, res.stdout.join('\n') + res.stderr.join('\n'));
    const report = JSON.parse(res.stdout.join('\n')) as { services: Record<string, { loadBalancer: { healthCheck: Record<string, unknown> } }>; middlewares: Record<string, { rateLimit: Record<string, unknown> }> };
    assert.equal(report.services['shop@file']?.loadBalancer.healthCheck.interval, '1m30s');
    assert.equal(report.services['shop@file']?.loadBalancer.healthCheck.timeout, '5s');
    assert.equal(report.middlewares['limit@file']?.rateLimit.period, '1m0s');
  });

  it('reads providers.file.directory, every file of it', async () => {
    const dir = project({ 'traefik.yml': staticWith('directory: conf.d'), 'conf.d/a.yml': MIDDLEWARES, 'conf.d/b.yml': router('shop', 'to-https') });
    const res = await check(dir, ['--configFile=traefik.yml']);
    assert.equal(res.code, 0, res.stdout.join('\n'));
    assert.ok(res.stdout.includes('  ok   shop@file  Host(`shop.test`) -> shop'), res.stdout.join('\n'));
    assert.deepEqual(res.stdout.filter((l) => /^(error|warning):/.test(l)), []);
  });

  it('a file path inside the container is read through the compose file\'s bind mount', async () => {
    const dir = project({ 'traefik.yml': staticWith('filename: /etc/traefik/dynamic/edge.yml'), 'config/edge.yml': MIDDLEWARES, 'docker-compose.yml': COMPOSE.replace('MIDDLEWARE', 'to-https@file') + '  edge:\n    image: pe-edge\n    volumes:\n      - ./config:/etc/traefik/dynamic:ro\n' });
    const res = await check(dir, ['--compose', 'docker-compose.yml']);
    assert.equal(res.code, 0, res.stdout.join('\n'));
    assert.ok(res.stdout.includes('  ok   to-https@file  redirectScheme'), res.stdout.join('\n'));
  });

  it('a file path that exists only inside the container is a warning with the hint, not a failure', async () => {
    const dir = project({ 'traefik.yml': staticWith('filename: /etc/traefik/pe-check-absent/dynamic.yml') });
    const res = await check(dir, ['--configFile=traefik.yml']);
    assert.equal(res.code, 0, res.stdout.join('\n'));
    const warning = res.stdout.find((l) => l.startsWith('warning: providers.file.filename'));
    assert.match(warning ?? '', /"\/etc\/traefik\/pe-check-absent\/dynamic\.yml" does not exist here \(a path inside the pe-edge container\?\).*--providers\.file\.filename=\.\/dynamic\.yml/);
    assert.deepEqual(res.stdout.filter((l) => l.startsWith('error:')), []);
  });

  it('a missing middleware gets "did you mean": a typo, and a name defined by another provider', async () => {
    const dir = project({ 'traefik.yml': staticWith('filename: dynamic.yml'), 'dynamic.yml': MIDDLEWARES + router('typo', 'to-htps').replace('http:\n', ''), 'docker-compose.yml': COMPOSE.replace('MIDDLEWARE', 'to-https') });
    const res = await check(dir, ['--compose', 'docker-compose.yml']);
    assert.equal(res.code, 1);
    const out = res.stdout.join('\n');
    assert.match(out, /FAIL typo@file[^\n]*\n {6}error: middleware "to-htps@file" does not exist; did you mean "to-https@file"\?/);
    assert.match(out, /FAIL shop@docker[^\n]*\n {6}error: middleware "to-https@docker" does not exist; did you mean "to-https@file"\?/);
  });

  it('a typo of check\'s own option is a usage error with the right name', async () => {
    const dir = project({});
    const res = await check(dir, ['--docker', '--jsn']);
    assert.equal(res.code, 2);
    assert.match(res.stderr[0] ?? '', /unknown option "--jsn"; did you mean "--json"\?/);
  });
});
