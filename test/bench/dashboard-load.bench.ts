/**
 * What the dashboard costs a browser on its first load: bytes transferred (raw and as served, gzip) against the
 * 150 kB gzip budget, and the time from navigation to the first render of its tables and charts, in Debian's
 * headless chromium (test/support/headless-chromium.ts, nothing leaves loopback). pe-edge runs from the CLI with
 * api.insecure and a few file routers that have had traffic, so the first render draws charts. Each load is a
 * fresh browser context (empty cache). The reference, in the same run: the browser's floor, a navigation to a
 * tiny JSON answer of the same pe-edge. A script, not a test: prints tables, asserts nothing.
 *   npx tsc -b && node dist/test/bench/dashboard-load.bench.js [loads, default 10]
 */
import type { Browser, Response } from 'playwright-core';
import { startBackend } from '../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../support/cli-process.js';
import { chromiumMissing, launchHeadlessChromium } from '../support/headless-chromium.js';
import { httpGet } from '../support/load-client.js';

const BUDGET_GZIP_BYTES = 150 * 1024;
const ROUTERS = 5;
// Set by an observer injected before the page's own script: the moment the first poll's render ends
// (main.ts sets body[data-loaded] after drawing every table and chart).
const FIRST_RENDER_PROBE = `new MutationObserver((_, o) => {
  if (document.body && document.body.dataset.loaded) { window.__peFirstRender = performance.now(); o.disconnect(); }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-loaded'] });`;

interface Transfer {
  path: string;
  raw: number;
  served: number;
  encoding: string;
}

interface Load {
  firstRenderMs: number;
  charts: number;
  routers: number;
  transfers: Transfer[];
}

async function transferOf(res: Response): Promise<Transfer> {
  const sizes = await res.request().sizes();
  const body = await res.body();
  return { path: new URL(res.url()).pathname, raw: body.length, served: sizes.responseBodySize, encoding: res.headers()['content-encoding'] ?? 'identity' };
}

async function loadDashboard(browser: Browser, url: string): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  try {
    await context.addInitScript({ content: FIRST_RENDER_PROBE });
    const page = await context.newPage();
    const responses: Response[] = [];
    page.on('response', (r) => responses.push(r));
    await page.goto(url);
    // Functions, not strings: the page's CSP refuses eval, and playwright evaluates a string with it.
    const handle = await page.waitForFunction(() => (globalThis as { __peFirstRender?: number }).__peFirstRender, undefined, { timeout: 30_000 });
    const firstRenderMs = await handle.jsonValue() as number;
    // Only what the first load asked for: later polls (every 2 s) would add their API answers.
    const transfers = await Promise.all(responses.slice().map(transferOf));
    const charts = await page.locator('[data-chart] canvas').count();
    const routers = await page.locator('[data-router]').count();
    return { firstRenderMs, charts, routers, transfers };
  } finally {
    await context.close();
  }
}

async function floorMs(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    // Runs in the page: its Performance is the DOM's, whose types this (node) project does not have.
    return await page.evaluate(() => (performance as unknown as { getEntriesByType(type: string): { loadEventEnd: number }[] }).getEntriesByType('navigation')[0]?.loadEventEnd ?? Number.NaN);
  } finally {
    await context.close();
  }
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const kB = (n: number): string => `${(n / 1024).toFixed(1)} kB`;
const isPageFile = (path: string): boolean => !path.startsWith('/api/');

async function main(): Promise<void> {
  const loads = Math.max(1, Number(process.argv[2] ?? 10));
  const missing = chromiumMissing();
  if (missing !== null) {
    console.log(`dashboard-load: cannot run: ${missing}`);
    process.exitCode = 1;
    return;
  }
  const backend = await startBackend('app');
  const dir = new TempConfigDir();
  const [web, traefik] = [await freePort(), await freePort()];
  const routers = Array.from({ length: ROUTERS }, (_, i) => `    r${i}:\n      rule: Host(\`r${i}.test\`)\n      service: app\n`).join('');
  const dynamicFile = dir.write('dynamic.yml', `http:\n  routers:\n${routers}  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: ${backend.url}\n`);
  dir.write('traefik.yml', staticYaml({ entryPoints: { web, traefik }, dynamicFile, extra: 'api:\n  insecure: true' }));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  const chromium = await launchHeadlessChromium().catch(async (err: unknown) => {
    await proc.stop();
    throw err;
  });
  try {
    await proc.waitListening(2, 15_000);
    for (let i = 0; i < ROUTERS * 10; i++) await httpGet(`http://127.0.0.1:${web}/`, { host: `r${i % ROUTERS}.test` });
    const url = `http://127.0.0.1:${traefik}/dashboard/`;
    await loadDashboard(chromium.browser, url); // warm-up: pe-edge's first answers, chromium's first context
    const runs: Load[] = [];
    const floors: number[] = [];
    for (let i = 0; i < loads; i++) {
      runs.push(await loadDashboard(chromium.browser, url));
      floors.push(await floorMs(chromium.browser, `http://127.0.0.1:${traefik}/api/version`));
    }
    const first = runs[0] as Load;
    const files = first.transfers.filter((t) => isPageFile(t.path));
    const api = first.transfers.filter((t) => !isPageFile(t.path));
    const sum = (ts: Transfer[], key: 'raw' | 'served'): number => ts.reduce((a, t) => a + t[key], 0);
    console.log(`dashboard first load, headless chromium (${loads} loads, fresh context each; ${ROUTERS} routers with traffic)`);
    console.log('');
    console.log('| file (bodies; headers not counted) | raw | as served | encoding |');
    console.log('|---|---:|---:|---|');
    for (const t of files) console.log(`| ${t.path} | ${t.raw} B | ${t.served} B | ${t.encoding} |`);
    console.log(`| page files | ${kB(sum(files, 'raw'))} | ${kB(sum(files, 'served'))} | |`);
    console.log(`| API answers of the first poll (${api.length}) | ${kB(sum(api, 'raw'))} | ${kB(sum(api, 'served'))} | |`);
    console.log(`| total | ${kB(sum(first.transfers, 'raw'))} | ${kB(sum(first.transfers, 'served'))} | |`);
    const pageGzip = sum(files, 'served');
    console.log('');
    console.log(`budget: page files ${kB(pageGzip)} as served of ${kB(BUDGET_GZIP_BYTES)} gzip (${((100 * pageGzip) / BUDGET_GZIP_BYTES).toFixed(0)} %): ${pageGzip <= BUDGET_GZIP_BYTES ? 'within' : 'OVER'}`);
    const times = runs.map((r) => r.firstRenderMs);
    const floor = median(floors);
    console.log('');
    console.log('| navigation → | median | max | ratio to the floor (median) |');
    console.log('|---|---:|---:|---:|');
    console.log(`| first render of tables and charts | ${median(times).toFixed(0)} ms | ${Math.max(...times).toFixed(0)} ms | ${(median(times) / floor).toFixed(1)}x |`);
    console.log(`| floor: load of /api/version (tiny JSON) | ${floor.toFixed(0)} ms | ${Math.max(...floors).toFixed(0)} ms | 1.0x |`);
    const charts = runs.map((r) => r.charts);
    console.log('');
    console.log(`at first render: ${Math.min(...charts)}-${Math.max(...charts)} chart canvases (two per series), ${first.routers} router rows; connections refused off loopback: ${chromium.offLoopback.length}`);
  } finally {
    await chromium.close();
    await proc.stop();
    await backend.close();
    dir.remove();
  }
}

await main();
