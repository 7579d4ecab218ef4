import { ownCopy } from './own-copy.js';

/**
 * A memo keyed by text clients choose (their addresses, their credentials' digests): at most `capacity` entries,
 * and it starts over when full, so memory stays bounded whatever a client sends and a hit costs no bookkeeping.
 * A client that floods it with new keys only costs the others their next check. A key is kept as a copy of its own
 * (`ownCopy`): one cut from a longer text (an X-Forwarded-For entry) would hold that text alive.
 */
export class BoundedMemo<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.capacity) this.entries.clear();
    this.entries.set(ownCopy(key), value);
  }
}
