// Places where pe-edge forwarded otherwise than Traefik (Go's net/http server and transports, httputil.ReverseProxy),
// each held to Go's behaviour against real servers on loopback.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { dataFrame, headersFrame } from '../../support/h2-frames.js';
import { startRawH2Backend } from '../../support/raw-h2-backend.js';
import { rawExchange } from '../../support/raw-exchange.js';

/** pe-edge on a plain entrypoint (HTTP/1.1 and h2c), every request to the one server at `url`; its port. */
async function edgeTo(t: TestContext, url: string): Promise<number> {
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
    },
  }));
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

/** One request over h2c to pe-edge: the answer's status, body, and how its stream ended (RST_STREAM code, 0 when whole). */
function h2Ask(t: TestContext, port: number, headers: http2.OutgoingHttpHeaders, body?: string): Promise<{ status: number; body: string; rstCode: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.destroy());
  return new Promise((resolve) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let text = '';
    stream.setEncoding('latin1');
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: string) => (text += c));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ status, body: text, rstCode: stream.rstCode ?? -1 }));
    if (body !== undefined) stream.end(body);
  });
}

test('an h2c server answering HEAD with DATA frames: the head reaches the client without a body, the connection goes on (Go\'s transport takes a HEAD answer as whole with its head)', async (t) => {
  const backend = await startRawH2Backend((request) => {
    request.write(headersFrame(request.streamId, [[':status', '200'], ['content-length', '5'], ['x-kind', 'page']], false));
    request.write(dataFrame(request.streamId, 'hello', true));
  });
  t.after(() => backend.close());
  const port = await edgeTo(t, backend.url);

  const exchange = await rawExchange(port, ['HEAD /page HTTP/1.1\r\nHost: a.test\r\n\r\nGET /page HTTP/1.1\r\nHost: a.test\r\n\r\n'], /\r\n\r\nhello/);
  const [head, second] = exchange.text.split(/(?=HTTP\/1\.1 )/);
  assert.match(head ?? '', /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head ?? '', /\r\ncontent-length: 5\r\n/i, 'the head says the length a GET would get');
  assert.match(head ?? '', /\r\nx-kind: page\r\n/i);
  assert.doesNotMatch(head ?? '', /hello/, 'no body after the head of a HEAD answer');
  assert.match(second ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello$/, 'the next request on the connection is answered');

  const h2 = await h2Ask(t, port, { ':method': 'HEAD', ':path': '/page' });
  assert.deepEqual(h2, { status: 200, body: '', rstCode: 0 }, 'an HTTP/2 client gets the head and a stream that ends cleanly');
});
