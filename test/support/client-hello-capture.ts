import net from 'node:net';
import tls from 'node:tls';

// Real ClientHellos, as node's tls.connect sends them, captured by a raw TCP server that never answers.

/** The bytes of the ClientHello node's tls.connect sends with `options`. */
export async function captureClientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const bytes = new Promise<Buffer>((resolve, reject) => {
      server.once('connection', (socket) => {
        let seen = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          seen = Buffer.concat([seen, chunk]);
          // One record holds node's whole ClientHello: its header tells how many bytes to wait for.
          if (seen.length >= 5 && seen.length >= 5 + seen.readUInt16BE(3)) {
            socket.destroy();
            resolve(seen);
          }
        });
        socket.on('error', reject);
      });
    });
    const client = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...options });
    client.on('error', () => undefined);
    const hello = await bytes;
    client.destroy();
    return hello;
  } finally {
    server.close();
  }
}
