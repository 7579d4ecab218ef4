// pe-edge's own pe_edge_compress_templates_* families on /metrics: how many one-off gzip pages went out from a
// template (pages the same but for a token) and what the templates hold. pe-edge run by the CLI.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { request } from 'undici';
import { startBackend, type Backend } from '../../support/backends.js';
import { type CliProcess, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';
import { startCompressCli } from './compress-cli.js';
import { familySeries } from '../../support/metric-series.js';

/** A 4 kB HTML page with a 32-character token of its own, as a CSRF token or request id makes them. */
function page(token: string): string {
  const rows = Array.from({ length: 80 }, (_, i) => `<li>item ${i * 7919 % 1000}</li>`).join('\n');
  return `<!doctype html><html><head><meta name="csrf-token" content="${token}"></head><body><ul>\n${rows}\n</ul></body></html>`.padEnd(4096, ' ');
}

/** A 4 kB HTML page with a Content-Security-Policy nonce of its own in four script tags, two at each end of it. */
function noncePage(nonce: string): string {
  const script = (i: number): string => `<script nonce="${nonce}">load(${i})</script>`;
  const rows = Array.from({ length: 80 }, (_, i) => `<li>entry ${i * 7919 % 1000}</li>`).join('\n');
  return `<!doctype html><html><head>${script(0)}${script(1)}</head><body><ul>\n${rows}\n</ul>`.padEnd(4000, ' ') + `${script(2)}${script(3)}</body></html>`;
}

/** A 4 kB HTML page that says how long it took to render, in as many digits as that takes. */
function timedPage(served: number): string {
  return page('0'.repeat(32)).replace('<ul>', `<p>rendered in ${(served * 7919) % 100000 / 10} ms</p><ul>`);
}

describe('pe_edge_compress_templates_* with metrics.prometheus', () => {
  const dir = new TempConfigDir();
  let proc: CliProcess;
  let backend: Backend;
  let url = '';
  let metricsUrl = '';
  let served = 0;
  const scrape = async (): Promise<Record<string, number>> => {
    const r = await httpGet(metricsUrl, { fresh: true });
    assert.equal(r.status, 200);
    return familySeries(r.body, 'pe_edge_compress_templates_');
  };

  before(async () => {
    backend = await startBackend('tokens', (req, res) => {
      const id = (++served).toString(16).padStart(32, '0');
      const body = req.url === '/nonces' ? noncePage(id) : req.url === '/timed' ? timedPage(served) : req.url === '/other' ? page(id).replace('<ul>', '<ol>') : page(id);
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    ({ proc, url, metricsUrl } = await startCompressCli(dir, backend.url));
  });
  after(async () => {
    await proc.stop();
    await backend.close();
    dir.remove();
  });

  it('pages that differ in a token: the first compressed, the second makes a template, every later one sent from it', async () => {
    assert.deepEqual(await scrape(), {
      pe_edge_compress_templates_pages_total: 0,
      pe_edge_compress_templates_made_total: 0,
      pe_edge_compress_templates_bytes: 0,
      pe_edge_compress_templates_max_bytes: 4 * 1024 * 1024,
    }, 'nothing compressed yet');
    for (let i = 1; i <= 10; i++) {
      const res = await request(url + '/page', { headers: { 'accept-encoding': 'gzip' } });
      const body = Buffer.from(await res.body.arrayBuffer());
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(zlib.gunzipSync(body).toString(), page(i.toString(16).padStart(32, '0')));
    }
    const after10 = await scrape();
    assert.equal(after10.pe_edge_compress_templates_made_total, 1);
    assert.equal(after10.pe_edge_compress_templates_pages_total, 9, 'all but the first page');
    // The template: its page and parts, and bookkeeping; no candidate waits.
    const held = after10.pe_edge_compress_templates_bytes ?? 0;
    assert.ok(held > 4096 && held < 4096 + 4096 + 2048, `${held} bytes`);
  });

  it('pages with one nonce in several places far apart: one template, every page after the first sent from it', async () => {
    const before = await scrape();
    for (let i = 0; i < 10; i++) {
      const res = await request(url + '/nonces', { headers: { 'accept-encoding': 'gzip' } });
      const body = zlib.gunzipSync(Buffer.from(await res.body.arrayBuffer())).toString();
      assert.equal(res.headers['content-encoding'], 'gzip');
      const nonce = /nonce="([0-9a-f]{32})"/.exec(body)?.[1] ?? '';
      assert.equal(body, noncePage(nonce), `page ${i}`);
    }
    const now = await scrape();
    assert.equal((now.pe_edge_compress_templates_made_total ?? 0) - (before.pe_edge_compress_templates_made_total ?? 0), 1);
    assert.equal((now.pe_edge_compress_templates_pages_total ?? 0) - (before.pe_edge_compress_templates_pages_total ?? 0), 9, 'all but the first page');
  });

  const counted = async (path: string, times: number, page: (body: string) => string): Promise<{ made: number; pages: number }> => {
    const before = await scrape();
    for (let i = 0; i < times; i++) {
      const res = await request(url + path, { headers: { 'accept-encoding': 'gzip' } });
      const body = zlib.gunzipSync(Buffer.from(await res.body.arrayBuffer())).toString();
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(body, page(body), `${path}, page ${i}`);
    }
    const now = await scrape();
    return {
      made: (now.pe_edge_compress_templates_made_total ?? 0) - (before.pe_edge_compress_templates_made_total ?? 0),
      pages: (now.pe_edge_compress_templates_pages_total ?? 0) - (before.pe_edge_compress_templates_pages_total ?? 0),
    };
  };

  it('pages whose differing place changes length (a render time in as many digits as it takes): a template for any length, every page after it sent from it', async () => {
    const lengths = new Set<number>();
    const timed = (body: string): string => {
      lengths.add(body.length);
      const ms = /rendered in ([0-9.]+) ms/.exec(body)?.[1] ?? '';
      return page('0'.repeat(32)).replace('<ul>', `<p>rendered in ${ms} ms</p><ul>`);
    };
    // The first two pages may be of one length: their template is for that length, and the first page of another
    // length makes the one for any with its page.
    const { made, pages } = await counted('/timed', 10, timed);
    assert.ok(made >= 1 && made <= 2, `${made} templates made`);
    assert.equal(pages, 9, 'every page but the first');
    assert.ok(lengths.size >= 3, `pages of ${lengths.size} lengths`);
  });

  it('two paths whose pages have the same length, asked in turn: a template each', async () => {
    const before = await scrape();
    for (let i = 0; i < 10; i++) {
      for (const path of ['/page', '/other']) {
        const res = await request(url + path, { headers: { 'accept-encoding': 'gzip' } });
        const body = zlib.gunzipSync(Buffer.from(await res.body.arrayBuffer())).toString();
        const token = /content="([0-9a-f]{32})"/.exec(body)?.[1] ?? '';
        assert.equal(body, path === '/other' ? page(token).replace('<ul>', '<ol>') : page(token));
      }
    }
    const now = await scrape();
    // /page has had its template since the first test.
    assert.equal((now.pe_edge_compress_templates_made_total ?? 0) - (before.pe_edge_compress_templates_made_total ?? 0), 1);
    assert.equal((now.pe_edge_compress_templates_pages_total ?? 0) - (before.pe_edge_compress_templates_pages_total ?? 0), 19, 'all but /other\'s first page');
  });
});
