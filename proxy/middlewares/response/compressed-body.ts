import { isBodilessStatus } from '../../http/bodiless-status.js';
import { PassThrough, Writable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { relayToResponse } from '../../http/relay-to-response.js';
import { reportFault } from '../../http/exchange-fault.js';
import { removeResponseHeader, type BodySink, type ProxyResponse, type RequestContext, type ResponseHeaders } from '../../http/request-context.js';
import { compressedBodies, keyFor } from './compressed-cache.js';
import { fastGzip, fastGzipAvailable, presetGzip, type GzipPreset } from './fast-gzip.js';
import { gzipPresetFor } from './gzip-presets.js';
import { firstHeaderValue } from '../../http/request-header-edit.js';
import { gzipTemplates, templateKey } from './gzip-templates.js';
import { zstd, type Zstd, type ZstdOptions } from './zstd.js';
import { releaseStream, reserveStream, type StreamReservation } from './stream-budget.js';
import { acceptEncodingOf, acceptsEncoding, refusesIdentity } from './accept-encoding.js';

/** Encodings pe-edge compresses to with node:zlib (zstd only on a node that has it: compress.ts). */
export type ZlibEncoding = 'gzip' | 'br' | 'zstd';

// Traefik uses brotli.DefaultCompression (6); Node's default quality 11 costs several times the CPU.
const BROTLI_QUALITY = 6;
const BROTLI_OPTIONS: zlib.BrotliOptions = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } };

// A small body compressed once only (a page that differs on every request) gets brotli's quality 2, as it gets the
// one-pass gzip: on the bench's 4 kB page 0.37 of quality 6's CPU for 21 % more bytes (1520 against 1258, still
// under the one-pass gzip's 1556); over 262 HTML and JS files of 1-64 kB, 0.30 of the CPU for 13 % more bytes
// (fast-gzip.bench.ts has both rows). A body the cache keeps is compressed again at quality 6 when kept.
export const ONE_OFF_BROTLI_QUALITY = 2;

/**
 * A streaming compressor. `declared`: the body's declared length, when it has one; zstd then sizes its window to it
 * and writes it in the frame, and checks it (the HTTP/1.1 pool has already cut a body that does not match); brotli
 * sizes its window to it (a 300 KB answer reserves a 512 KiB window instead of 4 MiB while it streams; what is
 * resident is mostly what it wrote, and brotli's match finder, 2 MiB per stream at quality 6, stays: 50 such answers
 * at once peaked 10-15 % lower by hand, with a window twice this one).
 */
function createEncoder(encoding: ZlibEncoding, declared: number | null): Transform & zlib.Zlib {
  if (encoding === 'zstd') return zstdOf().createZstdCompress(declared === null ? {} : zstdWholeOptions(declared));
  if (encoding === 'br') return zlib.createBrotliCompress(declared === null ? BROTLI_OPTIONS : brotliWholeOptions(declared));
  return zlib.createGzip();
}

/** node's zstd, which compress negotiates only where it exists. */
function zstdOf(): Zstd {
  if (zstd === null) throw new Error('zstd was chosen on a node without it');
  return zstd;
}

function markCompressed(headers: ResponseHeaders, encoding: ZlibEncoding): void {
  removeResponseHeader(headers, 'content-length');
  headers['content-encoding'] = encoding;
  dropAcceptRanges(headers);
}

/**
 * A compressed answer offers no ranges (gzhttp's startCompression): ranges of it would be ranges of bytes that
 * differ from one compression to the next.
 */
function dropAcceptRanges(headers: ResponseHeaders): void {
  removeResponseHeader(headers, 'accept-ranges');
}

function named(value: string | string[] | undefined): boolean {
  return value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0);
}

/**
 * Compressed bytes go to the client response with backpressure; an encoder failure cuts the exchange. `reserved`
 * (stream-budget.ts) is given back when the encoder closes: at its end, or destroyed with the client's response.
 */
function encoderInto(res: ProxyResponse, reserved: StreamReservation, declared: number | null): FlushedEncoder {
  const encoder = createEncoder(reserved.encoding, declared);
  encoder.once('close', () => releaseStream(reserved));
  relayToResponse(encoder, res);
  return new FlushedEncoder(encoder, FLUSH_KIND[reserved.encoding]);
}

