// compress's budget for the memory of the answers it streams (stream-budget.ts): past it an answer goes out as gzip
// when its client takes gzip, else as the upstream sent it, complete, and pe_edge_compress_streams_* say so; what a
// stream reserved comes back when it ends or its client leaves; an answer of unknown length is charged as it goes.
// pe-edge run by the CLI with a budget the test sets (the tests' knob).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { startBackend, type Backend } from '../../support/backends.js';
import { TempConfigDir, type CliProcess } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';
import { startCompressCli } from './compress-cli.js';
import { streamCost, STREAM_BUDGET_TEST_ENV } from '../../../proxy/middlewares/response/stream-budget.js';
import { familySeries } from '../../support/metric-series.js';

const PIECE = Buffer.from('a line of a large text answer, streamed slowly\n'.repeat(2000)); // about 94 kB
const PIECES = 4;
const WHOLE = Buffer.concat(Array.from({ length: PIECES }, () => PIECE));
/** The answers to /held?id=ID waiting for their next piece: `next()` sends one (the last one ends the answer). */
const held = new Map<string, { sent: number; next: () => void }>();

/**
 * /slow: PIECES pieces without a Content-Length, one every `gap` ms (the query's, default 150); /held?id=ID: the same,
 * a piece each time the test asks (`held`); /declared: the same bytes at once with their Content-Length (over 64 KiB:
 * streamed); /cut-declared: a piece of a declared whole, then the connection cut.
 */
function startSlowBackend(): Promise<Backend> {
  return startBackend('slow', (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/cut-declared') {
      // Declares the whole, sends a piece, and is gone.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': WHOLE.length });
      res.write(PIECE);
      setTimeout(() => res.destroy(), 100);
      return;
    }
    if (url.pathname.endsWith('/declared')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': WHOLE.length });
      res.end(WHOLE);
      return;
    }
    if (url.pathname === '/held') {
      // One piece, then one more each time the test calls next().
      res.writeHead(200, { 'content-type': 'text/plain' });
      const answer = { sent: 0, next: (): void => {
        if (res.destroyed || answer.sent === PIECES) return;
        res.write(PIECE);
        if (++answer.sent === PIECES) res.end();
      } };
      held.set(url.searchParams.get('id') ?? '', answer);
      answer.next();
      return;
    }
    const gap = Number(url.searchParams.get('gap') ?? 150);
    res.writeHead(200, { 'content-type': 'text/plain' });
    let sent = 0;
    const next = (): void => {
      if (res.destroyed) return;
      res.write(PIECE);
      if (++sent === PIECES) res.end();
      else setTimeout(next, gap);
    };
    next();
  });
}

interface Answer { encoding: string | undefined; length: string | undefined; body: Buffer }

/** GET with `Accept-Encoding: accept` (br by default), the body decoded as its Content-Encoding says. */
function get(url: string, accept = 'br'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': accept }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        const body = encoding === 'br' ? zlib.brotliDecompressSync(raw) : encoding === 'gzip' ? zlib.gunzipSync(raw) : raw;
        resolve({ encoding, length: res.headers['content-length'], body });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}


