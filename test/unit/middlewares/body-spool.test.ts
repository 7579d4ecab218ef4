import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BodySpool, bufferedMemoryBytes, MAX_BUFFERED_MEMORY_BYTES, type SpoolRefusal } from '../../../proxy/middlewares/body-spool.js';

const spoolDir = mkdtempSync(join(tmpdir(), 'pe-edge-spool-test-'));
const previousTmpdir = process.env.TMPDIR;
process.env.TMPDIR = spoolDir;
after(() => {
  if (previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmpdir;
  rmSync(spoolDir, { recursive: true, force: true });
});

async function filled(memBytes: number, maxBytes: number, chunks: Buffer[]): Promise<{ spool: BodySpool; refusals: SpoolRefusal[] }> {
  const refusals: SpoolRefusal[] = [];
  const spool = new BodySpool(memBytes, maxBytes, (reason) => refusals.push(reason));
  for (const chunk of chunks) spool.write(chunk);
  await new Promise<void>((resolve) => spool.end(resolve));
  return { spool, refusals };
}

async function contents(body: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function gone(path: string): Promise<void> {
  for (let i = 0; i < 300 && existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(existsSync(path), false, `${path} is deleted`);
}

const bytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

test('BodySpool: a body up to memBytes stays in memory, counted until disposed', async () => {
  const { spool, refusals } = await filled(1000, 0, [bytes(600, 1), bytes(400, 2)]);
  assert.equal(spool.path, null);
  assert.equal(spool.length, 1000);
  assert.deepEqual(await contents(spool.open()), Buffer.concat([bytes(600, 1), bytes(400, 2)]));
  assert.equal(bufferedMemoryBytes(), 1000);
  spool.dispose();
  assert.equal(bufferedMemoryBytes(), 0);
  assert.deepEqual(refusals, []);
});

test('BodySpool: past memBytes the whole body moves to a 0600 file, readable again per open(), deleted on dispose', async () => {
  const { spool } = await filled(1000, 0, [bytes(600, 1), bytes(600, 2), bytes(5000, 3)]);
  const path = spool.path;
  assert.ok(path !== null);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(bufferedMemoryBytes(), 0, 'what memory held went to the file');
  const expected = Buffer.concat([bytes(600, 1), bytes(600, 2), bytes(5000, 3)]);
  assert.deepEqual(await contents(spool.open()), expected);
  assert.deepEqual(await contents(spool.open()), expected, 'a retry reads it from the start');
  spool.dispose();
  await gone(path);
});

test('BodySpool: over maxBytes it refuses once, keeps nothing and drops what follows', async () => {
  const { spool, refusals } = await filled(100, 1000, [bytes(900, 1), bytes(200, 2), bytes(200, 3)]);
  assert.deepEqual(refusals, ['too-large']);
  assert.equal(spool.refused, 'too-large');
  assert.equal(bufferedMemoryBytes(), 0);
  const path = spool.path;
  spool.dispose();
  if (path !== null) await gone(path);
});

test('BodySpool: once all spools hold MAX_BUFFERED_MEMORY_BYTES, a small body spills to disk instead of growing memory', async () => {
  const mib = bytes(1024 * 1024, 9);
  const holders: BodySpool[] = [];
  // The same buffer written again: the count grows, the test's memory does not.
  for (let held = 0; held < MAX_BUFFERED_MEMORY_BYTES; held += mib.length) holders.push((await filled(mib.length, 0, [mib])).spool);
  assert.equal(bufferedMemoryBytes(), MAX_BUFFERED_MEMORY_BYTES);
  const { spool } = await filled(1024 * 1024, 0, [bytes(10, 1)]);
  const path = spool.path;
  assert.ok(path !== null, 'spilled although under its own memBytes');
  assert.deepEqual(await contents(spool.open()), bytes(10, 1));
  spool.dispose();
  for (const holder of holders) holder.dispose();
  assert.equal(bufferedMemoryBytes(), 0);
  await gone(path);
});
