/**
 * Values carried from one runtime's build to the next by key: each build marks what it takes, and once a build
 * completes, whatever it did not take is dropped (the runtime in place kept it until then).
 */
export class CarriedByBuild<V> {
  private readonly values = new Map<string, V>();
  private taken = new Set<string>();

  beginBuild(): void {
    this.taken = new Set();
  }

  /** The value kept under `key`, if any; this build uses it (or the value it keeps in its place). */
  take(key: string): V | undefined {
    this.taken.add(key);
    return this.values.get(key);
  }

  keep(key: string, value: V): void {
    this.values.set(key, value);
  }

  releaseUnused(): void {
    for (const key of this.values.keys()) if (!this.taken.has(key)) this.values.delete(key);
    this.taken = new Set();
  }

  get size(): number {
    return this.values.size;
  }
}
