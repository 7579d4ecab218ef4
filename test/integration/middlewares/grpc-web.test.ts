// grpcWeb on loopback: a browser-like gRPC-Web client over HTTP/1.1 (test/support/grpc-web-client.ts) through pe-edge to a
// real grpc-js server over h2c:// and https:// (h2 by ALPN): unary calls, error statuses in the trailer frame and in a
// trailers-only head, server streaming that flows message by message, `-text` (base64) both ways, an HTTP/2 client,
// compress around it and buffering after it, the CORS preflight as the Go wrapper answers it for allowed and refused
// origins, other requests untouched, and the label form.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { decodeLabels, validateDynamicConfig } from '../../../labels-spec/index.js';
import { DEFAULT_TRANSPORT, type UpstreamTransport } from '../../../proxy/index.js';
import { startBackend, type Backend } from '../../support/backends.js';
import { EchoClient, startGrpcBackend, unaryCall, type GrpcBackend } from '../../support/grpc-backend.js';
import { dataFrame, grpcWebCall } from '../../support/grpc-web-client.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

const ORIGIN = 'https://app.test';

interface Edge {
  readonly port: number;
  readonly grpc: GrpcBackend;
  /** A plain HTTP server behind the same middleware, under /app. */
  readonly app: Backend;
}

/** The middleware's options as a user writes them, validated and defaulted as the providers do. */
function grpcWebConfig(options: Record<string, unknown>): Record<string, unknown> {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { gw: { grpcWeb: options } } } });
  assert.deepEqual(issues, []);
  return config.http.middlewares.gw as Record<string, unknown>;
}

interface EdgeOptions {
  /** The gRPC server speaks TLS (an https:// server, h2 by ALPN). */
  readonly grpcTls?: boolean;
  /** A middleware `outer` in front of `gw` on every router. */
  readonly outer?: Record<string, unknown>;
  /** A middleware `inner` after `gw` on every router. */
  readonly inner?: Record<string, unknown>;
}

/** pe-edge with the middleware `gw` in front of a grpc-js server (gRPC paths) and of a plain HTTP server (/app). */
async function startEdge(t: TestContext, middleware: Record<string, unknown>, options: EdgeOptions = {}): Promise<Edge> {
  const grpcTls = options.grpcTls ?? false;
  const chain = [...(options.outer === undefined ? [] : ['outer']), 'gw', ...(options.inner === undefined ? [] : ['inner'])];
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = grpcTls ? fixtures.make('backend.test', ['backend.test']) : undefined;
  const grpcBackend = await startGrpcBackend(cert);
  t.after(() => grpcBackend.close());
  const app = await startBackend('app');
  t.after(() => app.close());
  const transports: Record<string, UpstreamTransport> = cert === undefined ? {} : { 'verified@file': { ...DEFAULT_TRANSPORT, rootCAs: [cert.certFile], serverName: 'backend.test' } };
  const grpcServer = cert === undefined
    ? { loadBalancer: { servers: [{ url: `h2c://127.0.0.1:${grpcBackend.port}` }] } }
    : { loadBalancer: { servers: [{ url: `https://127.0.0.1:${grpcBackend.port}` }], serversTransport: 'verified' } };
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'grpc@file': { rule: 'PathPrefix(`/test.Echo/`)', service: 'grpc', middlewares: chain },
        'app@file': { rule: 'PathPrefix(`/app`)', service: 'app', middlewares: chain },
      },
      services: { 'grpc@file': grpcServer, 'app@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: {
        'gw@file': middleware,
        ...(options.outer === undefined ? {} : { 'outer@file': options.outer }),
        ...(options.inner === undefined ? {} : { 'inner@file': options.inner }),
      },
      serversTransports: transports,
    },
  }));
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), grpc: grpcBackend, app };
}

/** The names Access-Control-Expose-Headers lists, lower-case. */
function exposed(headers: http.IncomingHttpHeaders): string[] {
  return String(headers['access-control-expose-headers'] ?? '').split(', ').map((n) => n.toLowerCase());
}

