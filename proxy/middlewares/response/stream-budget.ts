import type { ZlibEncoding } from './compressed-body.js';

/**
 * How much memory the answers compress streams (over 64 KiB, or of unknown length) may hold in their compressors at
 * once, per process. Each holds its compressor until its client has read the answer, and a slow client reads for
 * seconds: 50 answers of 2 MB streamed through brotli at once held 286-390 MB of RSS (a reviewer's run, node 24),
 * enough for a container's memory limit to end the process and every connection with it. Past the budget an answer
 * goes out as gzip (about 1 MiB) when its client takes gzip, else uncompressed (every client but one refusing
 * `identity` reads that), counted in pe_edge_compress_streams_refused_total; Traefik, which caps nothing, compresses
 * it as negotiated. Per process: `--workers=N` allows N times as much.
 */
export const STREAM_BUDGET_BYTES = 256 * 1024 * 1024;

/** For tests only, not a user option: another budget in bytes (read once per process). */
export const STREAM_BUDGET_TEST_ENV = 'PE_EDGE_COMPRESS_STREAM_BUDGET_BYTES';

const MIB = 1024 * 1024;
// What one streamed answer costs the process, from its peak RSS over 20 and 60 answers streamed at once (node 24,
// glibc, answers of 1, 2 and 6 MB, 2026-12-07): the compressor and what the allocator keeps around it (a compressor
// alone measured about half on node 20: brotli 2.3-10.4 MiB after 0.1-6 MB). gzip about 1 MiB whatever the length;
// zstd about 2 MiB and its window; brotli at quality 6 about 2 MiB and four times what it has taken in, up to its
// 4 MiB window (6, 11 and 19 MB per answer). An answer of unknown length is charged the most for its whole life.
const GZIP_BYTES = 1 * MIB;
const BASE_BYTES = 2 * MIB;
const WINDOW_BYTES = 4 * MIB;
const BROTLI_PER_WINDOW_BYTE = 4;

/** What the compressors of this process's streamed answers hold, as estimated, and what the budget turned away. */
export const compressStreams = {
  heldBytes: 0,
  maxBytes: budgetFrom(process.env[STREAM_BUDGET_TEST_ENV]),
  /** Answers sent as gzip, not the encoding negotiated, for want of room. */
  toGzip: 0,
  /** Answers sent uncompressed for want of room. */
  uncompressed: 0,
};

function budgetFrom(testValue: string | undefined): number {
  const bytes = testValue === undefined ? NaN : Number(testValue);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : STREAM_BUDGET_BYTES;
}

/** The memory a compressor for `encoding` is estimated to hold while it streams a body of `declared` bytes (null: unknown). */
export function streamCost(encoding: ZlibEncoding, declared: number | null): number {
  if (encoding === 'gzip') return GZIP_BYTES;
  const window = declared === null ? WINDOW_BYTES : Math.min(WINDOW_BYTES, declared);
  return BASE_BYTES + (encoding === 'br' ? BROTLI_PER_WINDOW_BYTE * window : window);
}

/** A compressor's reservation: the encoding it may use, and what to give back when it closes. */
export interface StreamReservation {
  readonly encoding: ZlibEncoding;
  readonly bytes: number;
}

/** What the client's Accept-Encoding allows besides the encoding negotiated, asked only when the budget has no room. */
export interface SecondChoices {
  /** It takes gzip, and the middleware offers it. */
  gzip(): boolean;
  /** It refuses an uncompressed answer (`identity;q=0`, `*;q=0`). */
  refusesIdentity(): boolean;
}

/**
 * Room for a streamed compressor of `encoding`, else for gzip when the client takes it: a cheaper compressor rather
 * than none. Null when neither fits: the answer then goes out uncompressed, unless the client refuses that, when
 * `encoding` is taken past the budget (as Traefik would send it). The first stream is always let in, so a budget
 * below one compressor still compresses one answer at a time.
 */
export function reserveStream(encoding: ZlibEncoding, declared: number | null, client: SecondChoices): StreamReservation | null {
  const cost = streamCost(encoding, declared);
  if (fits(cost)) return take(encoding, cost);
  if (encoding !== 'gzip' && fits(GZIP_BYTES) && client.gzip()) {
    compressStreams.toGzip++;
    return take('gzip', GZIP_BYTES);
  }
  if (client.refusesIdentity()) return take(encoding, cost);
  compressStreams.uncompressed++;
  return null;
}

function fits(cost: number): boolean {
  return compressStreams.heldBytes === 0 || compressStreams.heldBytes + cost <= compressStreams.maxBytes;
}

function take(encoding: ZlibEncoding, bytes: number): StreamReservation {
  compressStreams.heldBytes += bytes;
  return { encoding, bytes };
}

/** Gives back what reserveStream reserved (once per reservation, when the compressor has closed). */
export function releaseStream(reservation: StreamReservation): void {
  compressStreams.heldBytes -= reservation.bytes;
}
