import { randomBytes } from 'node:crypto';

/** How the primary of `--workers` gives its workers the keys they share: base64 of 48 bytes, in their environment. */
export const TICKET_KEYS_ENV = 'PE_EDGE_TLS_TICKET_KEYS';

/** Fresh keys for a primary to hand its workers (TICKET_KEYS_ENV's value). */
export function newTicketKeys(): string {
  return randomBytes(48).toString('base64');
}

let keys: Buffer | undefined;

/**
 * The 48 bytes every TLS listener of this process encrypts its session tickets with (node's `ticketKeys`), so a
 * client's ticket is read by whichever context took the connection. Left to node, every secure context draws
 * random keys of its own: a reload that replaced an entrypoint's context, or a reconnection that reached another
 * worker of `--workers`, found the client's ticket unreadable and cost it a full handshake (with two workers
 * taking connections in turn, none of 20 reconnections resumed). Drawn once per process, or taken from the
 * primary under `--workers`; like node's own, they last as long as the process.
 */
export function sessionTicketKeys(): Buffer {
  if (keys === undefined) {
    const given = process.env[TICKET_KEYS_ENV];
    const decoded = given === undefined ? null : Buffer.from(given, 'base64');
    keys = decoded !== null && decoded.length === 48 ? decoded : randomBytes(48);
    // Nothing this process starts needs them.
    delete process.env[TICKET_KEYS_ENV];
  }
  return keys;
}
