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
  for (const wire of ['zz\r\nhello\r\n0\r\n\r\n', '5\nhello\r\n0\r\n\r\n', '5\r\nhelloXX0\r\n\r\n', '\r\n', '1234567890abc\r\n', '0\r\nbad\ntrailer\r\n\r\n']) {
    assert.throws(() => new ChunkedDecoder().push(Buffer.from(wire), () => undefined), /upstream response/, JSON.stringify(wire));
  }
});
