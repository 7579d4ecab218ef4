import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { takenAddresses } from '../../../operator/workers/free-addresses.js';

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a client that connects while an address is held, and waits for an answer, does not keep the check from ending', { timeout: 10_000 }, async () => {
  const [a, b] = [await freePort(), await freePort()];
  const listen = net.Server.prototype.listen;
  let client: net.Socket | undefined;
  let accepted: Promise<void> | undefined;
  // The first held address gets a client (a load balancer's probe, a browser retrying) before the second is bound,
  // as when the second entrypoint's listen waits for a DNS lookup.
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    if (accepted === undefined) {
      accepted = new Promise<void>((resolve) => {
        this.once('connection', () => resolve());
        this.once('listening', () => {
          client = net.connect(a, '127.0.0.1', () => client?.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
          client.on('error', () => undefined);
        });
      });
      return Reflect.apply(listen, this, args) as net.Server;
    }
    void accepted.then(() => Reflect.apply(listen, this, args));
    return this;
  } as typeof listen;
  try {
    const check = takenAddresses({ a: { address: `127.0.0.1:${a}` }, b: { address: `127.0.0.1:${b}` } });
    const settled = await Promise.race([check, new Promise((resolve) => setTimeout(() => resolve('still pending after 3 s'), 3000))]);
    assert.deepEqual(settled, []);
  } finally {
    net.Server.prototype.listen = listen;
    client?.destroy();
  }
});
