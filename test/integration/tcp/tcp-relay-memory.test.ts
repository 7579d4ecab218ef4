import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { connectPlain, listenTcp, tcpEdgeTo } from '../../support/tcp-backends.js';

// What the TCP relay holds in memory per connection, measured as the process's ArrayBuffer bytes after a full GC
// (pe-edge runs in this process). The relay reads a plain server into a reused buffer (proxy/tcp/reused-reads.ts):
// a chunk a write could not take at once keeps the whole buffer it was read into alive until it is written.

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function arrayBuffers(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(10);
  }
  return process.memoryUsage().arrayBuffers;
}


test('a client that stops reading a server sending many small messages costs about the relay\'s 512 KiB bound, not a read buffer per message', async (t) => {
  const message = Buffer.alloc(256, 'm');
  let stalled: () => void = () => undefined;
  const serverStalled = new Promise<void>((r) => {
    stalled = r;
  });
  // Sends one small message per turn of the event loop (so pe-edge reads each alone) until pe-edge stops reading it.
  const server = await listenTcp(net.createServer((socket) => {
    socket.on('error', () => undefined);
    const send = (): void => {
      if (socket.destroyed) return;
      socket.write(message);
      if (socket.writableLength > 256 * 1024) stalled();
      else setImmediate(send);
    };
    send();
  }));
  t.after(() => server.close());
  const proxy = await tcpEdgeTo(t, server.address);
  const before = await arrayBuffers();
  const client = await connectPlain(proxy.port('tcp'));
  t.after(() => client.destroy());
  client.pause();
  await serverStalled;
  const held = (await arrayBuffers()) - before;
  assert.ok(held < 3 * 1024 * 1024, `one stalled connection holds ${(held / 1024 / 1024).toFixed(1)} MiB`);
});

test('connections idle after a burst of a few tens of KiB hold 16 MiB of 64 KiB read buffers in all, at most; past that, 16 KiB each', async (t) => {
  // 600 connections: 256 may keep a 64 KiB buffer (16 MiB), the other 344 read into 16 KiB ones (5.4 MiB). Without the
  // bound every one keeps 64 KiB: 37.5 MiB.
  const CONNECTIONS = 600;
  const burst = Buffer.alloc(40 * 1024, 'b');
  const server = await listenTcp(net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(burst);
  }));
  t.after(() => server.close());
  const proxy = await tcpEdgeTo(t, server.address);
  const before = await arrayBuffers();
  const clients: net.Socket[] = [];
  // In batches, so no accept queue overflows.
  for (let batch = 0; batch < CONNECTIONS / 100; batch++) {
    clients.push(...await Promise.all(Array.from({ length: 100 }, async () => {
      const client = await connectPlain(proxy.port('tcp'));
      t.after(() => client.destroy());
      await new Promise<void>((resolve) => {
        let got = 0;
        client.on('data', (chunk: Buffer) => {
          got += chunk.length;
          if (got >= burst.length) resolve();
        });
      });
      return client;
    })));
  }
  assert.equal(clients.length, CONNECTIONS);
  const held = (await arrayBuffers()) - before;
  assert.ok(held < 28 * 1024 * 1024, `${CONNECTIONS} idle connections hold ${(held / 1024 / 1024).toFixed(1)} MiB`);
});
