import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyFraming, bodyStart, headEnd, HeadEndScanner, keepsAlive, parseResponseHead } from '../../../proxy/forward/http1/response-head.js';

/** Finds the head in `wire`, parses it, frames it for `method`; returns what the pool acts on. */
function read(wire: string, method = 'GET') {
  const buffer = Buffer.from(wire, 'latin1');
  const end = headEnd(buffer);
  if (end < 0) return null;
  const head = parseResponseHead(buffer.toString('latin1', 0, end));
  const framing = bodyFraming(method, head);
  return { head, framing, body: buffer.subarray(bodyStart(buffer, end)).toString('latin1'), reuse: keepsAlive(head, framing) };
}

test('the head ends at the first blank line, whatever mix of CRLF and bare LF ends its lines', () => {
  const rows: [string, string | null][] = [
    ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'ok'],
    ['HTTP/1.1 200 OK\nContent-Length: 2\n\nok', 'ok'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\nok', 'ok'],
    ['HTTP/1.1 200 OK\nContent-Length: 6\r\n\nok\r\n\r\n', 'ok\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\n\nab', '\n\nab'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n', null],
  ];
  for (const [wire, body] of rows) assert.equal(read(wire)?.body ?? null, body, JSON.stringify(wire));
});

test('framing and reuse follow the status, the codings and the version', () => {
  const rows: [string, string, string, boolean][] = [
    // wire, method, framing kind, reusable
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'GET', 'chunked', true],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 3\r\n\r\n', 'GET', 'chunked', true],
    ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n', 'GET', 'length', false],
    ['HTTP/1.1 200 OK\r\n\r\n', 'GET', 'close', false],
    ['HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n', 'GET', 'none', true],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', 'HEAD', 'none', true],
    ['HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n', 'GET', 'length', false],
    ['HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n', 'GET', 'length', true],
    ['HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n', 'GET', 'chunked', false],
  ];
  for (const [wire, method, kind, reuse] of rows) {
    const r = read(wire, method);
    assert.equal(r?.framing.kind, kind, wire);
    assert.equal(r?.reuse, reuse, wire);
  }
});

test('Content-Length is never relayed beside Transfer-Encoding nor on 204/304', () => {
  for (const wire of [
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n',
    'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n',
    'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n',
  ]) assert.equal(read(wire)?.head.headers['content-length'], undefined, wire);
});

