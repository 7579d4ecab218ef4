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