// How each encoder flushes: gzip's sync flush (Go's gzip.Writer.Flush: the stream goes on with the same history, a
// full flush would drop it), brotli's and zstd's flush operation.
const FLUSH_KIND: Record<ZlibEncoding, number> = {
  gzip: zlib.constants.Z_SYNC_FLUSH,
  br: zlib.constants.BROTLI_OPERATION_FLUSH,
  // ZSTD_e_flush (1); not in @types/node 20's constants.
  zstd: 1,
};

/**
 * A streamed answer's encoder, flushed to the client at the end of each turn of the event loop in which it took
 * input. Traefik's proxy flushes after every write of an answer of unknown length (Go's flushInterval -1), and at
 * most flushInterval after one of known length, and its compress writer then flushes its compressor: a slow stream
 * (server-sent events, NDJSON, a log tail) reaches the client as it comes. Unflushed, zlib held up to 16 KiB of
 * output and brotli most of its window until the answer ended. Input that comes in one turn is flushed once: a fast
 * upstream's reads of a turn stay one block.
 */
class FlushedEncoder implements BodySink {
  private flushAtTurnEnd: NodeJS.Immediate | null = null;

  constructor(private readonly encoder: Transform & zlib.Zlib, private readonly flushKind: number) {}

  write(chunk: Buffer): boolean {
    this.flushAtTurnEnd ??= setImmediate(this.flush);
    return this.encoder.write(chunk);
  }

  /** A body given whole at its end (pe-edge's own answers: `answer` in traefik-responses.ts) goes in first. */
  end(chunk?: Buffer | string): void {
    this.stopFlushing();
    if (chunk === undefined) this.encoder.end();
    else this.encoder.end(chunk);
  }

  once(event: 'drain', listener: () => void): this {
    this.encoder.once(event, listener);
    return this;
  }

  private readonly flush = (): void => {
    this.flushAtTurnEnd = null;
    const encoder = this.encoder;
    if (encoder.destroyed || encoder.writableEnded) return;
    // Queued behind the turn's input: a client that reads slowly holds it back as it holds that input back.
    encoder.flush(this.flushKind, () => {});
  };

  private stopFlushing(): void {
    if (this.flushAtTurnEnd === null) return;
    clearImmediate(this.flushAtTurnEnd);
    this.flushAtTurnEnd = null;
  }
}

/** The body as it came, to the client response with the same backpressure as a compressed one. */
function passThroughInto(res: ProxyResponse): Transform {
  const through = new PassThrough();
  relayToResponse(through, res);
  return through;
}

/**
 * Room in the streams' budget for a compressor of `encoding`, or of gzip when the client takes it and the middleware
 * offers it (`gzipOffered`); null: the answer goes uncompressed (never to a client that refuses that).
 */
function reserveEncoder(ctx: RequestContext, encoding: ZlibEncoding, declared: number | null, gzipOffered: boolean): StreamReservation | null {
  return reserveStream(encoding, declared, {
    gzip: () => gzipOffered && acceptsEncoding(acceptEncodingOf(ctx.req.headers), 'gzip'),
    refusesIdentity: () => refusesIdentity(acceptEncodingOf(ctx.req.headers)),
  });
}

/**
 * Where the body of an upstream response goes when it may be compressed: null (untouched, the forwarder
 * sends head and body) for bodiless statuses, already-encoded bodies and declared lengths under minSize;
 * an encoder at once for declared lengths from minSize up; a DeferredCompressor when the length is
 * unknown. A non-null result owns the head: `sendHead` is called once the headers are decided. A streamed answer
 * past the streams' memory budget (stream-budget.ts) goes as gzip when `gzipOffered` and the client takes it, else
 * untouched.
 */
