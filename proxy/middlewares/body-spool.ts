import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import type { WholeBody } from '../http/request-context.js';
import { MemoryBudget } from '../http/memory-budget.js';

/** oxy's default for memRequestBodyBytes / memResponseBodyBytes (Traefik's documented default). */
export const DEFAULT_MEMORY_BODY_BYTES = 1048576;

/**
 * Body bytes all buffering middlewares together may hold in memory. Past it, a body spills to disk even
 * under its own mem*BodyBytes: a burst of uploads costs disk, never unbounded memory, and no request is
 * refused (503) because of what other requests hold.
 */
export const MAX_BUFFERED_MEMORY_BYTES = 64 * 1024 * 1024;

/** Prefix of the temporary files in os.tmpdir() (Traefik's are `temp-multibuf-*`). */
export const SPOOL_FILE_PREFIX = 'pe-edge-buffer-';

const memory = new MemoryBudget(MAX_BUFFERED_MEMORY_BYTES);

/** Body bytes buffering holds in memory right now, across all requests. */
export function bufferedMemoryBytes(): number {
  return memory.heldBytes;
}

/** Why a spool stopped keeping bytes: over its maximum, or the temporary file could not be written. */
export type SpoolRefusal = 'too-large' | 'failed';

const EMPTY = Buffer.alloc(0);
const ignore = (): void => {};

/**
 * One body read whole, as oxy's multibuf does: in memory up to `memBytes`, then all of it in a temporary
 * file (mode 0600). A body over `maxBytes` (0 = no limit) or a failed file write is refused once, through
 * `onRefused`; later bytes are then dropped (so whoever writes keeps flowing) and `refused` says why.
 * Writing waits for the disk, so a fast sender is slowed to what the disk takes, not buffered.
 * dispose() (or destroy()) frees what it holds.
 */
export class BodySpool extends Writable implements WholeBody {
  length = 0;
  refused: SpoolRefusal | null = null;
  /** The temporary file once the body spilled to disk, else null. */
  path: string | null = null;
  private chunks: Buffer[] = [];
  /** Bytes of this body held in the buffering memory budget. */
  private held = 0;
  private whole: Buffer | null = null;
  private file: FileHandle | null = null;
  private readers: Readable[] = [];
  disposed = false;

  constructor(
    private readonly memBytes: number,
    private readonly maxBytes: number,
    private readonly onRefused: (reason: SpoolRefusal) => void,
  ) {
    // Not destroyed once written: the body is read after that, until the request is over (dispose()).
    super({ autoDestroy: false });
  }

  /** The body from its first byte: the bytes when they are in memory, else a new stream of the file. */
  open(): Buffer | Readable {
    if (this.path === null) return this.whole ?? EMPTY;
    const reader = createReadStream(this.path);
    this.readers.push(reader);
    return reader;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.refused !== null || this.disposed) return done();
    this.length += chunk.length;
    if (this.maxBytes > 0 && this.length > this.maxBytes) {
      this.refuse('too-large');
      return done();
    }
    if (this.file !== null) {
      this.file.writeFile(chunk).then(() => done(), (err: unknown) => this.writeFailed(err, done));
    } else if (this.held + chunk.length <= this.memBytes && memory.reserve(chunk.length)) {
      this.chunks.push(chunk);
      this.held += chunk.length;
      done();
    } else {
      this.spill(chunk).then(() => done(), (err: unknown) => this.writeFailed(err, done));
    }
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.file === null && this.refused === null && !this.disposed) {
      this.whole = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.held);
      this.chunks = [];
    }
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.dispose();
    done(error);
  }

  /**
   * Frees the memory, the file (closed, then deleted) and the streams opened on it. The spool stays
   * writable and drops what it gets, so a writer still relaying (the forwarder) is never left waiting.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseMemory();
    for (const reader of this.readers) reader.destroy();
    this.readers = [];
    const file = this.file;
    const path = this.path;
    this.file = null;
    // close() waits for a write in flight; the file goes once it is closed. Failures leave nothing to do.
    if (file !== null && path !== null) void file.close().catch(ignore).then(() => unlink(path)).catch(ignore);
  }

  /** Moves what memory holds, then `chunk`, into a new temporary file. */
  private async spill(chunk: Buffer): Promise<void> {
    const path = join(tmpdir(), SPOOL_FILE_PREFIX + randomBytes(12).toString('hex'));
    // 'wx': never follow or reuse a file someone else put there.
    const file = await open(path, 'wx', 0o600);
    if (this.disposed) {
      await file.close();
      await unlink(path);
      return;
    }
    this.file = file;
    this.path = path;
    for (const held of this.chunks) await file.writeFile(held);
    this.releaseMemory();
    await file.writeFile(chunk);
  }

  private writeFailed(_error: unknown, done: () => void): void {
    if (!this.disposed) this.refuse('failed');
    done();
  }

  private refuse(reason: SpoolRefusal): void {
    this.refused = reason;
    this.releaseMemory();
    this.onRefused(reason);
  }

  private releaseMemory(): void {
    memory.release(this.held);
    this.held = 0;
    this.chunks = [];
    this.whole = null;
  }
}
