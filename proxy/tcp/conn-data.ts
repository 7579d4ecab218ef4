/** What a TCP rule reads of a connection before any byte is relayed (Traefik's tcp muxer ConnData). */
export interface ConnData {
  /** The ClientHello's SNI, lower-case without a trailing dot; '' for plain TCP or a hello without one. */
  readonly serverName: string;
  /** The client's IP (the PROXY header's source when the entrypoint takes one), IPv4-mapped IPv6 as IPv4. */
  readonly remoteIp: string;
  /** ALPN protocols the ClientHello offers, in its order; empty for plain TCP. */
  readonly alpn: readonly string[];
}

export type ConnPredicate = (meta: ConnData) => boolean;
