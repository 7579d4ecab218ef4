import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentResponseHead } from '../../../proxy/forward/http1/recent-response-head.js';
import { parseResponseHead } from '../../../proxy/forward/http1/response-head.js';

const HEAD = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n__proto__: x\r\n__proto__: y\r\nContent-Length: 2\r';

test('a head the upstream sent again is parsed as before, into headers of its own that edits of the last one do not reach', () => {
  const recent = new RecentResponseHead();
  const first = recent.parse(HEAD);
  assert.deepEqual(first, parseResponseHead(HEAD));
  // What the request path does to an answer's headers: set, remove, push onto a repeated one.
  first.headers['x-added'] = 'by a middleware';
  delete first.headers.server;
  (first.headers['set-cookie'] as string[]).push('c=3');
  (first.headers['__proto__'] as unknown as string[]).push('z');
  const second = recent.parse(HEAD);
  assert.deepEqual(second, parseResponseHead(HEAD));
  assert.equal(Object.getPrototypeOf(second.headers), Object.prototype, 'a header named __proto__ stays a header');
  assert.deepEqual(Object.entries(second.headers).find(([name]) => name === '__proto__'), ['__proto__', ['x', 'y']]);
  second.headers['content-length'] = '0';
  assert.equal(recent.parse(HEAD).headers['content-length'], '2');
});

test('a head that differs, or one that is refused, is parsed on its own', () => {
  const recent = new RecentResponseHead();
  recent.parse(HEAD);
  assert.equal(recent.parse(HEAD.replace('200 OK', '404 Not Found')).status, 404);
  for (let i = 0; i < 2; i++) assert.throws(() => recent.parse('HTTP/1.1 200 OK\r\nBad Name: x'), /invalid header name/);
  assert.equal(recent.parse(HEAD).status, 200);
});

/** The memo's result, or the error it throws, in a form deepEqual compares. */
function outcome(parse: () => ReturnType<typeof parseResponseHead>): unknown {
  try {
    const head = parse();
    return { ...head, headers: Object.entries(head.headers) };
  } catch (err) {
    return (err as Error).message;
  }
}

test('a head one byte off the kept one (inserted or replaced) is parsed as on its own, accepted or refused', () => {
  const recent = new RecentResponseHead();
  const base = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 12\r\nConnection: keep-alive\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r';
  let refused = 0;
  let tried = 0;
  for (let at = 0; at < base.length; at++) {
    for (const byte of ['x', '6', '\0', '\r', '\x7f', ' ']) {
      for (const text of [base.slice(0, at) + byte + base.slice(at + 1), base.slice(0, at) + byte + base.slice(at)]) {
        if (text === base) continue;
        recent.parse(base);
        const want = outcome(() => parseResponseHead(text));
        assert.deepEqual(outcome(() => recent.parse(text)), want, JSON.stringify(text));
        assert.deepEqual(outcome(() => recent.parse(text)), want, `again: ${JSON.stringify(text)}`);
        tried++;
        if (typeof want === 'string') refused++;
      }
    }
  }
  assert.ok(refused > 50 && refused < tried - 50, `${refused} of ${tried} refused`);
});
