/**
 * The last verdicts of an address check (an allow list, a ClientIP rule), by the address's text: a client sends
 * many requests from one address, and node's BlockList.check builds a SocketAddress for every call (about 3 µs a
 * request on the production path, against well under one for a Map lookup). One per list, kept as long as it.
 * Bounded: it starts over when full, and texts longer than any address (with an IPv6 zone) are checked, not kept,
 * so a flood of X-Forwarded-For values costs at most `capacity` short strings.
 */
export class AddressVerdicts {
  private readonly verdicts = new Map<string, boolean>();

  constructor(private readonly check: (address: string) => boolean, private readonly capacity = 4096) {}

  get(address: string): boolean {
    const known = this.verdicts.get(address);
    if (known !== undefined) return known;
    const verdict = this.check(address);
    if (address.length > LONGEST_KEPT) return verdict;
    if (this.verdicts.size >= this.capacity) this.verdicts.clear();
    this.verdicts.set(address, verdict);
    return verdict;
  }
}

// An IPv6 address in text is at most 45 characters (an IPv4 tail); a zone may add a few more.
const LONGEST_KEPT = 64;
