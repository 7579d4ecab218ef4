import net from 'node:net';
import tls from 'node:tls';

/** What one raw HTTP/1.x connection received, and whether the proxy closed it. */
export interface Exchange { text: string; closed: boolean }

/** A TLS connection instead of a plain one: the name sent as SNI (the certificate is not checked). */
export interface SecureExchange { servername: string }

/**
 * One connection (plain, or TLS with `secure`): writes each part in turn (a number waits that many ms, 'END'
 * half-closes), then reads until `until` matches, the connection closes, or `waitMs` passed.
 */
export async function rawExchange(port: number, parts: readonly (string | Buffer | number)[], until: RegExp, waitMs = 4000, secure: SecureExchange | null = null): Promise<Exchange> {
  const socket: net.Socket = secure !== null
    ? tls.connect({ host: '127.0.0.1', port, servername: secure.servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    : net.connect({ port, host: '127.0.0.1', noDelay: true });
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    const check = (): void => {
      if (until.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    socket.on('data', check);
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve();
    });
  });
  await new Promise<void>((resolve) => socket.once(secure !== null ? 'secureConnect' : 'connect', () => resolve()));
  for (const part of parts) {
    if (typeof part === 'number') await new Promise((r) => setTimeout(r, part));
    else if (part === 'END') socket.end();
    else socket.write(part);
  }
  await done;
  await new Promise((r) => setTimeout(r, 50));
  closed ||= socket.destroyed;
  socket.destroy();
  return { text, closed };
}

/** The answers' status codes, in order. */
export const statuses = (text: string): string[] => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1] as string);
