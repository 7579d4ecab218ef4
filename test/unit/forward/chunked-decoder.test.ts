import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedDecoder } from '../../../proxy/forward/http1/chunked-decoder.js';

const WIRE = Buffer.from('5;name=value\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nExpires: never\r\n\r\nNEXT');
const PAYLOAD = 'helloabcdefghijklmnopqrstuvwxyz';
const BODY_BYTES = WIRE.length - 'NEXT'.length;

/** Feeds `wire` split at the given offsets; returns the payload and the body bytes consumed. */
function decodeSplit(wire: Buffer, cuts: number[]): { payload: string; used: number; done: boolean } {
  const decoder = new ChunkedDecoder();
  const parts: Buffer[] = [];
  let used = 0;
  let from = 0;
  for (const cut of [...cuts, wire.length]) {
    if (decoder.done) break;
    used += decoder.push(wire.subarray(from, cut), (s) => parts.push(Buffer.from(s)));
    from = cut;
  }
  return { payload: Buffer.concat(parts).toString(), used, done: decoder.done };
}

test('chunked bodies decode the same whatever the split, extensions and trailers dropped', () => {
  for (let a = 0; a <= WIRE.length; a++) {
    for (const b of [a, a + 1, a + 7]) {
      const result = decodeSplit(WIRE, [a, Math.min(b, WIRE.length)]);
      assert.equal(result.payload, PAYLOAD, `split at ${a}/${b}`);
      assert.equal(result.done, true);
      assert.equal(result.used, BODY_BYTES, 'bytes after the body are left for whoever comes next');
    }
  }
});

test('bad chunk framing is an error, not a guess', () => {
  for (const wire of ['zz\r\nhello\r\n0\r\n\r\n', '5\nhello\r\n0\r\n\r\n', '5\r\nhelloXX0\r\n\r\n', '\r\n', '12345678901234567\r\n', '0\r\nbad\ntrailer\r\n\r\n']) {
    assert.throws(() => new ChunkedDecoder().push(Buffer.from(wire), () => undefined), /upstream response/, JSON.stringify(wire));
  }
});

/** Decodes a whole body; the payload, or the error's message. */
function decodeAll(wire: string): string {
  const parts: Buffer[] = [];
  try {
    const decoder = new ChunkedDecoder();
    decoder.push(Buffer.from(wire, 'latin1'), (s) => parts.push(Buffer.from(s)));
    return decoder.done ? Buffer.concat(parts).toString('latin1') : 'unfinished';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

test('chunk-size lines are read as Go reads them (net/http/internal/chunked.go)', () => {
  const ok = (line: string): string => `${line}\r\nhello\r\n0\r\n\r\n`;
  const table: [string, string][] = [
    [ok('5'), 'hello'],
    [ok('5 \t '), 'hello'],
    [ok('5;a=b'), 'hello'],
    [ok('5;a=b '), 'hello'],
    [ok('5;\x00\x01\x7f\xff'), 'hello'],
    [ok('0000000000000005'), 'hello'],
    [ok(`5;${'x'.repeat(4093)}`), 'hello'],
    [ok('5 junk'), 'error: upstream response: invalid byte in chunk length'],
    [ok('5 ;a=b'), 'error: upstream response: invalid byte in chunk length'],
    [ok('5\t;a=b'), 'error: upstream response: invalid byte in chunk length'],
    [ok(';a=b'), 'error: upstream response: empty hex number for chunk length'],
    [ok(' 5'), 'error: upstream response: invalid byte in chunk length'],
    [ok('00000000000000005'), 'error: upstream response: http chunk length too large'],
    [ok('5;a\rb'), 'error: upstream response: invalid CR in chunked line'],
    [ok(`5;${'x'.repeat(4094)}`), 'error: upstream response: header line too long'],
    [ok('5;a\nb'), 'error: upstream response: chunked line ends with bare LF'],
  ];
  for (const [wire, expected] of table) assert.equal(decodeAll(wire), expected, JSON.stringify(wire.slice(0, 40)));
});

test('a body that is mostly framing fails as Go\'s does: 16 KiB of overhead beyond 16 bytes a chunk and twice its data', () => {
  // Each chunk costs (its line + 2) - 16 - 2 = 100 bytes of excess: 163 chunks are 16,300 bytes, 164 are over 16 KiB.
  const chunk = `1;${'x'.repeat(114)}\r\nA\r\n`;
  assert.equal(decodeAll(`${chunk.repeat(163)}0\r\n\r\n`), 'A'.repeat(163));
  assert.equal(decodeAll(`${chunk.repeat(164)}0\r\n\r\n`), 'error: upstream response: chunked encoding contains too much non-data');
  // Short lines in front of real data never add up.
  assert.equal(decodeAll(`${'1\r\nA\r\n'.repeat(20_000)}0\r\n\r\n`).length, 20_000);
});

test('trailer lines are read as Go\'s textproto reads a header: a colon after a token name, no control byte in the value', () => {
  const body = (trailer: string): string => `5\r\nhello\r\n0\r\n${trailer}\r\n`;
  // A line ended by a bare LF is a line, as textproto's ReadLine reads it.
  for (const good of ['X-Sum: 1\r\n', 'X-Sum: 1\r\n  2\r\n', 'X-Sum: caf\xe9\t1\r\n', 'X-Sum: 1\nX-Other: 2\n']) assert.equal(decodeAll(body(good)), 'hello', JSON.stringify(good));
  assert.equal(decodeAll('5\r\nhello\r\n0\r\nX-Sum: 1\n\n'), 'hello', 'trailers and their end by bare LFs');
  for (const bad of ['no colon here\r\n', ': empty name\r\n', 'Bad Name: x\r\n', 'X-Sum: a\x01b\r\n', ' X-Sum: 1\r\n', 'X-Sum: 1\r\nnext line\r\n', 'X-Sum: 1\r\n  a\x01b\r\n']) {
    assert.match(decodeAll(body(bad)), /^error: upstream response: malformed MIME header/, JSON.stringify(bad));
  }
  const decoder = new ChunkedDecoder();
  decoder.push(Buffer.from(body('X-Sum: 1\r\n  2\r\nX-Other: y\r\n'), 'latin1'), () => undefined);
  assert.deepEqual(decoder.trailers(), { 'x-sum': '1 2', 'x-other': 'y' });
});
