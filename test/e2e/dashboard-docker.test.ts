// The dashboard in chromium over a configuration that comes from Docker labels: pe-edge on the host follows the
// engine; whoami containers carry the dashboard's own router (api@internal behind basicAuth, as Traefik documents
// it with labels), an app with a health check, a router naming a middleware that does not exist, and a label typo.
// The page logs in, shows each item, the container behind the app's server, the server DOWN while its /health
// fails and UP again, charts after traffic; no console error, nothing off loopback; a screenshot is saved.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { freePort } from '../support/cli-process.js';
import { inkedPixels, launchHeadlessChromium, requireChromium, saveArtifact, watchPage } from '../support/headless-chromium.js';
import { IMAGES, dockerScope, ensureImages, httpGet, requireDocker, waitFor } from './support/docker-env.js';
import { startEdgeOnHost, viaEdge } from './support/edge-on-host.js';

const USER = 'admin';
const PASSWORD = 'dashboard-e2e-password';
const USERS = `${USER}:{SHA}${createHash('sha1').update(PASSWORD).digest('base64')}`;
const TYPO = 'traefik.http.routers.bad.rulle';

test('dashboard over Docker containers: login, items, typos with their errors, the container behind a server, DOWN and UP, charts, nothing off loopback', { timeout: 240_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  if (!requireChromium(t)) return;
  await ensureImages();
  const scope = dockerScope(t);
  const network = await scope.network();
  const admin = await freePort();
  const edge = await startEdgeOnHost(t, { network, entryPoints: { admin }, extra: 'api: {}' });

  await scope.run({
    image: IMAGES.whoami, network, hostname: 'dashboard',
    labels: {
      'traefik.enable': 'true',
      'traefik.http.routers.dashboard.rule': 'PathPrefix(`/api`) || PathPrefix(`/dashboard`)',
      'traefik.http.routers.dashboard.entrypoints': 'admin',
      'traefik.http.routers.dashboard.service': 'api@internal',
      'traefik.http.routers.dashboard.middlewares': 'auth',
      'traefik.http.middlewares.auth.basicauth.users': USERS,
    },
  });
  const app = await scope.run({
    image: IMAGES.whoami, network, hostname: 'app',
    labels: {
      'traefik.enable': 'true',
      'traefik.http.routers.app.rule': 'Host(`app.test`)',
      'traefik.http.routers.app.entrypoints': 'web',
      'traefik.http.services.app.loadbalancer.server.port': '80',
      'traefik.http.services.app.loadbalancer.healthcheck.path': '/health',
      'traefik.http.services.app.loadbalancer.healthcheck.interval': '300ms',
      'traefik.http.services.app.loadbalancer.healthcheck.timeout': '1s',
    },
  });
  await scope.run({
    image: IMAGES.whoami, network, hostname: 'typo',
    labels: {
      'traefik.enable': 'true',
      'traefik.http.routers.typo.rule': 'Host(`typo.test`)',
      'traefik.http.routers.typo.middlewares': 'autth',
      'traefik.http.services.typo.loadbalancer.server.port': '80',
    },
  });
  const bad = await scope.run({
    image: IMAGES.whoami, network, hostname: 'bad',
    labels: { 'traefik.enable': 'true', [TYPO]: 'Host(`bad.test`)', 'traefik.http.services.bad.loadbalancer.server.port': '80' },
  });
  const appIp = await app.ip(network);
  const server = `http://${appIp}:80`;
  await waitFor('app.test routed', async () => (await viaEdge(edge, 'app.test')).status === 200, { timeoutMs: 15_000, intervalMs: 100 });

  const chromium = await launchHeadlessChromium();
  t.after(() => chromium.close());
  const dashboard = `http://127.0.0.1:${admin}/dashboard/`;

  // ---- without credentials: one 401, no file of the page, no API answer
  const stranger = await chromium.browser.newContext();
  const answers: [string, number][] = [];
  const strangerPage = await stranger.newPage();
  strangerPage.on('response', (r) => answers.push([r.url(), r.status()]));
  // Headless chromium cancels the credentials prompt a 401 with a challenge opens: the navigation fails.
  await assert.rejects(strangerPage.goto(dashboard), /ERR_INVALID_AUTH_CREDENTIALS/);
  assert.deepEqual(answers, [[dashboard, 401]]);
  await stranger.close();
  for (const path of ['/api/rawdata', '/api/pe-edge/containers']) {
    const r = await httpGet(`http://127.0.0.1:${admin}${path}`);
    assert.equal(r.status, 401, path);
    assert.doesNotMatch(r.body, /app@docker|pee2e-/, path);
  }

  // ---- logged in
  const context = await chromium.browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1280, height: 1000 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const watch = watchPage(page);
  const res = await page.goto(dashboard);
  assert.equal(res?.status(), 200);
  for (const name of ['app@docker', 'typo@docker', 'dashboard@docker']) await page.waitForSelector(`[data-router="${name}"]`);
  await page.waitForSelector('[data-service="app@docker"]');
  await page.waitForSelector('[data-middleware="auth@docker"]');
  assert.equal(await page.locator('[data-router="bad@docker"]').count(), 0, 'the container with the typo is left out');

  const typo = await page.textContent('[data-router="typo@docker"]') ?? '';
  assert.match(typo, /disabled/);
  assert.match(typo, /middleware "autth@docker" does not exist/);
  assert.deepEqual(await page.locator('[data-middleware]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-middleware'))), ['auth@docker'],
    'the typo lists no middleware of its own');
  const problems = await page.textContent('#problems') ?? '';
  assert.ok(problems.includes(bad.name) && problems.includes(TYPO), problems);
  assert.match(problems, /did you mean "rule"/);

  // ---- the server, its container, DOWN while /health fails, UP again
  const serverRow = `[data-service="app@docker"] [data-server="${server}"]`;
  await page.waitForSelector(`${serverRow}[data-state="UP"]`);
  assert.match(await page.textContent(serverRow) ?? '', new RegExp(`container ${app.name}\\b`));
  assert.equal((await httpGet(`http://${appIp}/health/fail`)).status, 200);
  await page.waitForSelector(`${serverRow}[data-state="DOWN"]`, { timeout: 15_000 });
  assert.equal((await viaEdge(edge, 'app.test')).status, 503, 'its only server DOWN: the service answers 503');
  assert.equal((await httpGet(`http://${appIp}/health/ok`)).status, 200);
  await page.waitForSelector(`${serverRow}[data-state="UP"]`, { timeout: 15_000 });

  // ---- traffic from outside the browser: the app's charts draw
  for (let i = 0; i < 20; i++) assert.equal((await viaEdge(edge, 'app.test', `/${i}`)).status, 200);
  await page.waitForSelector('[data-chart="router app@docker"] canvas', { timeout: 15_000 });
  await page.waitForSelector('[data-chart="service app@docker"] canvas');
  const inked = await inkedPixels(page, '[data-chart="router app@docker"] canvas');
  assert.ok(inked > 100, `the chart's canvas has something drawn (${inked} pixels)`);
  // The changes name the Docker events' containers.
  assert.match(await page.textContent('#changes') ?? '', new RegExp(`docker start .*\\(${app.name}\\)`));

  const shot = saveArtifact('dashboard-docker.png', await page.screenshot({ fullPage: true }));
  t.diagnostic(`screenshot: ${shot}`);
  assert.deepEqual(watch.consoleErrors, [], 'no console error or warning (a CSP violation would be one)');
  assert.deepEqual(watch.requests.filter((u) => !u.startsWith(`http://127.0.0.1:${admin}/`)), [], 'every request of the page goes to pe-edge');
  assert.deepEqual(chromium.offLoopback, [], 'no connection attempt off loopback');
});