describe('compress: the memory of streamed answers has a budget', () => {
  const dir = new TempConfigDir();
  // Room for two brotli streams of unknown length, one of them two pieces in, and a gzip one: not three brotli ones.
  const budget = streamCost('br', PIECE.length) + streamCost('br', 2 * PIECE.length) + streamCost('gzip', 0);
  let proc: CliProcess;
  let backend: Backend;
  let url = '';
  let metricsUrl = '';
  const series = async (): Promise<Record<string, number>> => {
    const r = await httpGet(metricsUrl, { fresh: true });
    assert.equal(r.status, 200);
    return familySeries(r.body, 'pe_edge_compress_streams_');
  };
  /** Until the compressors' memory is back to none (a closed compressor gives it back as its 'close' runs). */
  const settled = async (): Promise<Record<string, number>> => {
    for (let i = 0; i < 50; i++) {
      const s = await series();
      if (s.pe_edge_compress_streams_bytes === 0) return s;
      await new Promise((r) => setTimeout(r, 20));
    }
    return series();
  };

  before(async () => {
    backend = await startSlowBackend();
    ({ proc, url, metricsUrl } = await startCompressCli(dir, backend.url, { [STREAM_BUDGET_TEST_ENV]: String(budget) }, true));
  });
  after(async () => {
    await proc.stop();
    await backend.close();
    dir.remove();
  });

  it('two held answers stream brotli, charged as their bodies go in; past the budget one goes as gzip to a client that takes it, others uncompressed and whole; all of it comes back', async () => {
    assert.deepEqual(await series(), {
      pe_edge_compress_streams_bytes: 0,
      pe_edge_compress_streams_max_bytes: budget,
      'pe_edge_compress_streams_refused_total{sent="gzip"}': 0,
      'pe_edge_compress_streams_refused_total{sent="identity"}': 0,
    });
    const bytesReach = async (want: number): Promise<void> => {
      for (let i = 0; i < 100 && (await series()).pe_edge_compress_streams_bytes !== want; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await series()).pe_edge_compress_streams_bytes, want);
    };
    const first = get(url + '/held?id=1');
    const second = get(url + '/held?id=2');
    // Each charged what a brotli compressor holds after one piece, not the most an answer of unknown length may hold.
    await bytesReach(2 * streamCost('br', PIECE.length));
    assert.ok(2 * streamCost('br', PIECE.length) < streamCost('br', 4 * 1024 * 1024));
    // A second piece into the first: its charge grows with it.
    held.get('1')?.next();
    await bytesReach(streamCost('br', PIECE.length) + streamCost('br', 2 * PIECE.length));
    // Room for gzip only now. A route whose compress offers br alone never answers gzip.
    const notOffered = await get(url + '/only-br/declared', 'br, gzip');
    assert.equal(notOffered.encoding, undefined);
    assert.deepEqual(notOffered.body, WHOLE);
    // A client that takes gzip too gets it, in the room left: then none is left for the others.
    const gzipped = await get(url + '/slow?gap=10', 'br, gzip');
    assert.equal(gzipped.encoding, 'gzip');
    assert.deepEqual(gzipped.body, WHOLE);
    const heldGzip = get(url + '/held?id=3', 'gzip, br');
    await bytesReach(budget);
    const [third, declared, notGzip, noIdentity] = await Promise.all([get(url + '/slow?gap=10'), get(url + '/declared'),
      get(url + '/declared', 'br, gzip;q=0'), get(url + '/declared', 'br, identity;q=0')]);
    assert.equal(third.encoding, undefined);
    assert.deepEqual(third.body, WHOLE);
    assert.equal(declared.encoding, undefined);
    assert.equal(declared.length, String(WHOLE.length), 'the upstream\'s Content-Length, as it sent it');
    assert.deepEqual(declared.body, WHOLE);
    assert.equal(notGzip.encoding, undefined);
    // A client that refuses an uncompressed answer gets the encoding negotiated, past the budget, as from Traefik.
    assert.equal(noIdentity.encoding, 'br');
    assert.deepEqual(noIdentity.body, WHOLE);
    for (let i = 0; i < PIECES; i++) for (const id of ['1', '2', '3']) held.get(id)?.next();
    for (const answer of await Promise.all([first, second])) {
      assert.equal(answer.encoding, 'br');
      assert.deepEqual(answer.body, WHOLE);
    }
    const gzipHeld = await heldGzip;
    assert.equal(gzipHeld.encoding, 'gzip', 'br fit no more; gzip did');
    assert.deepEqual(gzipHeld.body, WHOLE);
    const after = await settled();
    assert.equal(after.pe_edge_compress_streams_bytes, 0);
    assert.equal(after['pe_edge_compress_streams_refused_total{sent="gzip"}'], 2);
    assert.equal(after['pe_edge_compress_streams_refused_total{sent="identity"}'], 4);
    // With the budget free again, an answer streams compressed.
    assert.equal((await get(url + '/declared')).encoding, 'br');
    assert.equal((await settled()).pe_edge_compress_streams_bytes, 0);
  });

  it('an upstream cut mid-answer gives its compressor\'s memory back (the compressor is destroyed: it never ends)', async () => {
    await assert.rejects(get(url + '/cut-declared'));
    assert.equal((await settled()).pe_edge_compress_streams_bytes, 0);
  });

  it('a client that leaves mid-answer gives its compressor\'s memory back', async () => {
    // brotli sends nothing of these pieces before its end: the client leaves on the head, the answer half sent.
    await new Promise<void>((resolve, reject) => {
      const req = http.get(url + '/slow?gap=500', { headers: { 'accept-encoding': 'br' }, agent: false }, (res) => {
        assert.equal(res.headers['content-encoding'], 'br');
        req.destroy();
        resolve();
      });
      req.on('error', () => {});
      setTimeout(() => reject(new Error('no head')), 5000).unref();
    });
    assert.equal((await settled()).pe_edge_compress_streams_bytes, 0);
  });
});
