import type net from 'node:net';

/** A client connection a TCP router took, as middlewares and services see it. */
export interface TcpConnection {
  /** What is relayed: the client's socket, or the TLS socket over it when the router terminates TLS. */
  readonly stream: net.Socket;
  /** The client (a PROXY header's source when the entrypoint takes one), IPv4-mapped IPv6 as IPv4. */
  readonly clientIp: string;
  /** The TCP socket the client connected on: its addresses are what a PROXY header sent to a server names. */
  readonly socket: net.Socket;
  readonly router: string;
  /** The client asked pe-edge for TLS Postgres's way and the stream is passed through: the server must be asked too. */
  readonly postgres: boolean;
}

/** A router's middlewares and service: takes the connection and owns it from then on. */
export type TcpHandler = (conn: TcpConnection) => void;
