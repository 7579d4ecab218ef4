// The generated PRODUCTION topology (`pe-edge compose generate`, no --dev) as users run it: pe-edge as the
// compose service with the repository's traefik.yml and dynamic.yml, app1..app3 (pe-edge-whoami:local) with
// their Docker HEALTHCHECK, every label and middleware as generated. Only what cannot be real here changes:
// published ports on free loopback ports instead of 80/443/8082, the repository's files by absolute path, the
// credentials put in, and Let's Encrypt's directory pointed at a closed local port (no network), so the app
// router is served with pe-edge's default certificate. Through it, the seed's behaviours: web redirects to
// websecure, HTTPS, the security headers, compression, the sticky cookie, a replica whose health fails leaving
// the rotation, and the rate limit's 429s.
import assert from 'node:assert/strict';
import https from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, repoRoot } from '../support/cli-process.js';
import { IMAGES, dockerScope, ensureImages, httpGet, requireDocker, waitFor, type HttpAnswer } from './support/docker-env.js';
import { hostnameOf, runPeEdge } from './support/edge-on-host.js';

const HOST = 'pixelated-empathy.com';

/** GET over HTTPS to 127.0.0.1:port with SNI and Host `host`, the edge's default (self-signed) certificate accepted. */
function httpsGet(port: number, path: string, headers: Record<string, string> = {}, host = HOST): Promise<HttpAnswer & { tls: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, servername: host, headers: { host, ...headers }, rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
      const tls = `${(res.socket as import('node:tls').TLSSocket).getProtocol() ?? '?'}`;
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1'), tls }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET https://${host}${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

test('the generated production topology: redirect to HTTPS, headers, gzip, sticky, health removal, 429s', { timeout: 240_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const network = `pee2e-${process.pid}-prod_net`;
  // admin / e2e-secret as MD5-crypt, the hash `htpasswd -nb` prints.
  const hash = '$apr1$pe2e2e2e$GK2cCbR5RM4yqCzor/WjC1';
  const gen = await runPeEdge([
    'compose', 'generate', '--app-image', IMAGES.whoami, '--edge-image', IMAGES.edge, '--network', network,
    '--dashboard-password-hash', hash,
  ]);
  assert.equal(gen.code, 0, gen.stderr);
  const [web, secure, metrics] = [await freePort(), await freePort(), await freePort()];
  const root = repoRoot();
  const yaml = gen.stdout
    .replace('"80:80"', `"127.0.0.1:${web}:80"`)
    .replace('"443:443"', `"127.0.0.1:${secure}:443"`)
    .replace('"127.0.0.1:8082:8082"', `"127.0.0.1:${metrics}:8082"`)
    .replace('"./traefik.yml:', `"${join(root, 'traefik.yml')}:`)
    .replace('"./dynamic.yml:', `"${join(root, 'dynamic.yml')}:`)
    .replace(/\$\{ACME_EMAIL:\?[^}]*\}/, 'e2e@example.com')
    .replace('- "--configFile=/etc/traefik/traefik.yml"', '- "--configFile=/etc/traefik/traefik.yml"\n      - "--certificatesResolvers.letsencrypt.acme.caServer=https://127.0.0.1:9/directory"');
  // As generated: websecure only, Let's Encrypt, the seed's chain on the app router.
  assert.match(yaml, /traefik\.http\.routers\.app\.entrypoints: "websecure"/);
  assert.match(yaml, /traefik\.http\.routers\.app\.tls\.certresolver: "letsencrypt"/);
  assert.match(yaml, /traefik\.http\.routers\.app\.middlewares: "security-headers@file,rate-limit@file,compression@file,circuit-breaker@file,retry@file"/);
  const project = scope.compose('prod', yaml);
  await project.up(['pe-edge', 'app1', 'app2', 'app3']);
  const serviceOf = new Map((await project.ps()).map((c) => [c.id.slice(0, 12), c.service]));
  const logsOnFailure = async (err: unknown): Promise<never> => {
    throw new Error(`${(err as Error).message}\n${(await project.logs('pe-edge')).slice(-4000)}`);
  };
  await waitFor('every container healthy', async () => {
    const ps = await project.ps();
    return ps.length === 4 && ps.every((c) => c.health === 'healthy');
  }, { timeoutMs: 90_000, intervalMs: 500 }).catch(logsOnFailure);

  // web → websecure, permanent, on any path; the ping stays on web for load balancers.
  const redirect = await httpGet(`http://127.0.0.1:${web}/some/page?q=1`, { headers: { Host: HOST } });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, `https://${HOST}/some/page?q=1`);
  assert.equal((await httpGet(`http://127.0.0.1:${web}/ping`)).status, 200);

  // HTTPS to the three replicas (each joins once Docker calls it healthy).
  const seen = await waitFor('app1..app3 over HTTPS', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await httpsGet(secure, '/');
      if (r.status === 200) names.add(serviceOf.get(hostnameOf(r.body) ?? '') ?? '?');
    }
    return names.size === 3 ? names : undefined;
  }, { timeoutMs: 45_000, intervalMs: 500 }).catch(logsOnFailure);
  assert.deepEqual([...seen].sort(), ['app1', 'app2', 'app3']);

  // The chain: security headers, gzip over 1 kB, a Secure HttpOnly sticky cookie, TLS 1.3.
  const page = await httpsGet(secure, '/page', { 'Accept-Encoding': 'gzip', 'X-Pad': 'x'.repeat(1500) });
  assert.equal(page.status, 200);
  assert.equal(page.tls, 'TLSv1.3');
  assert.equal(page.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains; preload');
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['content-security-policy'], "default-src 'self'; frame-ancestors 'none'");
  assert.equal(page.headers['content-encoding'], 'gzip');
  assert.equal(page.headers['server'], undefined);
  const setCookie = String(page.headers['set-cookie'] ?? '');
  assert.match(setCookie, /^pe_session=[^;]+;.*Secure/i);
  assert.match(setCookie, /HttpOnly/i);
  const cookie = setCookie.split(';')[0] ?? '';
  const pinned = new Set<string>();
  for (let i = 0; i < 4; i++) pinned.add(hostnameOf((await httpsGet(secure, `/p${i}`, { Cookie: cookie })).body) ?? '?');
  assert.equal(pinned.size, 1, 'one container for a client with the cookie');
  const sick = [...pinned][0] ?? '';

  // That replica's health fails: it leaves the rotation (its Docker HEALTHCHECK, or the router's own check).
  assert.equal((await httpsGet(secure, '/health/fail', { Cookie: cookie })).status, 200);
  const failedAt = Date.now();
  await waitFor(`${serviceOf.get(sick)} out of the rotation`, async () => {
    const names = new Set<string>();
    for (let i = 0; i < 3; i++) names.add(hostnameOf((await httpsGet(secure, `/h${i}`)).body) ?? '?');
    return names.has(sick) ? undefined : true;
  }, { timeoutMs: 60_000, intervalMs: 2000 }).catch(logsOnFailure);
  const removedMs = Date.now() - failedAt;
  const after = new Set<string>();
  for (let i = 0; i < 6; i++) after.add(serviceOf.get(hostnameOf((await httpsGet(secure, `/a${i}`)).body) ?? '') ?? '?');
  assert.equal(after.size, 2, `two replicas left: ${[...after].join(',')}`);
  assert.ok(!after.has(serviceOf.get(sick) ?? ''));

  // rate-limit@file: burst 50 then 100 a minute per client; 80 at once meet 429s with Retry-After.
  const burst = await Promise.all(Array.from({ length: 80 }, (_, i) => httpsGet(secure, `/b${i}`)));
  const refused = burst.filter((r) => r.status === 429);
  assert.ok(refused.length > 0 && burst.some((r) => r.status === 200), `200s then 429s: ${burst.map((r) => r.status).join(',')}`);
  assert.ok(refused.every((r) => Number(r.headers['retry-after']) >= 1));
  t.diagnostic(`production topology: sick replica out of the rotation ${removedMs} ms after its /health failed; burst: ${refused.length} of 80 refused`);
});
