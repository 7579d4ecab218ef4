// forwardAuth's X-Forwarded-Uri is Go's req.URL.RequestURI() (Traefik's forward.go writeHeader): a path Go's
// validEncoded accepts goes as it came, any other as its decoded bytes escaped as Go escapes them, over HTTP/1.1
// and HTTP/2 alike: the same request target the backend is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startRawBackend, type RawBackend } from '../../support/raw-backend.js';
import { buildInput, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { rawExchange } from '../../support/raw-exchange.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

async function edge(t: { after: (fn: () => Promise<void>) => void }): Promise<{ auth: RawBackend; app: RawBackend; port: number }> {
  const auth = await startRawBackend((socket) => socket.write(OK));
  const app = await startRawBackend((socket) => socket.write(OK));
  t.after(() => auth.close());
  t.after(() => app.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: fileMiddlewares({ fa: { forwardAuth: { address: `${auth.url}/verify` } } }),
    },
  }));
  t.after(() => proxy.close(0));
  return { auth, app, port: proxy.port('web') };
}

/** The X-Forwarded-Uri line of a request head, as its bytes came (latin1). */
function forwardedUri(head: string | undefined): string | undefined {
  return /\r\nX-Forwarded-Uri: ([^\r]*)/i.exec(head ?? '')?.[1];
}
const target = (head: string | undefined): string => (head ?? '').split(' ')[1] ?? '';

test('HTTP/1.1: X-Forwarded-Uri escapes a path Go would escape (", <, {, ...) as Go does; a valid path and the query unchanged', async (t) => {
  const { auth, app, port } = await edge(t);
  const cases: [string, string][] = [
    ['/a"b<c>{d}|e^f`g?q="x"', '/a%22b%3Cc%3E%7Bd%7D%7Ce%5Ef%60g?q="x"'],
    ['/a"b!c%2Fd%25', '/a%22b%21c/d%25'],
    ['/a{/%41%2f!*()?x=1;y=2', '/a%7B/A/%21%2A%28%29?x=1&y=2'],
    ["/a%22/!$&'()*+,;=:@[]~?q", "/a%22/!$&'()*+,;=:@[]~?q"],
    ['/plain/path%20x?y=%2F', '/plain/path%20x?y=%2F'],
  ];
  for (const [sent, expected] of cases) {
    const { text } = await rawExchange(port, [`GET ${sent} HTTP/1.1\r\nHost: app.test\r\n\r\n`], /ok$/, 3000);
    assert.match(text, /^HTTP\/1\.1 200 /, `${sent}: ${text.slice(0, 60)}`);
    assert.equal(forwardedUri(auth.heads.at(-1)), expected, sent);
    // The backend is sent the same request target.
    assert.equal(target(app.heads.at(-1)), expected, sent);
  }
});

test('HTTP/2: X-Forwarded-Uri escapes a :path\'s raw bytes (0xff, é\'s byte) byte by byte, as Go does', async (t) => {
  const { auth, port } = await edge(t);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(async () => { session.close(); });
  for (const [sent, expected] of [['/a"\xff\xe9', '/a%22%FF%E9'], ['/a<b?x=\xff', '/a%3Cb?x=\xff'], ['/ok/p?z=9', '/ok/p?z=9']] as const) {
    const stream = session.request({ ':path': sent, ':authority': 'app.test' });
    const status = await new Promise<number>((resolve, reject) => {
      stream.on('response', (h) => resolve(Number(h[':status'])));
      stream.on('error', reject);
    });
    stream.resume();
    assert.equal(status, 200, JSON.stringify(sent));
    assert.equal(forwardedUri(auth.heads.at(-1)), expected, JSON.stringify(sent));
  }
});
