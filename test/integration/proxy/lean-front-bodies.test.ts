import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RequestContext } from '../../../proxy/http/request-context.js';
import type { EdgeProxy } from '../../../proxy/index.js';
import { buildInput, entryPointOptions, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { rawExchange, statuses } from '../../support/raw-exchange.js';

// The lean HTTP/1.1 front reads request bodies framed by a Content-Length itself (before, every request with a
// body handed its connection to node:http for good). These tests speak raw HTTP/1.1 to see every byte: the body
// arrives whole and in order, the connection goes on with the next request, and every rule node:http applied to
// such requests still holds. Which front answered shows in one header: node:http adds `Keep-Alive: timeout=...`
// to its keep-alive answers, the lean front does not. A connection is handed to node:http for good by a chunked
// request, which gives each scenario its node:http twin on the same entrypoint.

const READ_TIMEOUT = 1500;
const SEED_USER = 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';
/** Sent first on a connection to move it to node:http (the front hands chunked bodies over). */
const TO_NODE = 'POST /to-node HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';

interface Seen { url: string; bytes: number; sha256: string; complete: boolean; contentLength: string | undefined }

/** A backend that hashes each body it receives; `/slow-reader` starts reading a second late, `/hold` never answers. */
async function startHashingBackend(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    const entry: Seen = { url: req.url ?? '', bytes: 0, sha256: '', complete: false, contentLength: req.headers['content-length'] };
    seen.push(entry);
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      entry.bytes += chunk.length;
    });
    req.on('end', () => {
      entry.complete = true;
      entry.sha256 = hash.digest('hex');
      if (req.url !== '/hold') res.end(`got ${req.url} ${entry.bytes} ${entry.sha256.slice(0, 12)}`);
    });
    req.on('error', () => undefined);
    if (req.url === '/slow-reader') {
      req.pause();
      setTimeout(() => req.resume(), 1000);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}


const sha = (body: Buffer | string): string => createHash('sha256').update(body).digest('hex').slice(0, 12);
const post = (host: string, path: string, length: number | string, extra = ''): string =>
  `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${length}\r\n${extra}\r\n`;
const get = (path: string, host = 'app.test'): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;


const waitFor = async (cond: () => boolean, ms = 3000): Promise<void> => {
  for (let waited = 0; waited < ms && !cond(); waited += 20) await new Promise((r) => setTimeout(r, 20));
};

