import net from 'node:net';
import type { TLSSocket } from 'node:tls';

// node reports no server name (`servername` false) after a resumed TLS 1.2 handshake, whatever SNI the client sent:
// OpenSSL then gives the name kept in the session, and node never has one kept there. Its SNICallback does not run
// either. Go reads SNI from every ClientHello, so Traefik's strict SNI, per-host TLS options and SNI/Host check see
// it on resumed connections too. An entrypoint reads every ClientHello itself before TLS starts, and gives its SNI to
// the TLS socket once secure, for every reader of `servername`: the checks after the handshake, the SNI/Host check.

/** The TCP socket a TLSSocket wraps: node:tls keeps it in `_parent`, a field its types leave out (there since node 0.11). */
export function wrappedTcpSocket(socket: TLSSocket): net.Socket | undefined {
  const parent: unknown = Reflect.get(socket, '_parent');
  return parent instanceof net.Socket ? parent : undefined;
}

/** The server name a secure socket reports ('' for none: node gives false or null then). */
export function serverNameOf(secure: TLSSocket): string {
  return typeof secure.servername === 'string' ? secure.servername : '';
}

/** `secure` reports `serverName` (the SNI its ClientHello carried) when node reports none. */
export function adoptHelloServerName(secure: TLSSocket, serverName: string | null | undefined): void {
  if (typeof secure.servername !== 'string' && serverName !== null && serverName !== undefined && serverName !== '') secure.servername = serverName;
}

/** The SNI of ClientHellos an entrypoint read before TLS, by TCP socket, until its TLS socket is secure. */
export class HelloServerNames {
  private readonly names = new WeakMap<net.Socket, string>();

  /** The ClientHello read on `socket` named `serverName` (null: no SNI). */
  note(socket: net.Socket, serverName: string | null): void {
    if (serverName !== null) this.names.set(socket, serverName);
  }

  /** Once `secure` (over `socket`, its wrappedTcpSocket) is secure: it reports the ClientHello's name when node reports none. */
  carryToTls(secure: TLSSocket, socket: net.Socket | undefined): void {
    if (socket === undefined) return;
    adoptHelloServerName(secure, this.names.get(socket));
    this.names.delete(socket);
  }
}
