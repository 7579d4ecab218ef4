// The dashboard in a real browser: Debian's chromium driven by playwright-core (no browser download), against
// pe-edge started from the CLI with a file configuration. The dashboard is routed as Traefik documents it (a router
// on PathPrefix(`/api`) || PathPrefix(`/dashboard`) to api@internal, behind basicAuth). The page logs in, shows
// routers, services and middlewares, a router with a typo'd middleware name with its error, a health-checked server
// going DOWN and back UP, charts after traffic; TCP routers (terminated, passthrough, one in error), services and
// middlewares and UDP routers and services from /api/tcp/* and /api/udp/*, hidden again when a reload removes them;
// no console error (a CSP violation is one), no request off loopback: chromium goes through a local proxy that
// refuses and records every non-local connection.
// Without chromium the test skips loudly, except under CI=true, where it fails.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBackend, type Backend } from '../support/backends.js';
import { CliProcess, freePort, repoRoot, staticYaml, TempConfigDir } from '../support/cli-process.js';
import { chromiumMissing, inkedPixels, launchHeadlessChromium, saveArtifact, watchPage, type HeadlessChromium } from '../support/headless-chromium.js';
import { httpGet } from '../support/load-client.js';
import { echoServer, type TcpBackend } from '../support/tcp-backends.js';
import { freeUdpPort } from '../support/udp-peers.js';

const USER = 'admin';
const PASSWORD = 'dashboard-test-password';
const USERS = `${USER}:{SHA}${createHash('sha1').update(PASSWORD).digest('base64')}`;

