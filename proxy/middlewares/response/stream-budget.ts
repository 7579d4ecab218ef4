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
// 4 MiB window (6, 11 and 19 MB per answer). An answer of unknown length is charged as it goes (StreamReservation).
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

/**
 * The memory a compressor for `encoding` is estimated to hold once it has taken `bytesIn` bytes in (for an answer of
 * declared length, its length: charged whole from the start).
 */
export function streamCost(encoding: ZlibEncoding, bytesIn: number): number {
  if (encoding === 'gzip') return GZIP_BYTES;
  const window = Math.min(WINDOW_BYTES, bytesIn);
  return BASE_BYTES + (encoding === 'br' ? BROTLI_PER_WINDOW_BYTE * window : window);
}

/**
 * A compressor's reservation: the encoding it may use, and what it counts against the budget now, given back when it
 * closes. An answer of unknown length starts at what a compressor holds before any input, and its charge grows with
 * what it takes in (`tookIn`), up to the most: charged the most from the start, it held 18 MiB through brotli for
 * the whole life of a small chunked page.
 */
export class StreamReservation {
  private taken = 0;

  constructor(readonly encoding: ZlibEncoding, private charged: number, private readonly growing: boolean) {}

  get bytes(): number {
    return this.charged;
  }

  /** `bytes` more went into the compressor of an answer of unknown length. */
  tookIn(bytes: number): void {
    if (!this.growing) return;
    this.taken += bytes;
    const cost = streamCost(this.encoding, this.taken);
    if (cost <= this.charged) return;
    compressStreams.heldBytes += cost - this.charged;
    this.charged = cost;
  }
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
  const growing = declared === null;
  const cost = streamCost(encoding, declared ?? 0);
  if (fits(cost)) return take(encoding, cost, growing);
  if (encoding !== 'gzip' && fits(GZIP_BYTES) && client.gzip()) {
    compressStreams.toGzip++;
    return take('gzip', GZIP_BYTES, false);
  }
  if (client.refusesIdentity()) return take(encoding, cost, growing);
  compressStreams.uncompressed++;
  return null;
}

function fits(cost: number): boolean {
  return compressStreams.heldBytes === 0 || compressStreams.heldBytes + cost <= compressStreams.maxBytes;
}

function take(encoding: ZlibEncoding, bytes: number, growing: boolean): StreamReservation {
  compressStreams.heldBytes += bytes;
  return new StreamReservation(encoding, bytes, growing);
}

/** Gives back what reserveStream reserved (once per reservation, when the compressor has closed). */
export function releaseStream(reservation: StreamReservation): void {
  compressStreams.heldBytes -= reservation.bytes;
}