export function compressedBody(ctx: RequestContext, encoding: ZlibEncoding, gzipOffered: boolean, minSize: number, status: number, headers: ResponseHeaders, sendHead: () => void): BodySink | null {
  const res = ctx.res;
  if (isBodilessStatus(status)) return null;
  if (named(headers['content-encoding'])) return null;
  // A range of the uncompressed body stays as it came: its Content-Range counts uncompressed bytes. gzhttp skips
  // any answer with a Content-Range; a 206 without one (multipart/byteranges) holds such ranges too.
  if (status === 206 || named(headers['content-range'])) return null;
  const declared = headers['content-length'];
  if (typeof declared === 'string' && declared !== '') {
    const length = Number(declared);
    if (length < minSize) return null;
    if (length <= ONE_SHOT_MAX_BYTES) return new OneShotCompressor(ctx, encoding, length, headers, sendHead);
    const known = Number.isSafeInteger(length) ? length : null;
    // No room in the streams' budget: the answer goes as the upstream sent it, with its Content-Length.
    const reserved = reserveEncoder(ctx, encoding, known, gzipOffered);
    if (reserved === null) return null;
    markCompressed(headers, reserved.encoding);
    sendHead();
    return encoderInto(res, reserved, known);
  }
  return new DeferredCompressor(ctx, encoding, gzipOffered, minSize, headers, sendHead);
}

// Bodies up to this declared size are compressed in one call instead of through a zlib stream: no stream
// state per response, one write of head and body, and a Content-Length instead of chunks.
const ONE_SHOT_MAX_BYTES = 64 * 1024;

// Up to this size one call on the event loop costs less than handing it to the thread pool (tens of
// microseconds for a 4 kB page, well under a millisecond at the limit).
const SYNC_MAX_BYTES = 16 * 1024;

/**
 * One call of node:zlib: on the event loop for small bodies, on the thread pool for larger ones. A body compressed
 * once only (`oneOff`: not to be kept) gets the cheaper forms: gzip from `oneOffGzip` (small bodies: less CPU than
 * zlib's call, about a tenth more bytes; HTML and JSON, by the answer's `headers`, with their presets), brotli at
 * ONE_OFF_BROTLI_QUALITY; zstd is cheap at its default level already. `crc32` is the body's CRC-32 when its cache
 * key computed one (else null): the one-pass gzip's trailer takes it instead of a second pass over the body.
 */
function compressWhole(encoding: ZlibEncoding, body: Buffer, oneOff: boolean, crc32: number | null, headers: ResponseHeaders, callback: (err: Error | null, result: Buffer) => void): void {
  const sync = body.length <= SYNC_MAX_BYTES;
  if (encoding === 'zstd') {
    const options = zstdWholeOptions(body.length);
    if (!sync) return zstdOf().zstdCompress(body, options, callback);
    return settle(() => zstdOf().zstdCompressSync(body, options), callback);
  }
  if (encoding === 'gzip') {
    if (!sync) return zlib.gzip(body, gzipWholeOptions(body.length), callback);
    if (oneOff && fastGzipAvailable) return settle(() => oneOffGzip(body, gzipPresetFor(firstHeaderValue(headers['content-type'])), crc32), callback);
    return settle(() => zlib.gzipSync(body, gzipWholeOptions(body.length)), callback);
  }
  const options = brotliWholeOptions(body.length, oneOff ? ONE_OFF_BROTLI_QUALITY : BROTLI_QUALITY);
  if (!sync) return zlib.brotliCompress(body, options, callback);
  return settle(() => zlib.brotliCompressSync(body, options), callback);
}

/**
 * The one-off gzip of a small body (up to SYNC_MAX_BYTES): with its kind's preset codes in one pass when it has one
 * and they fit it (HTML, JSON: gzip-presets.ts), else with its own codes. `crc32` as for fastGzip.
 */
export function oneOffGzip(body: Buffer, preset: GzipPreset | null, crc32: number | null = null): Buffer {
  return (preset === null ? null : presetGzip(body, preset, crc32)) ?? fastGzip(body, crc32);
}

/**
 * brotli's options for a whole body of `length` bytes at `quality`, as compress compresses one: 6 for a body to
 * keep, ONE_OFF_BROTLI_QUALITY for one compressed once only (fast-gzip.bench.ts measures both).
 */
export function brotliWholeOptions(length: number, quality: number = BROTLI_QUALITY): zlib.BrotliOptions {
  // The window need not exceed the body (brotli reaches back at most the window less 16 bytes): a smaller one is
  // cheaper to set up and reserves less memory while a streamed answer lasts, and the output is the same size. Never
  // over brotli's default 22 (4 MiB, Traefik's): a body past 4 MiB gets the window every answer had before.
  const window = Math.min(22, Math.max(10, Math.ceil(Math.log2(length + 16))));
  return {
    chunkSize: outputChunkSize(length),
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: length, [zlib.constants.BROTLI_PARAM_LGWIN]: window },
  };
}

