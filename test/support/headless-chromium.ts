// Debian's chromium driven by playwright-core (which downloads no browser), headless, behind a refusing proxy:
// the dashboard's browser tests and its load bench. Anything the page or the browser sends off loopback ends in
// the proxy's `attempts`.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from './cli-process.js';
import { startRefusingProxy } from './refusing-proxy.js';

export const CHROMIUM = process.env['PE_EDGE_CHROMIUM'] ?? '/usr/lib/chromium/chromium';
// Nothing listens on port 9 (discard) here: a connection to it is refused at once, on loopback.
const DEAD = 'http://127.0.0.1:9';

/** The reason chromium cannot run here, or null. */
export function chromiumMissing(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install chromium)`;
  return null;
}

/**
 * True when chromium is here. Otherwise the test is skipped with a loud message and false is returned, except
 * when CI is set: then this throws (the e2e suite's rule for a missing engine, applied to the browser).
 */
export function requireChromium(t: TestContext): boolean {
  const missing = chromiumMissing();
  if (missing === null) return true;
  const ci = process.env['CI'];
  if (ci !== undefined && ci !== '' && ci !== 'false') throw new Error(`"${t.name}" needs chromium in CI: ${missing}`);
  console.warn(`\n!!! SKIPPING "${t.name}": ${missing}. It runs in CI (.ci/run installs chromium).\n`);
  t.skip(`SKIPPED LOUDLY: ${missing}`);
  return false;
}

export interface HeadlessChromium {
  browser: Browser;
  /** Connections that tried to leave loopback (refused). */
  offLoopback: string[];
  close(): Promise<void>;
}

export async function launchHeadlessChromium(): Promise<HeadlessChromium> {
  const proxy = await startRefusingProxy();
  // Loaded only here: a machine without playwright-core can still load a test file to skip it.
  const { chromium } = await import('playwright-core');
  let browser: Browser;
  try {
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
  } catch (err) {
    await proxy.close();
    throw err;
  }
  return {
    browser,
    offLoopback: proxy.attempts,
    close: async () => {
      await browser.close();
      await proxy.close();
    },
  };
}

export interface PageWatch {
  /** Console errors and warnings (a CSP violation is one) and uncaught page errors. */
  consoleErrors: string[];
  /** Every URL the page requested. */
  requests: string[];
}

// Chromium aborts the requests in flight when the machine's network interfaces change, and logs each as a failed
// load: Docker adds and removes one for every container it starts or stops (the e2e dashboard test starts several
// with the page open; a CI run failed on one). The dashboard polls again on its next tick; the page is not at fault.
const NETWORK_CHANGED = 'Failed to load resource: net::ERR_NETWORK_CHANGED';

export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { consoleErrors: [], requests: [] };
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && m.text() !== NETWORK_CHANGED) watch.consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => watch.consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => watch.requests.push(r.url()));
  return watch;
}

/** How many pixels of the canvas under `selector` are not transparent: a drawn chart has hundreds. */
export function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    // The DOM's types are not in this (node) project: the members used, typed here.
    const canvas = c as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
    return n;
  });
}

/** Writes a test artifact (a screenshot) under .test-artifacts/ and returns its path. */
export function saveArtifact(name: string, data: Buffer): string {
  const dir = join(repoRoot(), '.test-artifacts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, data);
  return file;
}
