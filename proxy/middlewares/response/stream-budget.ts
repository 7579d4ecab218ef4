import type { ZlibEncoding } from './compressed-body.js';

/**
 * How much memory the answers compress streams (over 64 KiB, or of unknown length) may hold in their compressors at
 * once, per process. Each holds its compressor until its client has read the answer, and a slow client reads for
 * seconds: 50 answers of 2 MB streamed through brotli at once held 286-390 MB of RSS (a reviewer's run, node 24),
 * enough for a container's memory limit to end the process and every connection with it. Past the budget an answer
 * goes out uncompressed (every client reads that), counted in pe_edge_compress_streams_refused_total; Traefik,
 * which caps nothing, compresses it.
 */
export const STREAM_BUDGET_BYTES = 256 * 1024 * 1024;

/** For tests only, not a user option: another budget in bytes (read once per process). */
export const STREAM_BUDGET_TEST_ENV = 'PE_EDGE_COMPRESS_STREAM_BUDGET_BYTES';

const MIB = 1024 * 1024;
// What one streamed compressor holds, estimated from how each library sizes itself (measured RSS follows what was
// written into the window, up to the window): zlib's deflate at memLevel 8 and windowBits 15, 256 KiB, and an
// output chunk; brotli at quality 6, a 2 MiB match finder and its window (4 MiB unless sized to a declared
// length, compressed-body.ts); zstd at level 3, about 1 MiB of tables and its window (2 MiB, or the length).
const GZIP_BYTES = 320 * 1024;
const BROTLI_FINDER_BYTES = 2 * MIB;
const BROTLI_WINDOW_BYTES = 4 * MIB;
const ZSTD_TABLE_BYTES = 1 * MIB;
const ZSTD_WINDOW_BYTES = 2 * MIB;

/** What the compressors of this process's streamed answers hold, as estimated, and how many answers went uncompressed. */
export const compressStreams = {
  heldBytes: 0,
  refused: 0,
  maxBytes: budgetFrom(process.env[STREAM_BUDGET_TEST_ENV]),
};

function budgetFrom(testValue: string | undefined): number {
  const bytes = testValue === undefined ? NaN : Number(testValue);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : STREAM_BUDGET_BYTES;
}

/** The memory a compressor for `encoding` is estimated to hold while it streams a body of `declared` bytes (null: unknown). */
export function streamCost(encoding: ZlibEncoding, declared: number | null): number {
  if (encoding === 'gzip') return GZIP_BYTES;
  const window = encoding === 'br' ? BROTLI_WINDOW_BYTES : ZSTD_WINDOW_BYTES;
  const held = declared === null ? window : Math.min(window, declared);
  return held + (encoding === 'br' ? BROTLI_FINDER_BYTES : ZSTD_TABLE_BYTES);
}

/**
 * Reserves a streamed compressor's memory: its cost, to hand to releaseStream once the compressor is closed, or null
 * when the budget has no room (the answer then goes out uncompressed). The first stream is always let in, so a
 * budget below one compressor still compresses one answer at a time.
 */
export function reserveStream(encoding: ZlibEncoding, declared: number | null): number | null {
  const cost = streamCost(encoding, declared);
  if (compressStreams.heldBytes > 0 && compressStreams.heldBytes + cost > compressStreams.maxBytes) {
    compressStreams.refused++;
    return null;
  }
  compressStreams.heldBytes += cost;
  return cost;
}

/** Gives back what reserveStream reserved (call once per reservation, when the compressor has closed). */
export function releaseStream(cost: number): void {
  compressStreams.heldBytes -= cost;
}
