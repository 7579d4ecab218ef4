// An answer that streams (server-sent events, NDJSON progress, a log tail) through compress reaches its client as it
// comes. Traefik's proxy flushes after every write of an answer of unknown length (Go's flushInterval -1), and its
// compress writer's Flush starts compressing whatever is buffered, under minResponseBodyBytes too, and flushes its
// compressor. pe-edge held such an answer until 1 KiB had come, then left the bytes in zlib until the end: an event
// stream through `compress: {}` delivered its first event only when the stream ended.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { compressedRoute } from './compressed-route.js';
import { zstd } from '../../../proxy/middlewares/response/zstd.js';

/** node's streaming zstd decoder (node 22.15 on; @types/node 20 does not declare it). */
function hasZstdDecompress(z: object): z is { createZstdDecompress(): Transform } {
  return 'createZstdDecompress' in z && typeof z.createZstdDecompress === 'function';
}

/** Decompresses what the client reads as it comes, as a browser's EventSource does. */
function decoderFor(encoding: string | undefined): Transform {
  if (encoding === 'gzip') return zlib.createGunzip();
  if (encoding === 'br') return zlib.createBrotliDecompress();
  if (encoding === 'zstd' && hasZstdDecompress(zlib)) return zlib.createZstdDecompress();
  throw new Error(`unexpected Content-Encoding ${String(encoding)}`);
}

/**
 * The backend writes `first`, then holds the answer open until `release()` (or 5 s) before ending it with `last`:
 * the test reads `first` from the proxy while the upstream is still streaming.
 */
async function streamingRoute(t: TestContext, contentType: string, first: string, last: string): Promise<{ url: string; release: () => void }> {
  const waiting = new Set<() => void>();
  const { url } = await compressedRoute(t, {}, (_req, res) => {
    res.writeHead(200, { 'content-type': contentType });
    res.write(first);
    const end = (): void => {
      clearTimeout(timer);
      waiting.delete(end);
      if (!res.destroyed) res.end(last);
    };
    const timer = setTimeout(end, 5000);
    waiting.add(end);
  });
  return { url, release: () => { for (const end of [...waiting]) end(); } };
}

/** The answer's Content-Encoding and how long its first decoded bytes took, or null when none came within `ms`. */
function firstBytes(url: string, accept: string, ms: number): Promise<{ encoding: string | undefined; text: string | null }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'accept-encoding': accept }, agent: false }, (res) => {
      const encoding = res.headers['content-encoding'];
      const decoder = decoderFor(encoding);
      let text = '';
      const timer = setTimeout(() => done(null), ms);
      const done = (value: string | null): void => {
        clearTimeout(timer);
        req.destroy();
        resolve({ encoding, text: value });
      };
      decoder.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.includes('\n\n') || text.endsWith('\n')) done(text);
      });
      decoder.on('error', reject);
      res.pipe(decoder);
    });
    req.on('error', reject);
  });
}

const encodings = ['gzip', 'br', ...(zstd !== null ? ['zstd'] : [])];

for (const encoding of encodings) {
  test(`compress (${encoding}): a server-sent event smaller than minResponseBodyBytes reaches the client while its stream goes on`, async (t) => {
    const event = 'data: {"progress": 1}\n\n';
    const { url, release } = await streamingRoute(t, 'text/event-stream', event, 'data: {"progress": 100}\n\n');
    t.after(release);
    const got = await firstBytes(url, encoding, 2000);
    assert.equal(got.encoding, encoding, 'compressed as Traefik compresses it once its proxy flushes');
    assert.equal(got.text, event, 'the first event, decoded, before the stream ends');
  });

  test(`compress (${encoding}): an NDJSON line past minResponseBodyBytes reaches the client while its stream goes on`, async (t) => {
    const line = JSON.stringify({ rows: Array.from({ length: 60 }, (_, i) => `row ${i} of a report`) }) + '\n';
    assert.ok(line.length > 1024 && line.length < 64 * 1024);
    const { url, release } = await streamingRoute(t, 'application/x-ndjson', line, '{"done": true}\n');
    t.after(release);
    const got = await firstBytes(url, encoding, 2000);
    assert.equal(got.encoding, encoding);
    assert.equal(got.text, line, 'the first line, decoded, before the stream ends');
  });
}