/** Every line of a header as received, in order. */
function lines(rawHeaders: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if ((rawHeaders[i] as string).toLowerCase() === name) out.push(rawHeaders[i + 1] as string);
  return out;
}

function preflight(port: number, path: string, headers: http.OutgoingHttpHeaders): Promise<{ status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'OPTIONS', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('grpcWeb: a unary call from an HTTP/1.1 browser-like client reaches the h2c gRPC server and comes back as gRPC-Web', async (t) => {
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: [ORIGIN] }));
  const answer = await grpcWebCall({ port: edge.port, path: '/test.Echo/Unary', body: dataFrame('hello'), headers: { origin: ORIGIN, 'x-client-meta': 'from-client' } }).answer();
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'application/grpc-web+proto', 'the backend\'s application/grpc+proto made gRPC-Web');
  assert.deepEqual(answer.messages, ['echo:hello']);
  assert.deepEqual(answer.trailers, { 'grpc-status': '0', 'grpc-message': 'OK', 'x-echoed-meta': 'from-client' }, 'the trailers, in the trailer frame');
  assert.equal(answer.headers['grpc-status'], undefined, 'the status travels in the body, not the head');
  assert.equal(answer.headers['content-length'], undefined);
  // The frame as the Go wrapper writes it: names lower-case and sorted, one `name: value\r\n` per field.
  const frameText = 'grpc-message: OK\r\ngrpc-status: 0\r\nx-echoed-meta: from-client\r\n';
  const frame = Buffer.concat([Buffer.from([0x80, 0, 0, 0, frameText.length]), Buffer.from(frameText)]);
  assert.deepEqual(answer.raw.subarray(answer.raw.length - frame.length), frame);

  assert.equal(edge.grpc.lastRequest?.toString(), 'hello', 'the message reached the server whole');
  assert.deepEqual(edge.grpc.lastMetadata?.get('x-client-meta'), ['from-client'], 'request metadata reaches the server');
  assert.equal(answer.headers['x-server-meta'], 'from-server', 'response headers (initial metadata) reach the page');
  assert.equal(answer.headers['access-control-allow-origin'], ORIGIN);
  assert.equal(answer.headers['access-control-allow-credentials'], 'true');
  assert.equal(answer.headers.vary, 'Origin');
  for (const name of ['x-server-meta', 'content-type', 'access-control-allow-origin', 'grpc-status', 'grpc-message']) {
    assert.ok(exposed(answer.headers).includes(name), `${name} is exposed to the page: ${String(answer.headers['access-control-expose-headers'])}`);
  }
});

test('grpcWeb: an error status reaches the page in the trailer frame, a trailers-only answer in the head', async (t) => {
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: ['*'] }));
  const missing = await grpcWebCall({ port: edge.port, path: '/test.Echo/Unary', body: dataFrame('missing') }).answer();
  assert.equal(missing.status, 200);
  assert.deepEqual(missing.messages, []);
  assert.equal(missing.trailers?.['grpc-status'], String(grpc.status.NOT_FOUND));
  // grpc-message is percent-encoded on the wire (gRPC's rule); the wrapper passes it as sent, the page's library decodes it.
  assert.equal(missing.trailers?.['grpc-message'], 'no%20such%20thing');
  assert.equal(missing.headers['access-control-allow-origin'], undefined, 'no Origin sent: no CORS answer');

  // Refused before any metadata: grpc-js answers with one HEADERS frame; the status stays in the head, and the
  // body is the empty trailer frame alone (the wrapper finds no trailers left to move).
  const denied = await grpcWebCall({ port: edge.port, path: '/test.Echo/Unary', body: dataFrame('denied') }).answer();
  assert.equal(denied.status, 200);
  assert.equal(denied.headers['grpc-status'], String(grpc.status.PERMISSION_DENIED));
  assert.equal(denied.headers['grpc-message'], 'go%20away');
  assert.ok(exposed(denied.headers).includes('grpc-status'));
  assert.deepEqual(denied.raw, Buffer.from([0x80, 0, 0, 0, 0]));
});

