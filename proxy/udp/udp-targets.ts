// What a UDP router leads to: a tree of balancers over server addresses (Traefik's udp.Handler tree).
import { InterleavedRoundRobin } from './interleaved-round-robin.js';
import type { ServerAddress } from './server-address.js';

/** Picks the server of a new session; an Error when the pool has nothing to give (the datagram is dropped). */
export interface UdpTarget {
  pick(): UdpServer | Error;
}

export class UdpServer implements UdpTarget {
  constructor(readonly address: string, readonly split: ServerAddress) {}

  pick(): UdpServer {
    return this;
  }
}

/** A loadBalancer's servers or a weighted service's children, rotated as Traefik's UDP WRR does. */
export class UdpBalancer implements UdpTarget {
  private readonly rotation: InterleavedRoundRobin<UdpTarget>;

  constructor(children: readonly { value: UdpTarget; weight: number }[]) {
    this.rotation = new InterleavedRoundRobin(children);
  }

  pick(): UdpServer | Error {
    const next = this.rotation.next();
    return next instanceof Error ? next : next.pick();
  }
}
