// The dashboard in a real browser: Debian's chromium driven by playwright-core (no browser download), against
// pe-edge started from the CLI with a file configuration. The dashboard is routed as Traefik documents it (a router
// on PathPrefix(`/api`) || PathPrefix(`/dashboard`) to api@internal, behind basicAuth). The page logs in, shows
// routers, services and middlewares, a router with a typo'd middleware name with its error, a health-checked server
// going DOWN and back UP, charts after traffic; no console error (a CSP violation is one), no request off loopback:
// chromium goes through a local proxy that refuses and records every non-local connection.
// Without chromium the test skips loudly, except under CI=true, where it fails.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBackend, type Backend } from '../support/backends.js';
import { CliProcess, freePort, repoRoot, staticYaml, TempConfigDir } from '../support/cli-process.js';
import { httpGet } from '../support/load-client.js';

const CHROMIUM = process.env['PE_EDGE_CHROMIUM'] ?? '/usr/lib/chromium/chromium';
const USER = 'admin';
// Nothing listens on port 9 (discard) here: a connection to it is refused at once, on loopback.
const DEAD = 'http://127.0.0.1:9';
const PASSWORD = 'dashboard-test-password';
const USERS = `${USER}:{SHA}${createHash('sha1').update(PASSWORD).digest('base64')}`;

/**
 * An HTTP proxy that lets nothing through: every connection chromium sends it (anything not on loopback, which
 * chromium reaches directly) is recorded and refused.
 */
async function startRefusingProxy(): Promise<{ port: number; attempts: string[]; close(): Promise<void> }> {
  const attempts: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    attempts.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('refused by the test proxy: no connection may leave loopback');
  });
  server.on('connect', (req: http.IncomingMessage, socket: Socket) => {
    attempts.push(`CONNECT ${req.url ?? ''}`);
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    attempts,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** The reason the test cannot run here, or null. */
function missingChromium(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install chromium)`;
  return null;
}

const missing = missingChromium();
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
    let proxy: Awaited<ReturnType<typeof startRefusingProxy>>;
    // playwright-core is loaded only here: a machine without it can still load the test file to skip it.
    let browser: import('playwright-core').Browser;

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
      [web, admin] = [await freePort(), await freePort()];
      const dynamicFile = dir.write('dynamic.yml', `http:
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
`);
      dir.write('traefik.yml', staticYaml({ entryPoints: { web, admin }, dynamicFile, extra: 'api: {}' }));
      proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
      await proc.waitListening(2, 15_000);
      proxy = await startRefusingProxy();
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync',
          '--disable-gpu', '--disable-quic', `--proxy-server=http://127.0.0.1:${proxy.port}`,
          // The browser's own services (sign-in's ListAccounts, the component updater) call Google even with the flags
          // above: point them at a closed loopback port, so that anything the proxy sees can only be the page's.
          `--gaia-url=${DEAD}`, `--google-apis-url=${DEAD}`, `--component-updater=url-source=${DEAD}/`,
        ],
      });
    });

    after(async () => {
      await browser?.close();
      await proxy?.close();
      await proc?.stop();
      await app?.close();
      dir.remove();
    });

    it('without credentials: 401, and neither the page, its files nor the API answer', async () => {
      const context = await browser.newContext();
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
      const context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1280, height: 1000 } });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));

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
      const inked = await page.$eval('[data-chart="router app@file"] canvas', (c) => {
        // The DOM's types are not in this (node) project: the members used, typed here.
        const canvas = c as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
        const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
        return n;
      });
      assert.ok(inked > 100, `the chart's canvas has something drawn (${inked} pixels)`);
      await page.waitForSelector('#changes tr');
      assert.match(await page.textContent('#changes') ?? '', /autth@file/);

      mkdirSync(join(repoRoot(), '.test-artifacts'), { recursive: true });
      const shot = await page.screenshot({ fullPage: true });
      writeFileSync(join(repoRoot(), '.test-artifacts', 'dashboard.png'), shot);
      if (process.env['PE_EDGE_DOCS_SCREENSHOT'] === '1') {
        writeFileSync(join(repoRoot(), 'docs', 'dashboard.png'), await page.screenshot({ fullPage: false, scale: 'css' }));
      }

      assert.deepEqual(consoleErrors, [], 'no console error or warning (a CSP violation would be one)');
      const offLoopback = requests.filter((u) => !u.startsWith(`http://127.0.0.1:${admin}/`));
      assert.deepEqual(offLoopback, [], 'every request of the page goes to pe-edge');
      assert.ok(requests.some((u) => u.endsWith('/api/pe-edge/timeseries')), 'the page polls the time series');
      assert.deepEqual(proxy.attempts, [], 'no connection attempt off loopback reached the refusing proxy');
      await context.close();
    });
  });
}