test('grpcWeb: a server-streaming answer flows message by message, then its trailers', { timeout: 10_000 }, async (t) => {
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: ['*'] }));
  const call = grpcWebCall({ port: edge.port, path: '/test.Echo/Paced', body: dataFrame('3'), headers: { origin: ORIGIN } });
  const head = await call.head;
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['access-control-allow-origin'], ORIGIN, 'allowOrigins "*" echoes the Origin (the wrapper\'s origin function)');
  // The server writes its next part only once the client has the previous one: a buffered answer would hang here.
  for (let i = 1; i <= 3; i++) {
    const frame = await call.nextFrame();
    assert.deepEqual({ trailer: frame?.trailer, text: frame?.bytes.toString() }, { trailer: false, text: `part ${i}` });
    edge.grpc.releaseNext();
  }
  const trailer = await call.nextFrame();
  assert.equal(trailer?.trailer, true);
  assert.equal(trailer?.bytes.toString(), 'grpc-message: OK\r\ngrpc-status: 0\r\n');
  assert.equal(await call.nextFrame(), null);
});

test('grpcWeb -text: the base64 request is decoded for the server, the answer is base64 with its trailer frame', async (t) => {
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: ['*'] }));
  const unary = await grpcWebCall({ port: edge.port, path: '/test.Echo/Unary', body: dataFrame('texty'), text: true }).answer();
  assert.equal(unary.status, 200);
  assert.equal(unary.headers['content-type'], 'application/grpc-web-text+proto');
  assert.match(unary.raw.toString('latin1'), /^[A-Za-z0-9+/=]+$/, 'the body is base64 text');
  assert.equal(edge.grpc.lastRequest?.toString(), 'texty');
  assert.deepEqual(unary.messages, ['echo:texty']);
  assert.equal(unary.trailers?.['grpc-status'], '0');

  const stream = await grpcWebCall({ port: edge.port, path: '/test.Echo/Stream', body: dataFrame('4'), text: true }).answer();
  assert.deepEqual(stream.messages, ['part 1', 'part 2', 'part 3', 'part 4']);
  assert.equal(stream.trailers?.['grpc-status'], '0');

  // Not base64: the body read fails, as Go's decoder makes it fail, and the call never reaches the server.
  edge.grpc.lastRequest = null;
  const junk = await httpRequest({
    port: edge.port, path: '/test.Echo/Unary', method: 'POST', body: 'AAAA*AAA',
    headers: { 'content-type': 'application/grpc-web-text', 'content-length': '8' },
  });
  assert.equal(junk.status, 502);
  assert.equal(edge.grpc.lastRequest, null);
});

test('grpcWeb over HTTP/2 from the client (h2c prior knowledge): the trailers still travel in the body, not as HTTP/2 trailers', async (t) => {
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: ['*'] }));
  const session = http2.connect(`http://127.0.0.1:${edge.port}`);
  t.after(() => session.close());
  const stream = session.request({ ':method': 'POST', ':path': '/test.Echo/Unary', 'content-type': 'application/grpc-web', 'x-grpc-web': '1' });
  stream.end(dataFrame('h2'));
  const [head, body, trailers] = await new Promise<[http2.IncomingHttpHeaders, Buffer, http2.IncomingHttpHeaders | null]>((resolve, reject) => {
    let got: http2.IncomingHttpHeaders = {};
    let tail: http2.IncomingHttpHeaders | null = null;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (got = h));
    stream.on('trailers', (h) => (tail = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve([got, Buffer.concat(chunks), tail]));
    stream.on('error', reject);
  });
  assert.equal(head[':status'], 200);
  assert.equal(head['content-type'], 'application/grpc-web+proto');
  assert.equal(trailers, null, 'no HTTP/2 trailers: the wrapper took them');
  const frameText = 'grpc-message: OK\r\ngrpc-status: 0\r\nx-echoed-meta: \r\n';
  assert.deepEqual(body, Buffer.concat([dataFrame('echo:h2'), Buffer.from([0x80, 0, 0, 0, frameText.length]), Buffer.from(frameText)]));
});

