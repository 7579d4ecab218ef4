// The replay body budget (mirrors, failover.errors) bounds what is held in memory: bytes read for mirrors and then put back into the
// request stream (over the limit) stay counted until the request is over, since the main request holds them
// until it has read them; freed at once, every concurrent upload could hold up to the budget more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { replayMemory, readReplayBody, type ReplayBodyRead } from '../../../proxy/services/replay-body.js';

test('a body over the limit is put back whole and stays reserved until the caller releases it', async () => {
  const stream = new Readable({ read() { /* pushed below */ } });
  const before = replayMemory.heldBytes;
  const result = new Promise<ReplayBodyRead>((resolve) => readReplayBody(stream, 15, resolve));
  stream.push(Buffer.alloc(10, 'a'));
  await new Promise((r) => setImmediate(r));
  stream.push(Buffer.alloc(10, 'b'));
  const read = await result;
  assert.equal(read.kind, 'too-large');
  assert.equal(read.kind === 'too-large' ? read.reserved : -1, 10);
  assert.equal(replayMemory.heldBytes - before, 10, 'still held while the main request has not read it');
  stream.push(null);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), 'a'.repeat(10) + 'b'.repeat(10), 'every byte back in the stream');
  replayMemory.release(10);
  assert.equal(replayMemory.heldBytes, before);
});
