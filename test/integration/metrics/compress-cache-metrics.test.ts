// pe-edge's own pe_edge_compress_cache_* families on /metrics: whether compress sent a page it had compressed
// before from memory (a hit) or compressed it (a miss), and what the kept forms hold. pe-edge run by the CLI.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { request } from 'undici';
import { startBackend, type Backend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';
import { compressRouteYaml, startCompressCli } from './compress-cli.js';
import { familySeries } from '../../support/metric-series.js';

/** A 4 kB HTML page, different for each `name`. */
function page(name: string): string {
  const rows = Array.from({ length: 80 }, (_, i) => `<li>${name} item ${i * 7919 % 1000}</li>`).join('\n');
  return `<!doctype html><html><body><h1>${name}</h1><ul>\n${rows}\n</ul></body></html>`.padEnd(4096, ' ');
}


/** Pages by path; `/private` says `Cache-Control: no-store`. */
function startPages(): Promise<Backend> {
  return startBackend('pages', (req, res) => {
    const body = page(req.url ?? '/');
    const headers = { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) };
    res.writeHead(200, req.url === '/private' ? { ...headers, 'cache-control': 'no-store' } : headers);
    res.end(body);
  });
}

/** GET with `Accept-Encoding: br`: the compressed body's length, once its decoded text is checked. */
async function getBrotli(url: string, path: string): Promise<number> {
  const res = await request(url + path, { headers: { 'accept-encoding': 'br' } });
  const body = Buffer.from(await res.body.arrayBuffer());
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-encoding'], 'br', path);
  assert.equal(zlib.brotliDecompressSync(body).toString(), page(path));
  return body.length;
}


