/** Read size while reads fill the buffer (a transfer), and while they do not (an idle or chatty connection). */
const LARGE = 64 * 1024;
const SMALL = 4 * 1024;

/**
 * Takes what a chunk of a read is for; true when it still holds the chunk (a write that did not complete at once),
 * so the buffer under it may not be read into again.
 */
export type ReadConsumer = (chunk: Buffer) => boolean;

/**
 * A dialled server's reads into a buffer reused while what was read is written at once (node's `onread` option):
 * 'data' events allocate 64 KiB per read and cost about twice the CPU per byte on a transfer. The buffer grows to
 * 64 KiB while reads fill it and shrinks to 4 KiB when they do not, so an idle connection holds 4 KiB. Reads that
 * come before a consumer takes them are copied and handed to it first.
 */
export class ReusedReads {
  private buffer: Buffer = Buffer.allocUnsafe(SMALL);
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

  private read(length: number, buffer: Buffer): void {
    const chunk = buffer.subarray(0, length);
    let held: boolean;
    if (this.consumer === null) {
      this.early.push(Buffer.from(chunk));
      held = false;
    } else held = this.consumer(chunk);
    const size = length === buffer.length ? LARGE : length <= SMALL ? SMALL : buffer.length;
    this.buffer = held || size !== buffer.length ? Buffer.allocUnsafe(size) : buffer;
  }
}