test('grpcWeb to an https:// server speaking h2 (ALPN), its certificate verified', async (t) => {
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: ['*'] }), { grpcTls: true });
  const answer = await grpcWebCall({ port: edge.port, path: '/test.Echo/Unary', body: dataFrame('over tls') }).answer();
  assert.deepEqual(answer.messages, ['echo:over tls']);
  assert.equal(answer.trailers?.['grpc-status'], '0');
  const stream = await grpcWebCall({ port: edge.port, path: '/test.Echo/Stream', body: dataFrame('2'), text: true }).answer();
  assert.deepEqual(stream.messages, ['part 1', 'part 2']);
});

test('compress around grpcWeb compresses the gRPC-Web answer, trailer frame included (its writer wraps the wrapper\'s)', async (t) => {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { outer: { compress: {} } } } });
  assert.deepEqual(issues, []);
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: ['*'] }), { outer: config.http.middlewares.outer as Record<string, unknown> });
  const parts = Array.from({ length: 300 }, (_, i) => `part ${i + 1}`);
  const answer = await grpcWebCall({ port: edge.port, path: '/test.Echo/Stream', body: dataFrame('300'), headers: { 'accept-encoding': 'gzip' } }).answer();
  assert.equal(answer.headers['content-encoding'], 'gzip');
  assert.equal(answer.headers['content-type'], 'application/grpc-web+proto');
  const body = gunzipSync(answer.raw);
  const frameText = 'grpc-message: OK\r\ngrpc-status: 0\r\n';
  assert.deepEqual(body, Buffer.concat([...parts.map((p) => dataFrame(p)), Buffer.from([0x80, 0, 0, 0, frameText.length]), Buffer.from(frameText)]));
});

test('buffering after grpcWeb reads the decoded -text body and holds the answer, which still ends with its trailer frame', async (t) => {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { inner: { buffering: {} } } } });
  assert.deepEqual(issues, []);
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: ['*'] }), { inner: config.http.middlewares.inner as Record<string, unknown> });
  const answer = await grpcWebCall({ port: edge.port, path: '/test.Echo/Unary', body: dataFrame('buffered'), text: true }).answer();
  assert.equal(edge.grpc.lastRequest?.toString(), 'buffered', 'buffering read the decoded body, not the base64 one');
  assert.deepEqual(answer.messages, ['echo:buffered']);
  assert.equal(answer.trailers?.['grpc-status'], '0');
});

test('grpcWeb CORS preflight: an allowed origin gets the wrapper\'s answer (200, Max-Age 600), never forwarded', async (t) => {
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: [ORIGIN] }));
  const res = await preflight(edge.port, '/app/test.Echo/Unary', {
    origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-grpc-web,content-type,x-user-agent',
  });
  assert.equal(res.status, 200);
  assert.equal(res.body, '');
  assert.equal(res.headers['content-length'], '0');
  assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
  assert.equal(res.headers['access-control-allow-methods'], 'POST');
  assert.equal(res.headers['access-control-allow-headers'], 'X-Grpc-Web, Content-Type, X-User-Agent');
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
  assert.equal(res.headers['access-control-max-age'], '600');
  assert.deepEqual(lines(res.rawHeaders, 'vary'), ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers']);
  assert.equal(res.headers['access-control-expose-headers'], undefined);
  assert.equal(edge.app.seen.length, 0, 'the preflight is answered by pe-edge');
});