const missing = chromiumMissing();
if (missing !== null && process.env['CI'] === 'true') {
  it('dashboard browser test: chromium is required in CI', () => {
    assert.fail(`the dashboard browser test cannot run in CI: ${missing}`);
  });
} else if (missing !== null) {
  console.warn(`\n!!! SKIPPING the dashboard browser test: ${missing}. It runs in CI (.ci/run installs chromium).\n`);
  it('dashboard in a browser', { skip: `SKIPPED LOUDLY: ${missing}` }, () => undefined);
} else {
  describe('dashboard in chromium', { timeout: 120_000 }, () => {
    const dir = new TempConfigDir();
    let proc: CliProcess;
    let app: Backend;
    let healthy = true;
    let web = 0;
    let admin = 0;
    let chromium: HeadlessChromium;
    let db: TcpBackend;
    let dnsServer = '';
    let dynamicFile = '';
    let httpOnly = '';

    before(async () => {
      app = await startBackend('app', (req, res) => {
        if (req.url === '/health') {
          res.writeHead(healthy ? 200 : 503);
          res.end(healthy ? 'ok' : 'sick');
          return;
        }
        res.writeHead(req.url === '/fail' ? 502 : 200, { 'content-type': 'text/plain' });
        res.end('app');
      });
      db = await echoServer('db:');
      dnsServer = `127.0.0.1:${await freeUdpPort()}`;
      const [tcp, dns] = [await freePort(), await freeUdpPort()];
      [web, admin] = [await freePort(), await freePort()];
      httpOnly = `http:
  routers:
    dashboard:
      rule: PathPrefix(\`/api\`) || PathPrefix(\`/dashboard\`)
      entryPoints: [admin]
      service: api@internal
      middlewares: [auth]
    app:
      rule: Host(\`app.test\`)
      entryPoints: [web]
      service: app
    typo:
      rule: Host(\`typo.test\`)
      entryPoints: [web]
      service: app
      middlewares: [autth]
  middlewares:
    auth:
      basicAuth:
        users: ["${USERS}"]
  services:
    app:
      loadBalancer:
        healthCheck:
          path: /health
          interval: 200ms
          timeout: 500ms
        servers:
          - url: ${app.url}
`;
      dynamicFile = dir.write('dynamic.yml', `${httpOnly}tcp:
  routers:
    db:
      rule: HostSNI(\`db.test\`)
      entryPoints: [tcp]
      service: db
      middlewares: [local]
      tls:
        certResolver: le
    pass:
      rule: HostSNI(\`pass.test\`)
      entryPoints: [tcp]
      service: db
      tls:
        passthrough: true
    lost:
      rule: HostSNI(\`lost.test\`)
      entryPoints: [tcp]
      service: nosuch
      tls: {}
  services:
    db:
      loadBalancer:
        servers:
          - address: ${db.address}
  middlewares:
    local:
      ipAllowList:
        sourceRange: [127.0.0.1/32]
udp:
  routers:
    dns:
      entryPoints: [dns]
      service: dns
  services:
    dns:
      loadBalancer:
        servers:
          - address: ${dnsServer}
`);
      dir.write('traefik.yml', staticYaml({ entryPoints: { web, admin, tcp }, udpEntryPoints: { dns }, dynamicFile, extra: 'api: {}\ncertificatesResolvers:\n  le:\n    acme:\n      caServer: http://127.0.0.1:9/directory\n      storage: acme.json\n      httpChallenge:\n        entryPoint: web' }));
      proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
      await proc.waitListening(4, 15_000);
      chromium = await launchHeadlessChromium();
    });

    after(async () => {
      await chromium?.close();
      await proc?.stop();
      await app?.close();
      await db?.close();
      dir.remove();
    });

    it('without credentials: 401, and neither the page, its files nor the API answer', async () => {
      const context = await chromium.browser.newContext();
      const page = await context.newPage();
      const answers: [string, number][] = [];
      page.on('response', (r) => answers.push([r.url(), r.status()]));
      // Headless chromium cancels the credentials prompt a 401 with a challenge opens: the navigation fails.
      await assert.rejects(page.goto(`http://127.0.0.1:${admin}/dashboard/`), /ERR_INVALID_AUTH_CREDENTIALS/);
      assert.deepEqual(answers, [[`http://127.0.0.1:${admin}/dashboard/`, 401]], 'one answer, a 401; no file was fetched');
      await context.close();
      for (const path of ['/dashboard/', '/dashboard/app.js', '/dashboard/app.css', '/api/rawdata', '/api/pe-edge/timeseries', '/api/pe-edge/changes']) {
        const r = await httpGet(`http://127.0.0.1:${admin}${path}`);
        assert.equal(r.status, 401, path);
        assert.doesNotMatch(r.body, /uPlot|<html|routers|bucketSeconds|app@file/, path);
      }
    });

    it('logged in: routers, services, middlewares, the typo with its error, DOWN and back UP, charts, no console error, nothing off loopback', async () => {
      const context = await chromium.browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1280, height: 1000 } });
      const page = await context.newPage();
      const { consoleErrors, requests } = watchPage(page);

      const res = await page.goto(`http://127.0.0.1:${admin}/dashboard/`);
      assert.equal(res?.status(), 200);
      assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      await page.waitForSelector('[data-router="app@file"]');
      for (const name of ['app@file', 'typo@file', 'dashboard@file']) await page.waitForSelector(`[data-router="${name}"]`);
      await page.waitForSelector('[data-service="app@file"]');
      await page.waitForSelector('[data-middleware="auth@file"]');
      await page.waitForSelector('[data-entrypoint="web"]');
      const typo = await page.textContent('[data-router="typo@file"]');
      assert.match(typo ?? '', /disabled/);
      assert.match(typo ?? '', /middleware "autth@file" does not exist/);
      // The typo names no middleware: none is listed under that name (it once showed as an enabled one).
      assert.equal(await page.locator('[data-middleware="autth@file"]').count(), 0);
      assert.deepEqual(await page.locator('[data-middleware]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-middleware'))), ['auth@file']);
      const server = `[data-service="app@file"] [data-server="${app.url}"]`;
      await page.waitForSelector(`${server}[data-state="UP"]`);

      healthy = false;
      await page.waitForSelector(`${server}[data-state="DOWN"]`, { timeout: 15_000 });
      assert.match(await page.textContent(server) ?? '', /DOWN/);
      healthy = true;
      await page.waitForSelector(`${server}[data-state="UP"]`, { timeout: 15_000 });

      // Traffic from outside the browser; the charts of router app@file appear and draw.
      for (let i = 0; i < 20; i++) await httpGet(`http://127.0.0.1:${web}/${i % 5 === 0 ? 'fail' : ''}`, { host: 'app.test' });
      await page.waitForSelector('[data-chart="router app@file"] canvas', { timeout: 15_000 });
      await page.waitForSelector('[data-chart="service app@file"] canvas');
      const inked = await inkedPixels(page, '[data-chart="router app@file"] canvas');
      assert.ok(inked > 100, `the chart's canvas has something drawn (${inked} pixels)`);
      await page.waitForSelector('#changes tr');
      assert.match(await page.textContent('#changes') ?? '', /autth@file/);

      saveArtifact('dashboard.png', await page.screenshot({ fullPage: true }));
      if (process.env['PE_EDGE_DOCS_SCREENSHOT'] === '1') {
        writeFileSync(join(repoRoot(), 'docs', 'dashboard.png'), await page.screenshot({ fullPage: false, scale: 'css' }));
      }

      assert.deepEqual(consoleErrors, [], 'no console error or warning (a CSP violation would be one)');
      const offLoopback = requests.filter((u) => !u.startsWith(`http://127.0.0.1:${admin}/`));
      assert.deepEqual(offLoopback, [], 'every request of the page goes to pe-edge');
      assert.ok(requests.some((u) => u.endsWith('/api/pe-edge/timeseries')), 'the page polls the time series');
      assert.deepEqual(chromium.offLoopback, [], 'no connection attempt off loopback reached the refusing proxy');
      await context.close();
    });

    it('TCP and UDP: routers with rule, entrypoints, TLS and service, one in error; services with their servers; middlewares; hidden once a reload removes them', async () => {
      const context = await chromium.browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1280, height: 1400 } });
      const page = await context.newPage();
      const { consoleErrors, requests } = watchPage(page);
      await page.goto(`http://127.0.0.1:${admin}/dashboard/`);
      await page.waitForSelector('[data-tcp-router="db@file"]');

      const dbRow = await page.textContent('[data-tcp-router="db@file"]') ?? '';
      for (const part of ['enabled', 'HostSNI(`db.test`)', 'tcp', 'terminated', 'options default', 'resolver le', 'local', 'db', '18']) assert.ok(dbRow.includes(part), `${part} in: ${dbRow}`);
      assert.equal(await page.getAttribute('[data-tcp-router="db@file"] [data-tls]', 'data-tls'), 'terminated');
      assert.equal(await page.getAttribute('[data-tcp-router="pass@file"] [data-tls]', 'data-tls'), 'passthrough');
      const lost = await page.textContent('[data-tcp-router="lost@file"]') ?? '';
      assert.match(lost, /disabled/);
      assert.match(lost, /the service "nosuch@file" does not exist/, lost);
      assert.match(await page.textContent('[data-overview="tcp-routers"]') ?? '', /3\s*1 error/);

      const server = `[data-tcp-service="db@file"] [data-server="${db.address}"]`;
      assert.equal(await page.getAttribute(server, 'data-state'), 'UP');
      assert.match(await page.textContent('[data-tcp-service="db@file"]') ?? '', /loadbalancer[\s\S]*db@file, pass@file/);
      assert.match(await page.textContent('[data-tcp-middleware="local@file"]') ?? '', /enabled\s*ipallowlist\s*db@file/);

      const dnsRow = await page.textContent('[data-udp-router="dns@file"]') ?? '';
      assert.match(dnsRow, /enabled[\s\S]*dns[\s\S]*dns/);
      await page.waitForSelector(`[data-udp-service="dns@file"] [data-server="${dnsServer}"]`);
      assert.match(await page.textContent('[data-udp-service="dns@file"]') ?? '', /loadbalancer[\s\S]*dns@file/);
      assert.ok(requests.some((u) => u.includes('/api/tcp/routers?')) && requests.some((u) => u.includes('/api/udp/services?')), 'the sections come from the tcp and udp lists');

      saveArtifact('dashboard-tcp-udp.png', await page.screenshot({ fullPage: true }));

      // A reload without tcp and udp sections: the sections and their cards go, and their lists are no longer polled.
      writeFileSync(dynamicFile, httpOnly);
      await page.waitForSelector('#tcp', { state: 'hidden', timeout: 15_000 });
      await page.waitForSelector('#udp', { state: 'hidden' });
      assert.equal(await page.locator('[data-overview^="tcp-"], [data-overview^="udp-"]').count(), 0);
      const before = requests.length;
      const loaded = Number(await page.getAttribute('body', 'data-loaded'));
      // Two more refreshes (the page's CSP forbids waitForFunction's eval: polled from here).
      for (let i = 0; Number(await page.getAttribute('body', 'data-loaded')) <= loaded + 1; i++) {
        assert.ok(i < 100, 'the page refreshes every 2 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(!requests.slice(before).some((u) => /\/api\/(tcp|udp)\//.test(u)), 'no tcp or udp list fetched for an HTTP-only configuration');

      assert.deepEqual(consoleErrors, []);
      await context.close();
    });
  });
}
