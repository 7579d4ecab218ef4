import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { parseLeanRequest, RecentRequestFields } from '../../../proxy/entrypoints/http1-front/request-head.js';

const FIELDS = 'Host: app.test\r\nUser-Agent: t/1\r\nAccept: */*\r\nCookie: a=1\r\nContent-Length: 3';
const socket = new net.Socket();

test("a connection's repeated header lines read as they do alone, each request with headers of its own", () => {
  const recent = new RecentRequestFields();
  for (const line of ['GET /a HTTP/1.1', 'POST /b?q=1 HTTP/1.1', 'GET /a HTTP/1.1']) {
    const request = parseLeanRequest(`${line}\r\n${FIELDS}`, socket, recent);
    assert.deepEqual(request, parseLeanRequest(`${line}\r\n${FIELDS}`, socket), line);
    // The request path edits what it is given: none of it may reach the next request.
    assert.ok(request !== null);
    request.headers['x-forwarded-for'] = '10.0.0.1';
    delete request.headers.cookie;
    request.rawHeaders.push('X-Added', 'y');
  }
});

test('the request line is checked every time, and header lines the front refuses stay refused', () => {
  const recent = new RecentRequestFields();
  assert.notEqual(parseLeanRequest(`GET /a HTTP/1.1\r\n${FIELDS}`, socket, recent), null);
  for (const line of ['GET / HTTP/1.0', 'GET /a\x01 HTTP/1.1', 'GET http://app.test/ HTTP/1.1']) {
    assert.equal(parseLeanRequest(`${line}\r\n${FIELDS}`, socket, recent), null, line);
  }
  for (let i = 0; i < 2; i++) {
    assert.equal(parseLeanRequest(`GET /a HTTP/1.1\r\n${FIELDS}\r\nTransfer-Encoding: chunked`, socket, recent), null);
    assert.equal(parseLeanRequest('GET /a HTTP/1.1\r\nUser-Agent: t/1', socket, recent), null, 'no Host');
  }
  assert.equal(parseLeanRequest(`GET /a HTTP/1.1\r\n${FIELDS}`, socket, recent)?.contentLength, 3);
});

/** Header blocks that differ from one another by a byte, a name's spelling or a repeat: the memo's near misses. */
function fieldVariants(): string[] {
  const base = ['Host: app.test', 'User-Agent: t/1', 'Content-Length: 5', 'Connection: keep-alive'];
  const joined = base.join('\r\n');
  const out = [joined];
  for (let at = 0; at <= joined.length; at += 2) {
    for (const ins of ['\r', '\n', '\0', '\t', ' ', '\x7f', 'é', ':', '\r\n ', '\r\n', 'A']) out.push(joined.slice(0, at) + ins + joined.slice(at));
  }
  // The same length, one byte other: a memo that compared less than the whole text would take these for the base.
  for (let at = 0; at < joined.length; at++) {
    for (const sub of ['x', '6', '\0']) if (joined[at] !== sub) out.push(joined.slice(0, at) + sub + joined.slice(at + 1));
  }
  for (const extra of ['host: b.test', 'HOST: app.test', 'Content-length: 5', 'CONTENT-LENGTH: 6', 'Content-Length : 5', 'Transfer-Encoding: chunked',
    'Connection: close', 'Expect: 100-continue', 'Expect: foo', 'Upgrade: x', '__proto__: x', 'constructor: x', 'toString: x', 'TE: trailers', 'Te: trailers']) {
    out.push(`${joined}\r\n${extra}`);
  }
  return out;
}

test('with the memo, every variant is accepted or refused as without it, read alone, after the base or twice', () => {
  const recent = new RecentRequestFields();
  const variants = fieldVariants();
  let accepted = 0;
  for (const fields of variants) {
    for (const line of ['GET /a HTTP/1.1', 'GET /a HTTP/1.1', 'POST /b HTTP/1.1', 'GET / HTTP/1.0']) {
      const head = `${line}\r\n${fields}`;
      const request = parseLeanRequest(head, socket, recent);
      assert.deepEqual(request, parseLeanRequest(head, socket), JSON.stringify(head));
      if (request !== null) {
        accepted++;
        request.headers.host = 'edited';
        request.rawHeaders[1] = 'edited';
      }
    }
    assert.deepEqual(parseLeanRequest(`GET / HTTP/1.1\r\n${variants[0] as string}`, socket, recent)?.headers.host, 'app.test');
  }
  // Both outcomes were tried, many times each.
  assert.ok(accepted > 100 && accepted < variants.length * 3, String(accepted));
});