test('unsupported transfer-codings are refused', () => {
  for (const te of ['gzip, chunked', 'chunked, chunked', 'gzip', 'identity']) {
    assert.throws(() => read(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\n`), /unsupported transfer encoding/, te);
  }
  assert.throws(() => read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n'), /unsupported/);
});

test('a reason phrase is kept only when node:http can write it', () => {
  const rows: [string, string][] = [
    ['HTTP/1.1 200 O\x0bK\x7f\x01', ''],
    ['HTTP/1.1 200 Fine\tand dandy', 'Fine\tand dandy'],
    ['HTTP/1.1 200 Caf\xe9', 'Caf\xe9'],
    ['HTTP/1.1 200', ''],
  ];
  for (const [line, reason] of rows) assert.equal(parseResponseHead(line).statusMessage, reason, JSON.stringify(line));
});

test('a folded header line (obs-fold) joins the field before it with one space, as Go reads it; one before any field is refused', () => {
  const folded = read('HTTP/1.1 200 OK\r\nX-Long: first part  \r\n   second part\r\n\tthird\r\nContent-Length: 2\r\n\r\nok');
  assert.equal(folded?.head.headers['x-long'], 'first part second part third');
  assert.deepEqual(folded?.framing, { kind: 'length', length: 2 });
  assert.equal(read('HTTP/1.1 200 OK\nX-A: a\n b\nX-B: c\n\n')?.head.headers['x-a'], 'a b', 'bare-LF lines fold too');
  assert.throws(() => read('HTTP/1.1 200 OK\r\n X-First: a\r\n\r\n'), /malformed header initial line/);
  // Joined first, then checked: a fold cannot slip a second length or a coding past the framing rules.
  assert.throws(() => read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n 0\r\n\r\n'), /invalid Content-Length "5 0"/);
  assert.throws(() => read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n gzip\r\n\r\n'), /unsupported transfer encoding/);
  assert.throws(() => read('HTTP/1.1 200 OK\r\nX-A: a\r\n \x01\r\n\r\n'), /invalid value in header "X-A"/);
});

test('a head of 16,000 folds (all 64 KiB allow) is joined in linear time; a blank continuation adds nothing', () => {
  const lines = Array.from({ length: 16_000 }, () => ' a');
  const started = performance.now();
  const head = parseResponseHead(`HTTP/1.1 200 OK\r\nX-A: a\r\n${lines.join('\r\n')}`);
  const ms = performance.now() - started;
  assert.equal(head.headers['x-a'], `a ${lines.map(() => 'a').join(' ')}`);
  // Joined line by line, it took 1.2 s here: each join rescanned (and copied) the field so far.
  assert.ok(ms < 500, `parsed in ${ms.toFixed(0)} ms`);
  assert.equal(parseResponseHead('HTTP/1.1 200 OK\r\nX-A: a  \r\n   \r\n b\r\n \r\nX-B: c').headers['x-a'], 'a b');
});

test('__proto__ and constructor are header names like any other', () => {
  const head = parseResponseHead('HTTP/1.1 200 OK\r\n__proto__: x\r\nconstructor: y\r\nhasOwnProperty: z');
  assert.equal(Object.getPrototypeOf(head.headers), Object.prototype, 'the prototype is not replaced');
  assert.deepEqual(Object.entries(head.headers), [['__proto__', 'x'], ['constructor', 'y'], ['hasownproperty', 'z']]);
  const twice = parseResponseHead('HTTP/1.1 200 OK\r\nconstructor: a\r\nconstructor: b\r\n__proto__: c\r\n__proto__: d');
  assert.deepEqual(Object.entries(twice.headers), [['constructor', ['a', 'b']], ['__proto__', ['c', 'd']]]);
});

test('HeadEndScanner finds the end of a head split at any point, for CRLF, bare-LF and mixed heads', () => {
  for (const head of ['HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody', 'HTTP/1.1 200 OK\nA: b\n\nbody', 'HTTP/1.1 200 OK\r\nA: b\n\r\nbody']) {
    const terminatorEnd = head.indexOf('body');
    for (let cut = 1; cut < head.length; cut++) {
      const scanner = new HeadEndScanner();
      const first = scanner.feed(Buffer.from(head.slice(0, cut), 'latin1'));
      const second = first ? null : scanner.feed(Buffer.from(head.slice(cut), 'latin1'));
      assert.equal(first, cut >= terminatorEnd, `${JSON.stringify(head)} cut at ${cut}`);
      if (!first) assert.equal(second, true, `${JSON.stringify(head)} cut at ${cut}`);
    }
    // One byte at a time: the end is seen exactly at the terminator's last byte.
    const scanner = new HeadEndScanner();
    const endAt = [...head].findIndex((c) => scanner.feed(Buffer.from(c, 'latin1')));
    assert.equal(endAt, terminatorEnd - 1, JSON.stringify(head));
  }
});

test('names are keyed in lower case however a server spells them, and a bad value is refused wherever it is', () => {
  const head = parseResponseHead('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nCONTENT-LENGTH: 2\r\netag: "a"\r\nETag2: b\r\nX-Custom-Thing: c');
  assert.deepEqual(Object.entries(head.headers), [['content-type', 'text/html'], ['content-length', '2'], ['etag', '"a"'], ['etag2', 'b'], ['x-custom-thing', 'c']]);
  // A control character, or a CR that does not end its line, in any value of a head that is otherwise common.
  for (const bad of ['Server: a\x01b', 'Server: a\rb', 'Content-Type: text/html\x7f', 'X-Custom: \x00']) {
    assert.throws(() => parseResponseHead(`HTTP/1.1 200 OK\r\nDate: today\r\n${bad}\r\nVary: Accept`), /invalid value in header/, JSON.stringify(bad));
  }
  // A bad name spelled like no known one is still refused.
  assert.throws(() => parseResponseHead('HTTP/1.1 200 OK\r\nContent Type: text/html'), /invalid header name "Content Type"/);
  // A bad byte in the reason phrase blanks it without refusing the head, as before.
  const reason = parseResponseHead('HTTP/1.1 200 O\x01K\r\nServer: nginx');
  assert.equal(reason.statusMessage, '');
  assert.equal(reason.headers.server, 'nginx');
});

test('one plain Content-Length and Connection: keep-alive take the short paths with the same outcome', () => {
  assert.deepEqual(read('HTTP/1.1 200 OK\r\nContent-Length: 0012\r\nConnection: keep-alive\r\n\r\n')?.framing, { kind: 'length', length: 12 });
  assert.equal(read('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok')?.reuse, true);
  assert.equal(read('HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n')?.reuse, false);
  assert.throws(() => read('HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n'), /invalid Content-Length/);
  assert.equal(read('HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc')?.head.headers['content-length'], '3');
});

test('a bad name spelled like a common one, or a CR that ends no line, is refused as any bad name or value is', () => {
  for (const name of ['Content-Length ', 'Content-Length\x0b', 'Content-Length\t', 'ETag\x00', 'Content-L\xe9ngth', 'Set-Cookie\x7f']) {
    assert.throws(() => parseResponseHead(`HTTP/1.1 200 OK\r\n${name}: 2\r\nServer: nginx\r`), /invalid header name/, JSON.stringify(name));
  }
  for (const line of ['Server: nginx\r\r', 'Content-Length: 2\r\r\nVary: x', 'ETag: "a\rb"']) {
    assert.throws(() => parseResponseHead(`HTTP/1.1 200 OK\r\n${line}\r`), /invalid value in header/, JSON.stringify(line));
  }
  // Another case of a common name is still that name.
  assert.deepEqual(parseResponseHead('HTTP/1.1 200 OK\r\nCONTENT-length: 2\r\nEtAg: "a"\r').headers, { 'content-length': '2', etag: '"a"' });
});