describe('pe_edge_compress_cache_* with metrics.prometheus', () => {
  const dir = new TempConfigDir();
  let proc: CliProcess;
  let backend: Backend;
  let url = '';
  let metricsUrl = '';
  const scrape = async (): Promise<{ text: string; cache: Record<string, number> }> => {
    const r = await httpGet(metricsUrl, { fresh: true });
    assert.equal(r.status, 200);
    return { text: r.body, cache: familySeries(r.body, 'pe_edge_compress_cache_') };
  };

  before(async () => {
    backend = await startPages();
    ({ proc, url, metricsUrl } = await startCompressCli(dir, backend.url));
  });
  after(async () => {
    await proc.stop();
    await backend.close();
    dir.remove();
  });

  it('the same 4 kB page is a miss twice (kept at the second), then a hit; a different page more misses; entries and bytes grow with what is kept', async () => {
    const { text, cache: empty } = await scrape();
    assert.deepEqual(empty, {
      pe_edge_compress_cache_hits_total: 0,
      pe_edge_compress_cache_misses_total: 0,
      pe_edge_compress_cache_entries: 0,
      pe_edge_compress_cache_bytes: 0,
      pe_edge_compress_cache_max_bytes: 8 * 1024 * 1024,
    }, 'nothing compressed yet');
    assert.match(text, /^# TYPE pe_edge_compress_cache_hits_total counter$/m);
    assert.match(text, /^# TYPE pe_edge_compress_cache_misses_total counter$/m);
    assert.match(text, /^# TYPE pe_edge_compress_cache_bytes gauge$/m);
    assert.match(text, /^# TYPE pe_edge_compress_cache_entries gauge$/m);

    const oneOffLength = await getBrotli(url, '/a');
    const once = (await scrape()).cache;
    assert.equal(once.pe_edge_compress_cache_misses_total, 1, 'the first /a was compressed');
    assert.equal(once.pe_edge_compress_cache_entries, 0, 'a body compressed once is not kept (it may never come again)');
    assert.equal(once.pe_edge_compress_cache_bytes, 0);

    // Compressed again to be kept: brotli's quality 6, smaller than the first time's one-off quality.
    const aLength = await getBrotli(url, '/a');
    assert.ok(aLength < oneOffLength, `the kept form (${aLength} bytes) is smaller than the one-off form (${oneOffLength})`);
    const first = (await scrape()).cache;
    assert.equal(first.pe_edge_compress_cache_misses_total, 2, 'the second /a was compressed again');
    assert.equal(first.pe_edge_compress_cache_hits_total, 0);
    assert.equal(first.pe_edge_compress_cache_entries, 1, 'and kept');
    const firstBytes = first.pe_edge_compress_cache_bytes ?? 0;
    // Each entry counts its compressed bytes, the body it confirms hits with, and some overhead (key, bookkeeping):
    // under 1 KiB besides the two.
    const kept = aLength + Buffer.byteLength(page('/a'));
    assert.ok(firstBytes > kept && firstBytes < kept + 1024, `${firstBytes} bytes kept for a ${aLength}-byte compressed page of ${Buffer.byteLength(page('/a'))} bytes`);

    assert.equal(await getBrotli(url, '/a'), aLength, 'the same bytes from memory');
    const second = (await scrape()).cache;
    assert.equal(second.pe_edge_compress_cache_hits_total, 1, 'the third /a came from memory');
    assert.equal(second.pe_edge_compress_cache_misses_total, 2);
    assert.equal(second.pe_edge_compress_cache_entries, 1, 'a hit keeps nothing new');
    assert.equal(second.pe_edge_compress_cache_bytes, firstBytes);

    await getBrotli(url, '/b');
    const bLength = await getBrotli(url, '/b');
    const third = (await scrape()).cache;
    assert.equal(third.pe_edge_compress_cache_hits_total, 1);
    assert.equal(third.pe_edge_compress_cache_misses_total, 4, 'a different page is two misses');
    assert.equal(third.pe_edge_compress_cache_entries, 2);
    const grown = (third.pe_edge_compress_cache_bytes ?? 0) - firstBytes;
    const keptB = bLength + Buffer.byteLength(page('/b'));
    assert.ok(grown > keptB && grown < keptB + 1024, `grew by ${grown} bytes for a ${bLength}-byte compressed page of ${Buffer.byteLength(page('/b'))} bytes`);
    assert.equal(third.pe_edge_compress_cache_max_bytes, 8 * 1024 * 1024);
  });

  it('an answer compress must not keep (Cache-Control: no-store, an answer to POST) counts neither as a hit nor as a miss', async () => {
    const before = (await scrape()).cache;
    for (let i = 0; i < 3; i++) await getBrotli(url, '/private');
    for (let i = 0; i < 2; i++) {
      const posted = await request(url + '/a', { method: 'POST', headers: { 'accept-encoding': 'br' } });
      assert.equal(posted.headers['content-encoding'], 'br');
      assert.equal(zlib.brotliDecompressSync(Buffer.from(await posted.body.arrayBuffer())).toString(), page('/a'));
    }
    const after = (await scrape()).cache;
    assert.equal(after.pe_edge_compress_cache_hits_total, before.pe_edge_compress_cache_hits_total);
    assert.equal(after.pe_edge_compress_cache_misses_total, before.pe_edge_compress_cache_misses_total);
    assert.equal(after.pe_edge_compress_cache_entries, before.pe_edge_compress_cache_entries);
  });
});

describe('pe_edge_compress_cache_* without metrics.prometheus', () => {
  it('no /metrics answers with them, where prometheus@internal would by default', async (t) => {
    const dir = new TempConfigDir();
    const backend = await startPages();
    const [web, traefik] = [await freePort(), await freePort()];
    const dynamicFile = dir.write('dynamic.yml', compressRouteYaml(backend.url));
    // The api on the `traefik` entrypoint, where metrics.prometheus would answer /metrics by default.
    dir.write('traefik.yml', staticYaml({ entryPoints: { web, traefik }, dynamicFile, extra: 'api:\n  insecure: true' }));
    const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    t.after(async () => {
      await proc.stop();
      await backend.close();
      dir.remove();
    });
    await proc.waitListening(2);
    await proc.waitForLine('configuration applied');
    const url = `http://127.0.0.1:${web}`;
    for (let i = 0; i < 2; i++) await getBrotli(url, '/a');
    assert.equal((await httpGet(`http://127.0.0.1:${traefik}/api/version`)).status, 200, 'the traefik entrypoint answers');
    const metrics = await httpGet(`http://127.0.0.1:${traefik}/metrics`);
    assert.equal(metrics.status, 404);
    assert.doesNotMatch(metrics.body, /pe_edge_compress_cache/);
  });
});