test('grpcWeb CORS: an allowOrigins entry beyond ASCII admits the UTF-8 Origin a browser sends, as Traefik compares the bytes', async (t) => {
  const origin = 'https://café.test';
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: [origin] }));
  // node's client writes a header one byte per character: the UTF-8 bytes of the origin, as a browser sends them.
  const wire = Buffer.from(origin, 'utf8').toString('latin1');
  const res = await preflight(edge.port, '/test.Echo/Unary', { origin: wire, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-grpc-web' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['access-control-allow-origin'], wire);
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
});

test('grpcWeb CORS: a refused origin gets a 200 preflight without any Allow header; its calls carry none either', async (t) => {
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: [ORIGIN] }));
  const res = await preflight(edge.port, '/test.Echo/Unary', {
    origin: 'https://evil.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-grpc-web',
  });
  assert.equal(res.status, 200, 'rs/cors refuses by leaving the Allow headers out, not with 403');
  assert.deepEqual(Object.keys(res.headers).filter((n) => n.startsWith('access-control-')), []);
  assert.deepEqual(lines(res.rawHeaders, 'vary'), ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers']);

  const call = await grpcWebCall({ port: edge.port, path: '/test.Echo/Unary', body: dataFrame('still served'), headers: { origin: 'https://evil.test' } }).answer();
  assert.deepEqual(call.messages, ['echo:still served'], 'the call itself is served: the browser is what keeps the answer from the page');
  assert.equal(call.headers['access-control-allow-origin'], undefined);
  assert.equal(call.headers['access-control-allow-credentials'], undefined);
  assert.equal(call.headers.vary, 'Origin');
});

test('grpcWeb passes other requests through untouched: plain POSTs, other preflights, native gRPC', async (t) => {
  const edge = await startEdge(t, grpcWebConfig({ allowOrigins: ['*'] }));
  const json = '{"a":1}';
  const plain = await httpRequest({ port: edge.port, path: '/app/x', method: 'POST', body: json, headers: { 'content-type': 'application/json', origin: ORIGIN } });
  assert.equal(plain.status, 200);
  assert.equal(plain.body, 'app');
  assert.equal(plain.headers['content-type'], 'text/plain');
  assert.equal(plain.headers['access-control-expose-headers'], undefined);
  assert.equal(plain.headers['access-control-allow-origin'], undefined);
  assert.equal(plain.headers.vary, undefined);
  const seen = edge.app.seen[0];
  assert.equal(seen?.headers['content-type'], 'application/json');
  assert.equal(seen?.headers['content-length'], String(json.length));
  assert.equal(seen?.body, json);

  const otherPreflight = await preflight(edge.port, '/app/y', { origin: ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' });
  assert.equal(otherPreflight.body, 'app', 'a preflight that does not ask for x-grpc-web reaches the backend');
  assert.equal(edge.app.seen[1]?.method, 'OPTIONS');

  const client = new EchoClient(`127.0.0.1:${edge.port}`, grpc.credentials.createInsecure());
  t.after(() => client.close());
  assert.equal((await unaryCall(client, 'native')).value, 'echo:native', 'a gRPC client (application/grpc) is no gRPC-Web request');
});

test('grpcWeb from Docker labels: traefik.http.middlewares.<name>.grpcweb.alloworigins decodes and is honoured', async (t) => {
  const { config, issues } = decodeLabels({ 'traefik.http.middlewares.gw.grpcweb.alloworigins': 'https://one.test,https://two.test' });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.http.middlewares.gw, { grpcWeb: { allowOrigins: ['https://one.test', 'https://two.test'] } });
  const edge = await startEdge(t, config.http.middlewares.gw as Record<string, unknown>);
  for (const [origin, allowed] of [['https://two.test', true], ['https://three.test', false]] as const) {
    const res = await preflight(edge.port, '/test.Echo/Unary', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-grpc-web' });
    assert.equal(res.headers['access-control-allow-origin'], allowed ? origin : undefined, origin);
  }
});
