import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadAccumulator } from '../../../proxy/entrypoints/http1-front/head-accumulator.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Feeds `text` cut at `cuts`, asking for the head's end after every chunk as the front does. */
function feed(text: string, cuts: number[]): { acc: HeadAccumulator; ends: number[] } {
  const acc = new HeadAccumulator();
  const ends: number[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    acc.push(latin1(text.slice(from, cut)));
    ends.push(acc.headEnd());
    from = cut;
  }
  return { acc, ends };
}

const cases: { desc: string; text: string }[] = [
  { desc: 'a plain head', text: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' },
  { desc: 'a head and pipelined bytes', text: 'GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n' },
  { desc: 'CR runs that are not a terminator before one', text: 'GET / HTTP/1.1\r\nX: \r\r\n\r\r\n\r\n' },
  { desc: 'no terminator', text: 'GET / HTTP/1.1\r\nX: y\r\n\r' },
  { desc: 'LF LF is not a terminator', text: 'GET / HTTP/1.1\n\nX\r\n\r' },
];

for (const { desc, text } of cases) {
  test(`HeadAccumulator: ${desc}, cut anywhere, finds what indexOf finds in the whole`, () => {
    const expected = latin1(text).indexOf('\r\n\r\n', 0, 'latin1');
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b++) {
        const { acc, ends } = feed(text, [a, b]);
        assert.equal(ends[ends.length - 1], expected, `cut at ${a}, ${b}`);
        assert.equal(acc.length, text.length);
      }
    }
    // One byte per chunk, the finding's trickle.
    const { ends } = feed(text, Array.from({ length: text.length }, (_, i) => i));
    assert.equal(ends[ends.length - 1], expected);
  });
}

test('HeadAccumulator: a head that came in one chunk is not copied', () => {
  const acc = new HeadAccumulator();
  acc.push(latin1('GET / HTTP/1.1\r\n\r\nGET /2'));
  assert.equal(acc.prefix(acc.headEnd()).toString('latin1'), 'GET / HTTP/1.1');
  assert.equal(acc.copiedBytes, 0);
});

test('HeadAccumulator: prefix, drop and the next head of a pipeline', () => {
  const { acc } = feed('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGE', [3, 17, 25]);
  const first = acc.headEnd();
  assert.equal(acc.prefix(first).toString('latin1'), 'GET /1 HTTP/1.1');
  acc.drop(first + 4);
  const second = acc.headEnd();
  assert.equal(acc.prefix(second).toString('latin1'), 'GET /2 HTTP/1.1');
  acc.drop(second + 4);
  assert.equal(acc.headEnd(), -1);
  assert.equal(acc.takeAll().toString('latin1'), 'GE');
  assert.ok(acc.empty);
});

test('HeadAccumulator: a 1 MiB head trickled one byte per chunk costs a bounded number of copies per byte, not one per chunk', () => {
  const size = 1024 * 1024;
  const acc = new HeadAccumulator();
  const filler = latin1('a');
  acc.push(latin1('GET / HTTP/1.1\r\nX: '));
  for (let i = 0; i < size; i++) {
    acc.push(filler);
    assert.equal(acc.headEnd(), -1);
  }
  acc.push(latin1('\r\n\r\n'));
  const end = acc.headEnd();
  assert.equal(end, 'GET / HTTP/1.1\r\nX: '.length + size);
  assert.equal(acc.prefix(end).length, end);
  // Re-joining per chunk (what the front did) copies about size²/2 bytes: 5.5e11 here.
  assert.ok(acc.copiedBytes <= 3 * acc.length, `copied ${acc.copiedBytes} bytes for ${acc.length}`);
});

test('bareLineFeed: an LF without its CR is seen wherever the pieces are cut, and CRLF never counts', () => {
  for (const [text, bare] of [['GET / HTTP/1.1\nHost: a\n', true], ['GET / HTTP/1.1\r\nHost: a\r\n', false], ['\nGET', true], ['GET / HTTP/1.1\r\nX: a\n', true]] as const) {
    for (let cut = 0; cut <= text.length; cut++) {
      const acc = new HeadAccumulator();
      acc.push(latin1(text.slice(0, cut)));
      const early = acc.bareLineFeed();
      acc.push(latin1(text.slice(cut)));
      assert.equal(early || acc.bareLineFeed(), bare, `${JSON.stringify(text)} cut at ${cut}`);
    }
  }
});
