import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { connectPlain, listenTcp, tcpInput } from '../../support/tcp-backends.js';

// Every byte arrives, in order, through a TCP router, whichever side is slow: the relay reads the server into a
// reused buffer (proxy/tcp/reused-reads.ts), so a write that does not complete at once must never see that buffer
// read into again.

const SIZE = 24 * 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A server that sends `payload` in writes of varied sizes (some under 4 KiB, some over 64 KiB) once a client connects. */
function sender(payload: Buffer): Promise<{ address: string; close: () => Promise<void> }> {
  return listenTcp(net.createServer((socket) => {
    let at = 0;
    let i = 0;
    const sizes = [1, 700, 4096, 70_000, 300_000, 13];
    const pump = (): void => {
      while (at < payload.length) {
        const end = Math.min(payload.length, at + (sizes[i++ % sizes.length] as number));
        const more = socket.write(payload.subarray(at, end));
        at = end;
        if (!more) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
    socket.on('error', () => undefined);
  }));
}

/** A server that hashes SIZE bytes it receives, then answers their hash and closes. */
function hasher(): Promise<{ address: string; close: () => Promise<void> }> {
  return listenTcp(net.createServer((socket) => {
    const hash = createHash('sha256');
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
      if (received >= SIZE) socket.end(hash.digest('hex'));
    });
    socket.on('error', () => undefined);
  }));
}

async function edgeTo(t: { after: (fn: () => unknown) => void }, address: string) {
  const proxy = await startProxy({ ...buildInput({ entryPoints: { tcp: { address: '127.0.0.1:0' } } }), tcp: tcpInput({
    routers: { 'app@file': { rule: 'HostSNI(`*`)', service: 'app', entryPoints: ['tcp'] } },
    services: { 'app@file': { loadBalancer: { servers: [{ address, tls: false }] } } },
  }) });
  t.after(() => proxy.close(0));
  return proxy;
}

/** Reads a connection to its end; `slow` pauses 5 ms after every 512 KiB so pe-edge's writes to it back up. */
function readAll(socket: net.Socket, slow: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sinceNap = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      sinceNap += chunk.length;
      if (slow && sinceNap > 512 * 1024) {
        sinceNap = 0;
        socket.pause();
        setTimeout(() => socket.resume(), 5);
      }
    });
    socket.on('error', reject);
    socket.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

for (const slow of [false, true]) {
  test(`a ${SIZE / 1024 / 1024} MB download arrives whole and in order through a TCP router (${slow ? 'a client that reads slowly' : 'a client that reads at once'})`, async (t) => {
    const payload = randomBytes(SIZE);
    const server = await sender(payload);
    t.after(() => server.close());
    const proxy = await edgeTo(t, server.address);
    const client = await connectPlain(proxy.port('tcp'));
    t.after(() => client.destroy());
    const got = await readAll(client, slow);
    assert.equal(got.length, payload.length);
    assert.equal(sha(got), sha(payload));
  });
}

test('an upload arrives whole and in order, and the server\'s answer after it comes back', async (t) => {
  const payload = randomBytes(SIZE);
  const server = await hasher();
  t.after(() => server.close());
  const proxy = await edgeTo(t, server.address);
  const client = await connectPlain(proxy.port('tcp'));
  t.after(() => client.destroy());
  client.write(payload);
  assert.equal((await readAll(client, false)).toString(), sha(payload));
});

test('many short exchanges on one connection: each small answer arrives alone, none is held back or repeated', async (t) => {
  const server = await listenTcp(net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => socket.write(`<${chunk.toString()}>`));
    socket.on('error', () => undefined);
  }));
  t.after(() => server.close());
  const proxy = await edgeTo(t, server.address);
  const client = await connectPlain(proxy.port('tcp'));
  t.after(() => client.destroy());
  client.setEncoding('utf8');
  for (let i = 0; i < 200; i++) {
    const answer = new Promise<string>((resolve) => client.once('data', resolve));
    client.write(`m${i}`);
    assert.equal(await answer, `<m${i}>`);
  }
});
