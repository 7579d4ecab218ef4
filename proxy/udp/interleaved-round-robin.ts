/**
 * Traefik's UDP balancer (pkg/udp/wrr_load_balancer.go), not the HTTP one's smooth EDF rotation: the index
 * walks the list and, on each wrap, the current weight drops by the weights' GCD (back to the maximum below
 * 1), so weights 3 and 1 give a a a b per cycle. It picks per session, not per datagram.
 */
export class InterleavedRoundRobin<T> {
  private readonly items: readonly { readonly value: T; readonly weight: number }[];
  private readonly maxWeight: number;
  private readonly gcd: number;
  private index = -1;
  private currentWeight = 0;

  constructor(items: readonly { value: T; weight: number }[]) {
    this.items = items;
    this.maxWeight = items.reduce((max, item) => Math.max(max, item.weight), -1);
    this.gcd = items.reduce((divisor, item) => (divisor === -1 ? item.weight : gcd(divisor, item.weight)), -1);
  }

  /** The next value, or Traefik's error when there is nothing to pick. */
  next(): T | Error {
    if (this.items.length === 0) return new Error('no servers in the pool');
    // Go loops forever on negative weights; they never win a turn, as weight 0 does not.
    if (this.maxWeight <= 0) return new Error('all servers have 0 weight');
    for (;;) {
      this.index = (this.index + 1) % this.items.length;
      if (this.index === 0) {
        this.currentWeight -= this.gcd;
        if (this.currentWeight <= 0) this.currentWeight = this.maxWeight;
      }
      const item = this.items[this.index] as { value: T; weight: number };
      if (item.weight >= this.currentWeight) return item.value;
    }
  }
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
