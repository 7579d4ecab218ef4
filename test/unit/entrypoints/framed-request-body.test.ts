import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramedRequestBody, type BodySource } from '../../../proxy/entrypoints/framed-request-body.js';

// A request body fed by whoever owns the connection's reads: it must take exactly its own bytes from each read,
// leave the rest (the next request) to the owner, and hand its reader the bytes it took, never more.

/** A connection stand-in that counts how the body paces it. */
class Pacing implements BodySource {
  paused = 0;
  resumed = 0;
  pause(): void {
    this.paused++;
  }
  resume(): void {
    this.resumed++;
  }
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Feeds `reads` in turn; returns how many bytes the body took from each and what its reader got. */
async function feed(length: number | null, reads: string[]): Promise<{ used: number[]; got: string; received: boolean }> {
  const body = new FramedRequestBody(new Pacing(), length);
  const chunks: Buffer[] = [];
  body.on('data', (chunk: Buffer) => chunks.push(chunk));
  const used = reads.map((r) => body.receive(latin1(r)));
  await new Promise((resolve) => (body.received ? body.once('end', resolve) : setImmediate(resolve)));
  return { used, got: Buffer.concat(chunks).toString('latin1'), received: body.received };
}

const cases: { desc: string; length: number | null; reads: string[]; used: number[]; got: string; received: boolean }[] = [
  { desc: 'Content-Length in one read, the next request after it', length: 5, reads: ['helloGET / HTTP/1.1'], used: [5], got: 'hello', received: true },
  { desc: 'Content-Length across reads, its last byte with the next request', length: 10, reads: ['abc', 'defg', 'hijGET'], used: [3, 4, 3], got: 'abcdefghij', received: true },
  { desc: 'Content-Length not all there yet', length: 10, reads: ['abc'], used: [3], got: 'abc', received: false },
  { desc: 'a read after the end is not the body\'s', length: 2, reads: ['hi', 'GET'], used: [2, 0], got: 'hi', received: true },
  { desc: 'chunked, the next request after the last chunk', length: null, reads: ['3\r\nabc\r\n0\r\n\r\nGET'], used: [13], got: 'abc', received: true },
  { desc: 'chunked across reads', length: null, reads: ['3\r\nab', 'c\r\n0\r\n', '\r\nGET'], used: [5, 6, 2], got: 'abc', received: true },
];

for (const c of cases) {
  test(`framed request body: ${c.desc}`, async () => {
    assert.deepEqual(await feed(c.length, c.reads), { used: c.used, got: c.got, received: c.received });
  });
}

test('framed request body: pauses the connection while nobody reads, resumes it when the reader asks', async () => {
  const source = new Pacing();
  const body = new FramedRequestBody(source, 200 * 1024);
  assert.equal(body.receive(Buffer.alloc(100 * 1024)), 100 * 1024);
  assert.equal(source.paused, 1, 'over the stream\'s mark with no reader: paused');
  assert.equal(body.unread, 200 * 1024, 'what arrived and what is still to come are both unread');
  body.resume();
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(source.resumed >= 1);
  assert.equal(body.unread, 100 * 1024);
});

test('framed request body: a body its reader destroyed still counts its bytes off, so what follows it is found', () => {
  const body = new FramedRequestBody(new Pacing(), 6);
  body.destroy();
  assert.equal(body.receive(latin1('abc')), 3);
  assert.equal(body.receive(latin1('defGET')), 3);
  assert.equal(body.received, true);
});

test('framed request body: cut short, its reader sees "aborted" and an ECONNRESET error, as from node:http', async () => {
  const body = new FramedRequestBody(new Pacing(), 10);
  let aborted = false;
  body.on('aborted', () => (aborted = true));
  const error = new Promise<Error & { code?: string }>((resolve) => body.once('error', resolve));
  body.receive(latin1('abc'));
  body.cut();
  const err = await error;
  assert.equal(aborted, true);
  assert.equal(err.code, 'ECONNRESET');
});
