import { MemoryBudget } from '../http/memory-budget.js';

/** Read sizes: while reads fill the buffer (a transfer), once the process's large buffers are all held, and idle. */
const LARGE = 64 * 1024;
const MEDIUM = 16 * 1024;
const SMALL = 4 * 1024;

/**
 * 64 KiB read buffers held by every relayed connection of the process together (256 of them). A connection keeps its
 * buffer while idle (node reads into it again only at the next read), so without a bound, many connections idle
 * after a transfer would hold 64 KiB each; past it, a transfer reads into 16 KiB, slower but bounded.
 */
const LARGE_BUFFERS = new MemoryBudget(256 * LARGE);

/**
 * Takes what a chunk of a read is for; true when it still holds the chunk (a write that did not complete at once),
 * so the buffer under it may not be read into again.
 */
export type ReadConsumer = (chunk: Buffer) => boolean;

/**
 * A dialled server's reads into a buffer reused while what was read is written at once (node's `onread` option):
 * 'data' events allocate 64 KiB per read and cost about twice the CPU per byte on a transfer. The buffer grows to
 * 64 KiB while reads fill it (16 KiB once LARGE_BUFFERS are all held) and shrinks to 4 KiB after a read of 4 KiB or
 * less. Reads that come before a consumer takes them are copied and handed to it first.
 */
export class ReusedReads {
  private buffer: Buffer = Buffer.allocUnsafe(SMALL);
  /** This connection holds one of LARGE_BUFFERS. */
  private large = false;
  private consumer: ReadConsumer | null = null;
  private early: Buffer[] = [];

  /** For net.connect's `onread`: where the next read goes, and what takes it. */
  readonly onread = {
    buffer: (): Buffer => this.buffer,
    // node reads into the buffer `buffer` returned last: this.buffer.
    callback: (length: number): boolean => {
      this.read(length, this.buffer);
      return true;
    },
  };

  /** Hands every later read (and the copied earlier ones) to `consumer`. */
  take(consumer: ReadConsumer): void {
    this.consumer = consumer;
    const early = this.early;
    this.early = [];
    for (const chunk of early) consumer(chunk);
  }

  /** The connection closed: its large buffer, if any, goes back to the process's budget. */
  close(): void {
    this.holdLarge(false);
  }

  private read(length: number, buffer: Buffer): void {
    const chunk = buffer.subarray(0, length);
    let held: boolean;
    if (this.consumer === null) {
      this.early.push(Buffer.from(chunk));
      held = false;
    } else held = this.consumer(chunk);
    const size = this.nextSize(length, buffer.length);
    this.buffer = held || size !== buffer.length ? Buffer.allocUnsafe(size) : buffer;
  }

  private nextSize(length: number, current: number): number {
    if (length < current) {
      if (length > SMALL) return current;
      this.holdLarge(false);
      return SMALL;
    }
    return this.holdLarge(true) ? LARGE : Math.max(current, MEDIUM);
  }

  /** Takes (or gives back) this connection's share of LARGE_BUFFERS; true when it holds one. */
  private holdLarge(wanted: boolean): boolean {
    if (wanted && !this.large) this.large = LARGE_BUFFERS.reserve(LARGE);
    else if (!wanted && this.large) {
      LARGE_BUFFERS.release(LARGE);
      this.large = false;
    }
    return this.large;
  }
}
