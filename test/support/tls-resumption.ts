// TLS session resumption as a client sees it: a first connection's ticket, then connections offering it.
import tls from 'node:tls';

/**
 * A first TLS connection to `servername`: the session ticket the server sends once the handshake is done (the
 * session itself: with `version` TLSv1.2, what a TLS 1.2 client offers to resume).
 */
export function tlsTicket(port: number, servername: string, version?: tls.SecureVersion): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ...versionOnly(version) });
    socket.once('session', (ticket: Buffer) => {
      resolve(ticket);
      socket.end();
    });
    socket.once('error', reject);
    // A paused socket reads nothing, so the ticket sent after the handshake would never arrive.
    socket.resume();
  });
}

/**
 * A TLS connection offering `session` (none: a full handshake): whether the server resumed it (read its ticket),
 * and the name of the certificate a full handshake gave (a resumed one sends none). The connection is left open
 * for the caller to look at (which process holds it) and end.
 */
export function tlsResume(port: number, servername: string, session?: Buffer, version?: tls.SecureVersion): Promise<{ resumed: boolean; peerName: string; socket: tls.TLSSocket }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ...(session !== undefined ? { session } : {}), ...versionOnly(version) });
    socket.once('secureConnect', () => {
      resolve({ resumed: socket.isSessionReused(), peerName: String(socket.getPeerCertificate().subject?.CN ?? ''), socket });
    });
    socket.once('error', reject);
  });
}


/** Whether a connection offering `session` resumes it. */
export async function resumes(port: number, name: string, session: Buffer, version?: tls.SecureVersion): Promise<boolean> {
  const { resumed, socket } = await tlsResume(port, name, session, version);
  socket.destroy();
  return resumed;
}

/**
 * Whether a ticket given now resumes at once: tried twice, for a rotation may fall between the two connections
 * (never twice: a period is at least 1 s).
 */
export async function freshTicketResumes(port: number, name: string, version?: tls.SecureVersion): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) if (await resumes(port, name, await tlsTicket(port, name, version), version)) return true;
  return false;
}

/**
 * Waits for the next rotation: offers a ticket made now until it no longer resumes (every 50 ms, `within` ms at
 * most). Returns the ticket, from the period that just ended, and when the rotation was seen.
 */
export async function nextRotation(port: number, name: string, within: number): Promise<{ old: Buffer; seenAt: number }> {
  const started = Date.now();
  while (Date.now() - started < within) {
    const old = await tlsTicket(port, name);
    if (!(await resumes(port, name, old))) continue; // made just before a rotation: take another
    while (Date.now() - started < within) {
      await new Promise((r) => setTimeout(r, 50));
      if (!(await resumes(port, name, old))) return { old, seenAt: Date.now() };
    }
  }
  throw new Error(`no rotation seen within ${within} ms: a ticket still resumed, or none did`);
}

/** The client speaks `version` only (none: node's default range, TLS 1.3 first). */
function versionOnly(version: tls.SecureVersion | undefined): tls.ConnectionOptions {
  return version === undefined ? {} : { minVersion: version, maxVersion: version };
}

/**
 * Whether this node's OpenSSL resumes a TLS 1.2 session offered with another SNI than it was made for: before 3.5 it
 * does (the server must refuse it after the handshake), 3.5 (node 22.20 on) starts a full handshake instead.
 */
export function resumesTls12UnderAnotherName(): boolean {
  const [major = 0, minor = 0] = process.versions.openssl.split('.').map(Number);
  return major < 3 || (major === 3 && minor < 5);
}

/**
 * The ticket lifetime the server sent with a session (`tlsTicket`'s result, OpenSSL's SSL_SESSION in DER): its
 * `ticket_lifetime_hint` [9], seconds, which OpenSSL's server sets to its session timeout (node's `sessionTimeout`).
 * undefined when the session carries none.
 */
export function ticketLifetimeHint(wrapped: Buffer): number | undefined {
  const session = derOf(wrapped);
  const length = (at: number): [number, number] => {
    const first = session[at] ?? 0;
    if (first < 0x80) return [first, at + 1];
    let value = 0;
    for (let i = 0; i < (first & 0x7f); i++) value = value * 256 + (session[at + 1 + i] ?? 0);
    return [value, at + 1 + (first & 0x7f)];
  };
  if (session[0] !== 0x30) throw new Error('not a DER SEQUENCE');
  const [total, body] = length(1);
  for (let at = body; at < body + total;) {
    const tag = session[at] ?? 0;
    const [size, content] = length(at + 1);
    // [9] EXPLICIT INTEGER
    if (tag === 0xa9 && session[content] === 0x02) {
      const [intSize, int] = length(content + 1);
      let value = 0;
      for (let i = 0; i < intSize; i++) value = value * 256 + (session[int + i] ?? 0);
      return value;
    }
    at = content + size;
  }
  return undefined;
}

// Node 24 wraps OpenSSL's DER session in its own envelope: this tag and version, then the server name (three bytes of
// length, short names in the last two), then the DER. Node 20 hands the DER over as it is.
const NODE_SESSION_TAG = Buffer.from('\0nodejs:tls:session:1');

/** The DER (SSL_SESSION ASN.1) inside a session from `TLSSocket.getSession()` or its 'session' event. */
function derOf(session: Buffer): Buffer {
  if (!session.subarray(0, NODE_SESSION_TAG.length).equals(NODE_SESSION_TAG)) return session;
  const name = NODE_SESSION_TAG.length;
  const nameLength = session.readUIntBE(name, 3);
  return session.subarray(name + 3 + nameLength);
}
