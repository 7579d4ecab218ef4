/**
 * Bytes one feature may hold in memory across all requests of the process (request bodies kept for buffering,
 * for mirrors). What does not fit is not refused here: the caller sends it elsewhere (to disk, or unmirrored),
 * so a burst of large bodies costs disk or a skipped mirror, never unbounded memory.
 */
export class MemoryBudget {
  private held = 0;

  constructor(readonly limit: number) {}

  /** Bytes held right now. */
  get heldBytes(): number {
    return this.held;
  }

  /** Takes `bytes`; false (nothing taken) when they do not fit. */
  reserve(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held -= bytes;
  }
}
