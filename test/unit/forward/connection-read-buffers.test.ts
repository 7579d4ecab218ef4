import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Connection, type ConnectionOwner } from '../../../proxy/forward/http1/connection.js';

// A closed upstream connection's read buffers go to the process's free list for the next connections; memory that a
// chunk still lent or given away references must never go there, and none may go there twice (two connections would
// then read into the same memory). Each case drives real connections to a local server and watches which memory the
// next connections' reads land in (the free list is taken newest first).

interface Peer {
  connection: Connection;
  /** The server's side of it. */
  server: net.Socket;
  /** The next chunk the connection reads, handed to `onChunk` first. */
  read(onChunk?: (chunk: Buffer) => void): Promise<Buffer>;
  closed: Promise<void>;
}

async function startServer(t: { after: (fn: () => Promise<void>) => void }): Promise<{ open: () => Promise<Peer> }> {
  const accepted: ((socket: net.Socket) => void)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    accepted.shift()?.(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  t.after(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  const open = async (): Promise<Peer> => {
    const serverSide = new Promise<net.Socket>((resolve) => accepted.push(resolve));
    let handle: ((chunk: Buffer) => void) | null = null;
    let closedNow: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (closedNow = resolve));
    const owner: ConnectionOwner = {
      onData: (chunk) => handle?.(chunk),
      onConnectionClosed: () => closedNow(),
    };
    const connection = new Connection('127.0.0.1', port, 2000, () => undefined);
    connection.exchange = owner;
    const peer: Peer = {
      connection,
      server: await serverSide,
      read: (onChunk) => new Promise<Buffer>((resolve) => {
        handle = (chunk) => {
          handle = null;
          onChunk?.(chunk);
          resolve(chunk);
        };
      }),
      closed,
    };
    return peer;
  };
  return { open };
}

/** The memory the next connection's first read lands in. */
async function nextConnectionsMemory(open: () => Promise<Peer>): Promise<ArrayBufferLike> {
  const next = await open();
  const chunk = next.read();
  next.server.write('next');
  const memory = (await chunk).buffer;
  next.connection.destroy();
  await next.closed;
  return memory;
}

test("memory lent when its connection closes goes to the next connection once released, and once only", async (t) => {
  const { open } = await startServer(t);
  const a = await open();
  let release: () => void = () => undefined;
  const read = a.read(() => (release = a.connection.lend()));
  a.server.write('held by a client');
  const held = await read;
  a.connection.destroy();
  await a.closed;
  assert.equal(held.toString(), 'held by a client');
  release();
  release();
  // Two connections open at once: the released memory goes to one, and not to the other as well.
  const b = await open();
  const c = await open();
  const [bRead, cRead] = [b.read(), c.read()];
  b.server.write('b');
  c.server.write('c');
  const [bChunk, cChunk] = await Promise.all([bRead, cRead]);
  assert.ok(bChunk.buffer === held.buffer, 'the released memory serves the next connection');
  assert.ok(cChunk.buffer !== held.buffer, 'the released memory went to the free list twice');
  b.connection.destroy();
  c.connection.destroy();
  await Promise.all([b.closed, c.closed]);
});

test('memory given away never goes back, even lent in the same read and released after the close', async (t) => {
  const { open } = await startServer(t);
  const a = await open();
  let release: () => void = () => undefined;
  const read = a.read(() => {
    release = a.connection.lend();
    a.connection.giveAway();
  });
  a.server.write('kept for good');
  const kept = await read;
  a.connection.destroy();
  await a.closed;
  release();
  for (let i = 0; i < 3; i++) {
    assert.ok((await nextConnectionsMemory(open)) !== kept.buffer, `connection ${i + 1} read into memory given away`);
    assert.equal(kept.toString(), 'kept for good');
  }
});

test('memory still lent is not read into by the connections that come after its own closed', async (t) => {
  const { open } = await startServer(t);
  const a = await open();
  // Two pieces of one read lent (as a chunked answer's slices are), released one at a time after the close.
  const releases: (() => void)[] = [];
  const read = a.read(() => releases.push(a.connection.lend(), a.connection.lend()));
  a.server.write('still being written out');
  const lent = await read;
  a.connection.destroy();
  await a.closed;
  for (const [k, release] of releases.entries()) {
    for (let i = 0; i < 3; i++) {
      assert.ok((await nextConnectionsMemory(open)) !== lent.buffer, `connection ${i + 1} read into memory lent ${2 - k} times`);
      assert.equal(lent.toString(), 'still being written out');
    }
    release();
  }
  assert.ok((await nextConnectionsMemory(open)) === lent.buffer, 'released, it serves the next connection');
});
