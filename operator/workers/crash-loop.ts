// `--workers`: a worker that dies after start is replaced, but replacements that keep dying would restart forever
// (a bug every request hits, a memory limit each worker reaches): past a few deaths in a short while the edge stops,
// and Docker's restart policy (with its back-off) or the operator takes over.

/** This many deaths of started workers within CRASH_LOOP_WINDOW_MS stop the edge. */
export const CRASH_LOOP_DEATHS = 5;
export const CRASH_LOOP_WINDOW_MS = 60_000;

/** The deaths of started workers in the last window. */
export class CrashLoop {
  private readonly deaths: number[] = [];

  constructor(private readonly limit = CRASH_LOOP_DEATHS, private readonly windowMs = CRASH_LOOP_WINDOW_MS) {}

  /** Counts a death at `nowMs`; true when it makes `limit` within the window (stop, do not replace). */
  died(nowMs: number): boolean {
    this.deaths.push(nowMs);
    while (this.deaths.length > 0 && nowMs - (this.deaths[0] ?? nowMs) >= this.windowMs) this.deaths.shift();
    return this.deaths.length >= this.limit;
  }

  /** How many deaths the window holds, for the message. */
  get count(): number {
    return this.deaths.length;
  }
}
