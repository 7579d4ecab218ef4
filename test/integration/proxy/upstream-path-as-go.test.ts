// The request target pe-edge writes upstream is Go's outreq.URL.RequestURI(): a received path Go's validEncoded
// accepts goes as it came; any other is its decoded bytes escaped as Go's EscapedPath escapes them, on HTTP/1.1
// and HTTP/2 fronts alike. Routing still sees the path as received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startRawBackend } from '../../support/raw-backend.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { rawExchange } from '../../support/raw-exchange.js';

async function edge(t: { after: (fn: () => Promise<void>) => void }) {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  t.after(() => backend.close());
  const proxy = await startProxy(buildInput({
    http: {
      // A rule on the received path: routing must not see the escaped form.
      routers: { 'r@file': { rule: 'PathPrefix(`/a"`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  }));
  t.after(() => proxy.close(0));
  return { backend, port: proxy.port('web') };
}

const target = (head: string | undefined): string => (head ?? '').split(' ')[1] ?? '';

test('HTTP/1.1: a path Go would escape reaches the server escaped as Go sends it; a valid one unchanged', async (t) => {
  const { backend, port } = await edge(t);
  const cases: [string, string][] = [
    ['/a"b<c>{d}|e^f`g?q="x"', '/a%22b%3Cc%3E%7Bd%7D%7Ce%5Ef%60g?q="x"'],
    ['/a"b!c%2Fd%25', '/a%22b%21c/d%25'],
    ['/a"/%41%2f!*()', '/a%22/A/%21%2A%28%29'],
    ["/a%22/!$&'()*+,;=:@[]~", "/a%22/!$&'()*+,;=:@[]~"],
  ];
  for (const [sent, expected] of cases) {
    const { text } = await rawExchange(port, [`GET ${sent} HTTP/1.1\r\nHost: app.test\r\n\r\n`], /ok$/, 3000);
    assert.match(text, /^HTTP\/1\.1 200 /, `${sent}: ${text.slice(0, 60)}`);
    assert.equal(target(backend.heads.at(-1)), expected, sent);
  }
});

test('HTTP/2: a :path with raw bytes Go would escape (0xff, a quote) reaches the server escaped byte by byte', async (t) => {
  const { backend, port } = await edge(t);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.close());
  for (const [sent, expected] of [['/a"\xff\xe9', '/a%22%FF%E9'], ['/a"b?x=\xff', '/a%22b?x=\xff']]) {
    const stream = session.request({ ':path': sent, ':authority': 'app.test' });
    const status = await new Promise<number>((resolve, reject) => {
      stream.on('response', (h) => resolve(Number(h[':status'])));
      stream.on('error', reject);
    });
    stream.resume();
    assert.equal(status, 200, JSON.stringify(sent));
    assert.equal(target(backend.heads.at(-1)), expected, JSON.stringify(sent));
  }
});
