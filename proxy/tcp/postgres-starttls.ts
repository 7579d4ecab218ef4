import type net from 'node:net';

/**
 * Postgres asks for TLS in its own protocol before any ClientHello (SSLRequest, answered `S`), so HostSNI routing of
 * Postgres needs pe-edge to answer it, as Traefik's router does (pkg/server/router/tcp/postgres.go): the client then
 * sends its ClientHello, which chooses a TLS TCP router. Through a passthrough router the server is asked the same
 * before the relay starts, and its `S` is not relayed (the client had one already).
 */
export const POSTGRES_SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);
const POSTGRES_SSL_ACCEPTED = 0x53; // 'S'

/** Whether a connection's first bytes are the SSLRequest ('more': a beginning of it). */
export function postgresSslRequest(bytes: Buffer): 'yes' | 'more' | 'no' {
  const n = Math.min(bytes.length, POSTGRES_SSL_REQUEST.length);
  if (!bytes.subarray(0, n).equals(POSTGRES_SSL_REQUEST.subarray(0, n))) return 'no';
  return n === POSTGRES_SSL_REQUEST.length ? 'yes' : 'more';
}

/** Tells the client TLS may start; what it sent after the request is its ClientHello's beginning. */
export function acceptPostgresSslRequest(socket: net.Socket): void {
  socket.write(Buffer.from([POSTGRES_SSL_ACCEPTED]));
}

/**
 * Asks the server for TLS; `ready` once it said `S`, else the server is closed and `refused` called. A client gone
 * meanwhile closes the server: one that never answers must not hold its connection for ever.
 */
export function startPostgresTls(server: net.Socket, client: net.Socket, ready: () => void, refused: () => void): void {
  if (client.destroyed) {
    server.destroy();
    return;
  }
  server.write(POSTGRES_SSL_REQUEST);
  const fail = (): void => {
    client.off('close', fail);
    server.destroy();
    refused();
  };
  server.once('error', fail);
  server.once('close', fail);
  client.once('close', fail);
  server.once('data', (reply: Buffer) => {
    server.off('error', fail);
    server.off('close', fail);
    client.off('close', fail);
    if (reply.length !== 1 || reply[0] !== POSTGRES_SSL_ACCEPTED) {
      fail();
      return;
    }
    server.pause();
    ready();
  });
}