// node's zlib writes a call's output into chunks of `chunkSize` bytes, 16 KiB by default: new memory V8 counts as
// external until a collection frees it. 16 KiB per small body was 50 MB/s at 3,000 pages a second, and V8 answered
// it with a full collection every 0.4 s (node 24, `--trace-gc`: 65 mark-compacts in one run against 2 with chunks of
// half the body), near a third of pe-edge's CPU. A chunk of half the body holds most compressed pages whole; an
// output longer than that (a body that hardly compresses: an image, a font) takes more chunks, joined at the end,
// and costs more memory than one 16 KiB chunk did. Streamed answers keep zlib's 16 KiB: their length is unknown.

/** The output chunk of one gzip or brotli call compressing `length` bytes: half of them, 1 KiB to zlib's 16 KiB. */
function outputChunkSize(length: number): number {
  return Math.max(1024, Math.min(16 * 1024, Math.ceil(length / 2)));
}

/**
 * zstd's output chunk for `length` bytes: more than the most zstd can write for them (ZSTD_compressBound: the length,
 * 1/256 of it, and up to 64 bytes), up to zlib's 16 KiB. Output that exactly fills its chunks makes node ask zstd to
 * end the frame once more, and zstd then writes a second, empty frame, which strict single-frame decoders refuse;
 * with a chunk larger than any output, that never happens below 16 KiB.
 */
function zstdOutputChunkSize(length: number): number {
  return Math.min(16 * 1024, length + (length >>> 7) + 128);
}

/** gzip's options for a whole body of `length` bytes (zlib's level 6, the form a kept body gets). */
export function gzipWholeOptions(length: number): zlib.ZlibOptions {
  return { chunkSize: outputChunkSize(length) };
}

/** zstd's options for a body of `length` bytes, as compress compresses one (in one call, or streamed with its declared length). */
export function zstdWholeOptions(length: number): ZstdOptions {
  return { pledgedSrcSize: length, chunkSize: zstdOutputChunkSize(length) };
}

function settle(run: () => Buffer, callback: (err: Error | null, result: Buffer) => void): void {
  let result: Buffer;
  try {
    result = run();
  } catch (err) {
    return callback(err instanceof Error ? err : new Error(String(err)), Buffer.alloc(0));
  }
  callback(null, result);
}

/**
 * A body of known, small length: gathered whole, compressed in one call (or found compressed before), then head
 * (with the compressed Content-Length) and body go out together. Not a stream: the forwarder writes to it and ends
 * it, and a body that came in one read is taken lent, used in place and released, with no copy and no stream state.
 * It never holds a write back, so it never emits 'drain'.
 */
class OneShotCompressor implements BodySink {
  /** The whole body when it came in one lent chunk, and how to give that memory back. */
  private lent: Buffer | null = null;
  private releaseLent: (() => void) | null = null;
  /** The body gathered from several chunks, allocated at the declared length on the first one. */
  private gathered: Buffer | null = null;
  private size = 0;
  private ended = false;

  private readonly res: ProxyResponse;

  constructor(private readonly ctx: RequestContext, private readonly encoding: ZlibEncoding, private readonly declared: number,
    private readonly headers: ResponseHeaders, private readonly sendHead: () => void) {
    this.res = ctx.res;
  }

  /** Every write is taken at once: 'drain' never comes, and no emitter is kept for it. */
  once(_event: 'drain', _listener: () => void): this {
    return this;
  }

  write(chunk: Buffer): boolean {
    this.gather(chunk);
    return true;
  }

  writeLent(chunk: Buffer, release: () => void): boolean {
    if (this.size === 0 && chunk.length === this.declared && !this.ended) {
      this.lent = chunk;
      this.releaseLent = release;
      this.size = chunk.length;
      return true;
    }
    this.gather(chunk);
    release();
    return true;
  }

  private gather(chunk: Buffer): void {
    if (this.ended) return;
    if (this.lent !== null) this.ownLent();
    // More than declared cannot come from a framed upstream; it is counted (the body is then refused), not kept.
    if (this.size + chunk.length <= this.declared) {
      this.gathered ??= Buffer.allocUnsafe(this.declared);
      chunk.copy(this.gathered, this.size);
    }
    this.size += chunk.length;
  }

