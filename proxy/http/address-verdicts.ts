import { BoundedMemo } from './bounded-memo.js';

/**
 * The last verdicts of an address check (an allow list, a ClientIP rule), by the address's text: a client sends
 * many requests from one address, and node's BlockList.check builds a SocketAddress for every call (an ipAllowList
 * route cost 0.91 of its CPU per request with verdicts kept, against the check per request: test/bench/cpu-ab.sh).
 * One per list, kept as long as it. Bounded (BoundedMemo): it starts over when full, and texts longer than any
 * address (with an IPv6 zone) are checked, not kept, so a flood of X-Forwarded-For values costs at most `capacity`
 * short strings of its own (BoundedMemo keeps copies).
 */
export class AddressVerdicts {
  private readonly verdicts: BoundedMemo<boolean>;

  constructor(private readonly check: (address: string) => boolean, capacity = 4096) {
    this.verdicts = new BoundedMemo(capacity);
  }

  get(address: string): boolean {
    const known = this.verdicts.get(address);
    if (known !== undefined) return known;
    const verdict = this.check(address);
    if (address.length <= LONGEST_KEPT) this.verdicts.set(address, verdict);
    return verdict;
  }
}

// An IPv6 address in text is at most 45 characters (an IPv4 tail); a zone may add a few more.
const LONGEST_KEPT = 64;
