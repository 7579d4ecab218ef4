// A request's Transfer-Encoding as Traefik's Go server reads it: one field, exactly `chunked` (any case), on
// HTTP/1.1; anything else is answered 501 before any router sees the request. node:http reads more (an empty value
// as no body at all, `gzip, chunked` as chunked with the gzip forgotten): relayed, the backend would get another
// framing or coding than the client meant, and a front proxy that reads the empty value otherwise would desync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type Backend } from '../../support/backends.js';
import { proxyInFrontOf } from '../../support/proxy-fixture.js';
import { rawExchange } from '../../support/raw-exchange.js';

/** Go's conn.serve answer to an unsupportedTEError, byte for byte. */
const GO_501 = 'HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nUnsupported transfer encoding';
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n';
const CHUNKED_HELLO = '5\r\nhello\r\n0\r\n\r\n';

/** A backend that answers `ok`; `requests` lists what it received as `METHOD url [body]`. */
async function recordingBackend(): Promise<Backend & { requests: () => string[] }> {
  const backend = await startBackend('te', (_req, res) => res.end('ok'));
  return { ...backend, requests: () => backend.seen.map(({ method, url, body }) => `${method} ${url} [${body}]`) };
}

test('a Transfer-Encoding Go does not support is answered with Go\'s 501 and the connection closes: nothing reaches the backend', async (t) => {
  const backend = await recordingBackend();
  const base = await proxyInFrontOf(t, backend.url, backend.close);
  const port = Number(new URL(base).port);
  const post = (fields: string, body: string, extra = ''): string => `POST /te HTTP/1.1\r\nHost: app.test\r\n${extra}${fields}\r\n${body}`;
  const cases: [string, string][] = [
    ['empty value (node: no body, what follows is the next request)', post('Transfer-Encoding: \r\n', SMUGGLED)],
    ['blank value', post('Transfer-Encoding: \t \r\n', SMUGGLED)],
    ['empty value with Content-Length (node reads the length)', post(`Transfer-Encoding: \r\nContent-Length: ${SMUGGLED.length}\r\n`, SMUGGLED)],
    ['gzip, chunked (node forgets the gzip)', post('Transfer-Encoding: gzip, chunked\r\n', CHUNKED_HELLO)],
    ['identity, chunked', post('Transfer-Encoding: identity, chunked\r\n', CHUNKED_HELLO)],
    ['two fields', post('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', CHUNKED_HELLO)],
    ['an empty field, then chunked', post('Transfer-Encoding: \r\nTransfer-Encoding: chunked\r\n', CHUNKED_HELLO)],
    ['on an upgrade request', post('Transfer-Encoding: gzip, chunked\r\n', CHUNKED_HELLO, 'Connection: upgrade\r\nUpgrade: websocket\r\n')],
    ['empty on an upgrade request', post('Transfer-Encoding: \r\n', SMUGGLED, 'Connection: upgrade\r\nUpgrade: websocket\r\n')],
  ];
  const wrong: string[] = [];
  for (const [name, bytes] of cases) {
    const { text, closed } = await rawExchange(port, [bytes], /Unsupported transfer encoding/, 2000);
    if (text !== GO_501 || !closed) wrong.push(`${name}: ${JSON.stringify(text.slice(0, 160))} closed=${closed}`);
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual(backend.requests(), []);
});

test('Transfer-Encoding: chunked in any case is relayed as the body it frames, and the next request is served', async (t) => {
  const backend = await recordingBackend();
  const base = await proxyInFrontOf(t, backend.url, backend.close);
  const port = Number(new URL(base).port);
  for (const value of ['chunked', 'Chunked', 'CHUNKED']) {
    const bytes = `POST /te HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: ${value}\r\n\r\n${CHUNKED_HELLO}GET /after HTTP/1.1\r\nHost: app.test\r\n\r\n`;
    const { text } = await rawExchange(port, [bytes], /ok[\s\S]*ok$/);
    assert.equal([...text.matchAll(/HTTP\/1\.1 200 OK/g)].length, 2, value);
  }
  // An HTTP/1.0 request's Transfer-Encoding is not Go's to refuse (it ignores it there): not answered 501.
  const old = await rawExchange(port, [`POST /old HTTP/1.0\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_HELLO}`], /ok$/);
  assert.match(old.text, /^HTTP\/1\.1 200 OK/);
  assert.deepEqual(backend.requests(), ['POST /te [hello]', 'GET /after []', 'POST /te [hello]', 'GET /after []', 'POST /te [hello]', 'GET /after []', 'POST /old [hello]']);
});