  /** The lent body copied into memory of its own, and the lent memory released. */
  private ownLent(): void {
    const lent = this.lent as Buffer;
    this.gathered = Buffer.allocUnsafe(this.declared);
    lent.copy(this.gathered);
    this.lent = null;
    this.releaseLentNow();
  }

  private releaseLentNow(): void {
    const release = this.releaseLent;
    this.releaseLent = null;
    release?.();
  }

  end(chunk?: Buffer | string): void {
    if (chunk !== undefined) this.gather(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (this.ended) return;
    this.ended = true;
    // A body shorter or longer than declared cuts the client connection, as an upstream cut does.
    if (this.size !== this.declared) {
      this.releaseLentNow();
      this.res.destroy();
      return;
    }
    // A lent body is used in place only when everything is done before this call returns. Once released, the memory
    // is another upstream read's (of any connection): zlib on the thread pool reading it then meanwhile would send
    // foreign bytes and could corrupt the heap (a reviewer's mutant without this copy crashed pe-edge in seconds).
    if (this.lent !== null && this.declared > SYNC_MAX_BYTES) this.ownLent();
    const body = this.lent ?? (this.gathered as Buffer);
    try {
      compressAndSend(this.ctx, this.encoding, body, this.headers, this.sendHead);
    } finally {
      this.releaseLentNow();
    }
  }
}

/**
 * compress's one-call path for a whole body: its kept compressed form if the cache has it, else one compression
 * (the cheaper form for a body not to be kept); then head (with the compressed Content-Length) and body go out
 * together. `body` must stay as it is until this returns, and past it when it is over SYNC_MAX_BYTES (compressed
 * on the thread pool).
 */
function compressAndSend(ctx: RequestContext, encoding: ZlibEncoding, body: Buffer, headers: ResponseHeaders, sendHead: () => void): void {
  const key = keyFor(ctx, encoding, body, headers);
  const kept = key === null ? undefined : compressedBodies.get(key);
  if (kept !== undefined) {
    sendWhole(ctx.res, encoding, kept, headers, sendHead);
    return;
  }
  // A body seen for the first time (or never to be kept) is likely a one-off: compressed cheaply. One the cache
  // keeps is served again: worth zlib's stronger form.
  const keep = key !== null && compressedBodies.admits(key);
  // A one-off page like the last one of its key but for a token: from that key's template.
  if (!keep && key !== null && encoding === 'gzip' && key.crc32 !== null && body.length <= SYNC_MAX_BYTES) {
    const templated = gzipTemplates.gzip(templateKey(key.scope, ctx.path), body, key.crc32);
    if (templated !== null) {
      sendWhole(ctx.res, encoding, templated, headers, sendHead);
      return;
    }
  }
  compressWhole(encoding, body, !keep, key?.crc32 ?? null, headers, (err, compressed) => {
    if (err !== null) {
      ctx.res.destroy();
      return;
    }
    if (keep) compressedBodies.keep(key, compressed);
    sendWhole(ctx.res, encoding, compressed, headers, sendHead);
  });
}

function sendWhole(res: ProxyResponse, encoding: ZlibEncoding, compressed: Buffer, headers: ResponseHeaders, sendHead: () => void): void {
  if (res.headersSent || res.clientGone) return;
  // Set in place, not removed and set again.
  headers['content-length'] = String(compressed.length);
  headers['content-encoding'] = encoding;
  dropAcceptRanges(headers);
  sendHead();
  res.end(compressed);
}

/**
 * Holds a body of unknown length until the end of the turn of the event loop in which it came (or ONE_SHOT_MAX_BYTES
 * of it). One that ends in that turn (a small chunked page read whole, as app servers send them) goes out whole:
 * below minSize as it came, headers untouched, else compressed like a body of known length (cached, the one-off
 * forms, a Content-Length). A deviation: Traefik's proxy flushes an answer of unknown length as it comes, so it
 * answers such a page chunked, and compresses it under minSize too; any HTTP client reads both. A body still coming
 * at the next turn, or past ONE_SHOT_MAX_BYTES, streams: the head goes out with Content-Encoding and the body through
 * an encoder flushed each turn, whatever its size, as Traefik's flush starts compressing what its writer holds (an
 * event stream's first event reaches the client then, not once 1 KiB has come). It holds the head (as express's
 * `compression` does) until the decision; when the forwarder answered something else meanwhile (a 502 after an
 * upstream error), the held head and body are dropped: an upstream that fails in the turn that held them gets the
 * client a 502 (as below minResponseBodyBytes), where a streamed answer would be cut.
 */
class DeferredCompressor extends Writable {
  private buffered: Buffer[] = [];
  private size = 0;
  private encoder: BodySink | null = null;
  /** The encoder's place in the streams' budget, charged as the body goes in (null: streamed uncompressed). */
  private reserved: StreamReservation | null = null;
  /** Set once bytes are held and they still fit one call: streaming starts then, unless the body ends first. */
  private streamNextTurn: NodeJS.Immediate | null = null;

