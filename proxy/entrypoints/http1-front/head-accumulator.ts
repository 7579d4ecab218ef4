const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
/** Smallest storage allocated once chunks must be joined. */
const MIN_CAPACITY = 4096;

/**
 * The bytes a connection received and the front has not served yet. A lone chunk is kept as it came (a
 * head in one packet is never copied); later chunks are appended into storage that doubles when full, so
 * each byte is copied a bounded number of times, and the end of a head is searched for only in the new
 * bytes and the 3 before them. A head trickled one byte per packet thus costs linear time and at most
 * twice its size in memory, where re-joining everything per packet was quadratic.
 */
export class HeadAccumulator {
  /** Held bytes are storage[start, end). */
  private storage: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  /** `storage` was allocated here (appendable); otherwise it is a received chunk, never written into. */
  private owned = false;
  /** Index in `storage` where the search for "\r\n\r\n" resumes. */
  private searchFrom = 0;
  /** Index in `storage` up to which bytes were checked for a bare LF. */
  private lfCheckedTo = 0;
  /** Offset (from `start`) of the first "\r\n\r\n" once found, else -1. */
  private found = -1;
  /** Bytes copied since the start (tests check it stays linear). */
  copiedBytes = 0;

  get length(): number {
    return this.end - this.start;
  }

  get empty(): boolean {
    return this.end === this.start;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.empty) {
      this.storage = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.owned = false;
      this.searchFrom = 0;
      this.lfCheckedTo = 0;
      return;
    }
    if (!this.owned || this.end + chunk.length > this.storage.length) this.grow(chunk.length);
    chunk.copy(this.storage, this.end);
    this.copiedBytes += chunk.length;
    this.end += chunk.length;
  }

  /** Offset of the first "\r\n\r\n", or -1 while there is none. */
  headEnd(): number {
    if (this.found >= 0) return this.found;
    const at = this.storage.subarray(0, this.end).indexOf(HEAD_END, this.searchFrom);
    if (at >= 0) return (this.found = at - this.start);
    // A terminator split across packets can start in the last 3 bytes seen.
    this.searchFrom = Math.max(this.start, this.end - 3);
    return -1;
  }

  /**
   * True when the bytes held contain a line feed without its carriage return: node:http refuses such a
   * head at once (400), so it must not wait here for a "\r\n\r\n" that never comes. Each byte is checked once.
   */
  bareLineFeed(): boolean {
    const storage = this.storage;
    for (let i = storage.indexOf(0x0a, Math.max(this.lfCheckedTo, this.start)); i >= 0 && i < this.end; i = storage.indexOf(0x0a, i + 1)) {
      if (i === this.start || storage[i - 1] !== 0x0d) return true;
    }
    this.lfCheckedTo = this.end;
    return false;
  }

  /** The first `n` bytes (n <= length), without copying. */
  prefix(n: number): Buffer {
    return this.storage.subarray(this.start, this.start + n);
  }

  /** Forgets the first `n` bytes (a served head); what follows is searched from its start. */
  drop(n: number): void {
    this.start += n;
    this.found = -1;
    this.searchFrom = this.start;
    if (this.empty) this.clear();
  }

  /** Everything held, and nothing held any more (a hand-off to node:http). */
  takeAll(): Buffer {
    const all = this.storage.subarray(this.start, this.end);
    this.clear();
    return all;
  }

  clear(): void {
    // Views handed out stay valid: the next bytes go to a new chunk or new storage, never over them.
    this.storage = EMPTY;
    this.start = 0;
    this.end = 0;
    this.owned = false;
    this.searchFrom = 0;
    this.lfCheckedTo = 0;
    this.found = -1;
  }

  /** New storage for the held bytes and `extra` more, with as much again to spare. */
  private grow(extra: number): void {
    const held = this.length;
    const next = Buffer.allocUnsafe(Math.max(MIN_CAPACITY, 2 * (held + extra)));
    this.storage.copy(next, 0, this.start, this.end);
    this.copiedBytes += held;
    this.searchFrom -= this.start;
    this.lfCheckedTo = Math.max(0, this.lfCheckedTo - this.start);
    this.storage = next;
    this.start = 0;
    this.end = held;
    this.owned = true;
  }
}
