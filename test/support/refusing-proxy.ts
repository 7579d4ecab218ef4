// An HTTP proxy that lets nothing through, for a browser under test: chromium reaches loopback directly and
// sends everything else here, where it is recorded and refused. An empty `attempts` proves nothing left loopback.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RefusingProxy {
  port: number;
  /** Every request or CONNECT that reached the proxy, as `METHOD target`. */
  attempts: string[];
  close(): Promise<void>;
}

export async function startRefusingProxy(): Promise<RefusingProxy> {
  const attempts: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    attempts.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('refused by the test proxy: no connection may leave loopback');
  });
  server.on('connect', (req: http.IncomingMessage, socket: Socket) => {
    attempts.push(`CONNECT ${req.url ?? ''}`);
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    attempts,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