  constructor(private readonly ctx: RequestContext, private readonly encoding: ZlibEncoding, private readonly gzipOffered: boolean,
    private readonly minSize: number, private readonly headers: ResponseHeaders, private readonly sendHead: () => void) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.encoder !== null) {
      this.feed(chunk, callback);
      return;
    }
    this.buffered.push(chunk);
    this.size += chunk.length;
    if (this.size <= ONE_SHOT_MAX_BYTES) {
      if (this.size > 0) this.streamNextTurn ??= setImmediate(this.streamHeld);
      callback();
      return;
    }
    this.startStream(callback);
  }

  /**
   * The next turn came before the body's end: the answer streams. Unless the upstream failed in the turn that held
   * the body (the forwarder then answered itself, a 502) or the client left: the body has nowhere to go then, and
   * no more of it comes (the exchange is over).
   */
  private readonly streamHeld = (): void => {
    this.streamNextTurn = null;
    if (this.destroyed) return;
    const res = this.ctx.res;
    if (res.writableEnded || res.clientGone) {
      this.buffered = [];
      this.size = 0;
      return;
    }
    // A turn of its own: nothing above would catch a throw here.
    try {
      this.startStream(() => {});
    } catch (err) {
      reportFault(this.ctx, 'response', err);
      res.destroy();
    }
  };

  /**
   * The head with Content-Encoding (unless the forwarder answered something else meanwhile), then what is held and
   * all that follows through an encoder. Everything held was taken already: `callback` is the write that passes
   * ONE_SHOT_MAX_BYTES, if any.
   */
  private startStream(callback: () => void): void {
    this.stopWaiting();
    // No room in the streams' budget: what is held and what follows go out as they came (chunked).
    const reserved = reserveEncoder(this.ctx, this.encoding, null, this.gzipOffered);
    this.reserved = reserved;
    if (!this.ctx.res.headersSent) {
      if (reserved !== null) markCompressed(this.headers, reserved.encoding);
      this.sendHead();
    }
    this.encoder = reserved === null ? passThroughInto(this.ctx.res) : encoderInto(this.ctx.res, reserved, null);
    this.feed(this.takeHeld(), callback);
  }

  /** What is held, as one buffer; nothing is held after. */
  private takeHeld(): Buffer {
    const all = Buffer.concat(this.buffered, this.size);
    this.buffered = [];
    this.size = 0;
    return all;
  }

  private stopWaiting(): void {
    if (this.streamNextTurn === null) return;
    clearImmediate(this.streamNextTurn);
    this.streamNextTurn = null;
  }

  private feed(chunk: Buffer, callback: () => void): void {
    const encoder = this.encoder as BodySink;
    this.reserved?.tookIn(chunk.length);
    if (encoder.write(chunk)) callback();
    else encoder.once('drain', callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const res = this.ctx.res;
    if (this.streamNextTurn !== null && this.size < this.minSize) {
      // Whole below minSize: as it came.
      this.stopWaiting();
    } else if (this.streamNextTurn !== null) {
      // An answer with trailers (relayed before the end) keeps its chunked framing, whichever front and client: the
      // simplest rule, and such answers (gRPC's) are rarely compressed.
      if (res.sentTrailers() === null) {
        this.stopWaiting();
        compressAndSend(this.ctx, this.encoding, this.takeHeld(), this.headers, this.sendHead);
        callback();
        return;
      }
      this.startStream(() => {});
    }
    if (this.encoder !== null) {
      this.encoder.end();
    } else {
      if (!res.headersSent) this.sendHead();
      res.end(this.takeHeld());
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopWaiting();
    callback(error);
  }
}