describe('request bodies on the lean HTTP/1.1 front', () => {
  let backend: Awaited<ReturnType<typeof startHashingBackend>>;
  let proxy: EdgeProxy;
  let port: number;
  const done: RequestContext[] = [];

  before(async () => {
    backend = await startHashingBackend();
    const service = 's';
    proxy = await startProxy(buildInput({
      http: {
        routers: {
          'app@file': { rule: 'Host(`app.test`)', service },
          'auth@file': { rule: 'Host(`auth.test`)', service, middlewares: ['auth'] },
          'limited@file': { rule: 'Host(`limited.test`)', service, middlewares: ['limit'] },
          'moved@file': { rule: 'Host(`moved.test`)', service, middlewares: ['moved'] },
        },
        services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
        middlewares: fileMiddlewares({
          auth: { basicAuth: { users: [SEED_USER] } },
          // One token an hour: once a first request took it, every request is refused with 429.
          limit: { rateLimit: { average: 1, period: '1h', burst: 1 } },
          moved: { redirectRegex: { regex: '.*', replacement: 'http://elsewhere.test/' } },
        }),
      },
    }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: READ_TIMEOUT, onDone: (ctx) => done.push(ctx) })]);
    port = proxy.port('web');
  });
  after(async () => {
    await proxy.close(0);
    await backend.close();
  });

  test('a body is relayed byte for byte, and the request pipelined behind it in the same packet is served next, on the front', async () => {
    const body = 'hello world, a body of thirty-eight b.';
    const { text } = await rawExchange(port, [post('app.test', '/one', body.length) + body + get('/two')], /got \/two/);
    assert.deepEqual(statuses(text), ['200', '200']);
    assert.match(text, new RegExp(`got /one ${body.length} ${sha(body)}[\\s\\S]*got /two 0 `));
    assert.doesNotMatch(text, /keep-alive: timeout/i, 'the lean front answered both');

    // A body arriving in pieces, its last bytes in the same packet as the next request, then a 3 MB body.
    const big = Buffer.alloc(3 * 1024 * 1024, 'z');
    const pieces = await rawExchange(port, [
      post('app.test', '/three', 10) + 'abc', 30, 'def', 30, 'ghij' + post('app.test', '/four', big.length), 30, big, get('/five'),
    ], /got \/five/);
    assert.deepEqual(statuses(pieces.text), ['200', '200', '200']);
    assert.match(pieces.text, new RegExp(`got /three 10 ${sha('abcdefghij')}[\\s\\S]*got /four ${big.length} ${sha(big)}[\\s\\S]*got /five 0 `));
    assert.doesNotMatch(pieces.text, /keep-alive: timeout/i);
  });

  test('a Content-Length with leading zeros goes upstream as the number it is, as Go writes it (not as the client spelled it)', async () => {
    const { text } = await rawExchange(port, [post('app.test', '/zeros', '0003') + 'abc'], /got \/zeros/);
    assert.deepEqual(statuses(text), ['200']);
    assert.equal(backend.seen.find((s) => s.url === '/zeros')?.contentLength, '3');
  });

  test('a Content-Length node:http refuses (a list, repeated, signed, hex, overflowing, or with Transfer-Encoding) gets its 400 and reaches no backend', async () => {
    const before = backend.seen.length;
    for (const [name, head] of [
      ['a list', post('app.test', '/cl', '5, 5')],
      ['repeated, equal', post('app.test', '/cl', 5, 'Content-Length: 5\r\n')],
      ['repeated, different', post('app.test', '/cl', 5, 'Content-Length: 6\r\n')],
      ['signed +', post('app.test', '/cl', '+5')],
      ['signed -', post('app.test', '/cl', '-5')],
      ['hex', post('app.test', '/cl', '0x5')],
      ['overflowing', post('app.test', '/cl', '99999999999999999999999')],
      ['with Transfer-Encoding', post('app.test', '/cl', 5, 'Transfer-Encoding: chunked\r\n')],
    ] as const) {
      const { text, closed } = await rawExchange(port, [head + 'hello' + get('/after')], /400 Bad Request$/);
      assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*\r\n\r\n400 Bad Request$/, name);
      assert.equal(closed, true, name);
    }
    assert.equal(backend.seen.length, before, 'no refused request, nor one smuggled behind it, reached the backend');
    // Leading zeros are digits all the same (node:http reads them so too).
    const zeros = await rawExchange(port, [post('app.test', '/zeros', '007') + 'seven!!' + get('/two')], /got \/two/);
    assert.match(zeros.text, new RegExp(`got /zeros 7 ${sha('seven!!')}`));
  });

  test('Expect: 100-continue gets 100 Continue before the body is sent, on the front as on node:http; another expectation gets 417', async () => {
    for (const first of ['', TO_NODE]) {
      const front = first === '' ? 'lean front' : 'node:http';
      const head = post('app.test', '/expect', 5, 'Expect: 100-continue\r\n');
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.write(first + head);
      await waitFor(() => text.includes('100 Continue'));
      assert.match(text, /HTTP\/1\.1 100 Continue\r\n\r\n$/, front);
      socket.write('hello');
      await waitFor(() => text.includes('got /expect'));
      socket.destroy();
      assert.match(text, new RegExp(`HTTP/1\\.1 100 Continue\\r\\n\\r\\nHTTP/1\\.1 200 OK[\\s\\S]*got /expect 5 ${sha('hello')}$`), front);
      // node:http also sends it before routing: a request no router takes gets it, then its 404.
      const nowhere = await rawExchange(port, [first + post('nowhere.test', '/x', 5, 'Expect: 100-continue\r\n'), 100, 'hello' + get('/next')], /got \/next/);
      assert.deepEqual(statuses(nowhere.text), [...(first === '' ? [] : ['200']), '100', '404', '200'], front);
    }
    const other = await rawExchange(port, [post('app.test', '/x', 5, 'Expect: something-else\r\n') + 'hello'], /417/);
    assert.match(other.text, /^HTTP\/1\.1 417 Expectation Failed/);
  });

  test('readTimeout covers the body: a body still incomplete then is cut without an answer, its upstream request aborted', async () => {
    const started = Date.now();
    const { text, closed } = await rawExchange(port, [post('app.test', '/slow-body', 100) + 'hello'], /$^/, READ_TIMEOUT + 3000);
    const took = Date.now() - started;
    assert.equal(closed, true);
    assert.equal(text, '', 'no answer, as node:http on its side');
    assert.ok(took >= READ_TIMEOUT - 100 && took < READ_TIMEOUT + 2500, `closed after ${took} ms`);
    const upstream = backend.seen.find((s) => s.url === '/slow-body');
    assert.equal(upstream?.complete, false, 'the upstream request never completed');
  });

  test('a client that leaves mid-body aborts the upstream request and is logged unfinished (499), on the front as on node:http', async () => {
    for (const first of ['', TO_NODE]) {
      const front = first === '' ? 'lean front' : 'node:http';
      const url = first === '' ? '/gone-front' : '/gone-node';
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(first + post('app.test', url, 1_000_000) + 'x'.repeat(100_000));
      await waitFor(() => backend.seen.some((s) => s.url === url && s.bytes > 0));
      socket.destroy();
      await waitFor(() => done.some((ctx) => ctx.rawPath === url));
      const ctx = done.find((c) => c.rawPath === url);
      assert.equal(ctx?.res.completed, false, `${front}: logged as unfinished`);
      const upstream = backend.seen.find((s) => s.url === url);
      assert.ok(upstream !== undefined && !upstream.complete && upstream.bytes <= 100_000, front);
    }
    const after = await rawExchange(port, [get('/still-serving')], /got \/still-serving/);
    assert.deepEqual(statuses(after.text), ['200']);
  });

  test('a body shorter than declared, then the end of the input: 400 and the upstream request aborted, as node:http answers it', async () => {
    const answers: string[] = [];
    for (const first of ['', TO_NODE]) {
      const url = first === '' ? '/short-front' : '/short-node';
      const { text, closed } = await rawExchange(port, [first + post('app.test', url, 10) + 'hello', 200, 'END'], /400 Bad Request$/);
      assert.equal(closed, true);
      answers.push(text.slice(text.lastIndexOf('HTTP/1.1 ')));
      await waitFor(() => backend.seen.some((s) => s.url === url));
      assert.equal(backend.seen.find((s) => s.url === url)?.complete, false);
    }
    assert.match(answers[0] as string, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(answers[0], answers[1], 'the same bytes on both fronts');
  });

  // A body nobody reads is never parsed as requests: its bytes here are requests too.
  const smuggled = (size: number): string => get('/smuggled').repeat(Math.ceil(size / get('/smuggled').length)).slice(0, size);
  for (const [name, host, status] of [
    ['no router (404)', 'nowhere.test', '404'],
    ['basicAuth (401)', 'auth.test', '401'],
    ['rateLimit (429)', 'limited.test', '429'],
    ['redirectRegex (307 for a POST)', 'moved.test', '307'],
  ] as const) {
    test(`an answer that leaves the body unread, ${name}: under 256 KiB the rest is skipped and the connection goes on; from 256 KiB it closes`, async () => {
      if (status === '429') await rawExchange(port, [get('/take-the-token', host)], /got \/take-the-token/);
      const small = await rawExchange(port, [post(host, '/unread', 100_000) + smuggled(100_000) + get('/next')], /got \/next/);
      assert.deepEqual(statuses(small.text), [status, '200']);
      assert.doesNotMatch(small.text, /connection: close/i);
      assert.doesNotMatch(small.text, /keep-alive: timeout/i, 'the lean front answered');

      const large = await rawExchange(port, [post(host, '/unread', 1_000_000) + smuggled(1_000_000) + get('/next-after-large')], /$^/, 1500);
      assert.deepEqual(statuses(large.text), [status]);
      assert.match(large.text, /\r\nConnection: close\r\n/);
      assert.equal(large.closed, true);
      assert.equal(backend.seen.some((s) => s.url === '/smuggled' || s.url === '/next-after-large'), false);
    });
  }

  test('the client is held back while the upstream does not read (backpressure), then every byte arrives', async () => {
    const size = 64 * 1024 * 1024;
    const body = Buffer.alloc(size, 'q');
    // An entrypoint of its own with a readTimeout far above the time 64 MB take on a busy machine (the shared one's
    // 1.5 s would cut this body on a slow run: readTimeout covers the whole request, as Go's does).
    const own = await startProxy(buildInput({
      http: { routers: { 'app@file': { rule: 'Host(`app.test`)', service: 's' } }, services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } } },
    }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: 60_000 })]);
    const socket = net.connect(own.port('web'), '127.0.0.1');
    let text = '';
    let failure: Error | null = null;
    socket.on('error', (err) => (failure = err));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.write(post('app.test', '/slow-reader', size));
    socket.write(body);
    // The backend reads nothing for a second: socket buffers on the way hold a few MB, the front must not hold the rest.
    await new Promise((r) => setTimeout(r, 700));
    const unsent = socket.writableLength;
    await waitFor(() => text.includes('got /slow-reader') || failure !== null, 20_000);
    socket.destroy();
    await own.close(0);
    assert.equal(failure, null, 'the connection was not cut');
    assert.ok(unsent > 32 * 1024 * 1024, `the client could write only what socket buffers hold (${size - unsent} bytes left it)`);
    assert.match(text, new RegExp(`got /slow-reader ${size} ${sha(body)}`));
  });
});
