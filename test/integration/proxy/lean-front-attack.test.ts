// Attacks on the lean HTTP/1.1 front, its hand-off to node:http and the upstream HTTP/1.1 pool behind it: framing
// tricks, heads split at every byte, hostile upstreams, absolute-form targets and Host spellings against an
// authenticating router. Every scenario speaks raw bytes on loopback and checks what a client (or the next client)
// would see: the right answer for each request, nothing smuggled past basicAuth or forwardAuth, no answer meant for
// one request reaching another.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { EdgeProxy } from '../../../proxy/index.js';
import type { Dispatcher } from 'undici';
import { Http1Pool } from '../../../proxy/forward/http1/http1-pool.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { startHostileBackend, type HostileBackend, type HostileRequest } from '../../support/hostile-backend.js';
import { buildInput, entryPointOptions, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import { rawExchange, statuses } from '../../support/raw-exchange.js';

const SEED_USER = 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';
/** A request the backend must never see: it only ever travels inside another request's body. */
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n';

interface Seen { method: string; url: string; host: string; body: string; connection: number }

/** A node:http backend recording every request it parses (node's parser, strict, as the upstream's view). */
async function startRecordingBackend(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  let connections = 0;
  const ids = new WeakMap<object, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', body, connection: ids.get(req.socket) ?? 0 });
      res.end(`got ${req.method} ${req.url} ${body.length} [${body.slice(0, 64)}]`);
    });
    req.on('error', () => undefined);
  });
  server.on('connection', (socket) => ids.set(socket, ++connections));
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

/** An auth server for forwardAuth: 2xx only with `X-Token: ok`, else 401 with a body. */
async function startAuthServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.headers['x-token'] === 'ok') res.end();
    else {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('denied by auth');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}



const get = (path: string, host = 'app.test', extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
const post = (path: string, host: string, body: string, extra = ''): string =>
  `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n${extra}\r\n${body}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The upstream connections that answered `/early`. */
const earlySockets: net.Socket[] = [];

/** Hostile answers by request target (the hostile router strips nothing: the target is what the client asked). */
const HOSTILE: Record<string, (req: HostileRequest) => void> = {
  // Declares 10 bytes, sends 5 and closes.
  '/short': ({ socket }) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello'),
  // Declares 5, sends 5 and a whole second answer in the same write, and keeps the connection.
  '/long': ({ socket }) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED'),
  // A whole answer, then a second one once the first went back to the pool.
  '/late-extra': ({ socket }) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED'), 40);
  },
  // A HEAD, a 204 and a 304 answered with a body (which is a next answer's bytes on the connection).
  '/head-body': ({ socket }) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED'),
  '/204-body': ({ socket }) => socket.write('HTTP/1.1 204 No Content\r\nContent-Length: 8\r\n\r\nSMUGGLED'),
  '/304-body': ({ socket }) => socket.write('HTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED'),
  // Answers as soon as the head arrived, before the request body (which keeps coming).
  '/early': ({ socket }) => {
    earlySockets.push(socket);
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly');
  },
  '/mid-head-close': ({ socket }) => socket.end('HTTP/1.1 200 OK\r\nContent-Le'),
  '/dup-cl': ({ socket }) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'),
  '/cl-te': ({ socket }) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
  '/interim': ({ socket }) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal'),
  '/obs-text-head': ({ socket }) => socket.write('HTTP/1.1 200 OK\r\nX-A: a\rInjected: 1\r\nContent-Length: 5\r\n\r\nhello'),
  '/plain': ({ socket }) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ngenuine'),
};

describe('attacks on the lean HTTP/1.1 front and the HTTP/1.1 upstream pool', () => {
  let backend: Awaited<ReturnType<typeof startRecordingBackend>>;
  let auth: Awaited<ReturnType<typeof startAuthServer>>;
  let hostile: HostileBackend;
  let proxy: EdgeProxy;
  let port: number;
  let fixtures: ReturnType<typeof fixtureDir>;

  before(async () => {
    backend = await startRecordingBackend();
    auth = await startAuthServer();
    hostile = await startHostileBackend(({ target, socket, head }) => {
      const answer = HOSTILE[target];
      if (answer !== undefined) answer({ target, socket, head });
      else socket.destroy();
    });
    fixtures = fixtureDir();
    const cert = fixtures.make('app.test', ['app.test', 'auth.test']);
    proxy = await startProxy(buildInput({
      http: {
        routers: {
          'app@file': { rule: 'Host(`app.test`)', service: 'rec' },
          'auth@file': { rule: 'Host(`auth.test`)', service: 'rec', middlewares: ['basic'] },
          'fa@file': { rule: 'Host(`fa.test`)', service: 'rec', middlewares: ['fa'] },
          'buf@file': { rule: 'Host(`buf.test`)', service: 'rec', middlewares: ['buf'] },
          'hostile@file': { rule: 'Host(`hostile.test`)', service: 'hostile' },
          'app-tls@file': { rule: 'Host(`app.test`)', service: 'rec', tls: {} },
          'hostile-tls@file': { rule: 'Host(`hostile.test`)', service: 'hostile', tls: {} },
        },
        services: {
          'rec@file': { loadBalancer: { servers: [{ url: backend.url }] } },
          'hostile@file': { loadBalancer: { servers: [{ url: hostile.url }] } },
        },
        middlewares: fileMiddlewares({
          basic: { basicAuth: { users: [SEED_USER] } },
          fa: { forwardAuth: { address: auth.url } },
          buf: { buffering: { maxRequestBodyBytes: 10 } },
        }),
      },
      tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
    }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: 10_000 })]);
    port = proxy.port('web');
  });
  after(async () => {
    await proxy.close(0);
    await backend.close();
    await auth.close();
    await hostile.close();
    fixtures.remove();
  });

  const smuggledSeen = (): boolean => backend.seen.some((s) => s.url === '/smuggled');

  test('a body keeps its framing when the client lists Content-Length or Transfer-Encoding in Connection: it reaches the backend whole, as Go forwards it', async () => {
    const lean = await rawExchange(port, [post('/conn-cl', 'app.test', 'hello', 'Connection: Content-Length\r\n') + get('/after-conn-cl')], /got GET \/after-conn-cl/);
    assert.deepEqual(statuses(lean.text), ['200', '200']);
    assert.equal(backend.seen.find((s) => s.url === '/conn-cl')?.body, 'hello', 'the lean front\'s body was forwarded');
    const chunked = 'POST /conn-te HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nConnection: Transfer-Encoding\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    const node = await rawExchange(port, [chunked + get('/after-conn-te')], /got GET \/after-conn-te/);
    assert.deepEqual(statuses(node.text), ['200', '200']);
    assert.equal(backend.seen.find((s) => s.url === '/conn-te')?.body, 'hello', 'node:http\'s chunked body was forwarded');
    assert.equal(smuggledSeen(), false);
  });

  test('a request and the one pipelined behind it, split into two packets at every byte, are served the same', async () => {
    const whole = post('/split', 'app.test', 'hello') + get('/split-next');
    const failures: string[] = [];
    for (let from = 1; from < whole.length; from += 8) {
      await Promise.all(Array.from({ length: Math.min(8, whole.length - from) }, async (_, k) => {
        const at = from + k;
        const { text } = await rawExchange(port, [whole.slice(0, at), 15, whole.slice(at)], /got GET \/split-next/);
        if (!/^HTTP\/1\.1 200 OK[\s\S]*got POST \/split 5 \[hello\][\s\S]*HTTP\/1\.1 200 OK[\s\S]*got GET \/split-next 0 \[\]$/.test(text)) {
          failures.push(`split at ${at}: ${JSON.stringify(text.slice(0, 200))}`);
        }
      }));
    }
    assert.deepEqual(failures, []);
  });

  test('ambiguous or malformed framing is refused (400; 401 once the guarded head was routed) and closes the connection: nothing inside it reaches the backend', async () => {
    const body = `5\r\nhello\r\n0\r\n\r\n${SMUGGLED}`;
    const cases: [string, string][] = [
      ['TE chunked, identity', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n${body}`],
      ['TE identity', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nTransfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello${SMUGGLED}`],
      ['TE twice', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${body}`],
      ['TE folded', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nTransfer-Encoding: identity\r\n chunked\r\n\r\n${body}`],
      ['TE with a space before the colon', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\n${body}`],
      ['CL and TE on HTTP/1.0', `POST /amb HTTP/1.0\r\nHost: auth.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${body}`],
      ['CL folded', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nContent-Length: 0\r\n 40\r\n\r\n${SMUGGLED}`],
      ['CL with a tab inside', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nContent-Length: 4\t0\r\n\r\n${SMUGGLED}`],
      ['bare CR line ends', `POST /amb HTTP/1.1\rHost: auth.test\rContent-Length: 0\r\r${SMUGGLED}`],
      ['CR inside a header value', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nX-A: a\rContent-Length: 40\r\n\r\n${SMUGGLED}`],
      ['NUL in the target', `GET /amb\0x HTTP/1.1\r\nHost: auth.test\r\n\r\n${SMUGGLED}`],
      ['NUL in a header value', `GET /amb HTTP/1.1\r\nHost: auth.test\r\nX-A: a\0b\r\n\r\n${SMUGGLED}`],
      ['chunk size with a sign', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n${SMUGGLED}`],
      ['chunk line ended by a bare LF', `POST /amb HTTP/1.1\r\nHost: auth.test\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n${SMUGGLED}`],
    ];
    const wrong: string[] = [];
    for (const [name, bytes] of cases) {
      const { text, closed } = await rawExchange(port, [bytes], /\r\n\r\n[\s\S]*$/, 1500);
      // A body node:http cannot parse is found after its head was routed: basicAuth's 401 may be the one answer then.
      if (!/^HTTP\/1\.1 40[01] /.test(text) || statuses(text).length !== 1 || !closed) wrong.push(`${name}: ${JSON.stringify(text.slice(0, 120))} closed=${closed}`);
    }
    assert.deepEqual(wrong, []);
    assert.equal(backend.seen.some((s) => s.url === '/amb'), false);
    assert.equal(smuggledSeen(), false);
  });

  test('answers that leave a body unread (basicAuth, forwardAuth) skip it: a request inside it is never served, the next one is', async () => {
    for (const host of ['auth.test', 'fa.test']) {
      for (const prefix of ['', 'POST /to-node HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']) {
        const inside = SMUGGLED.repeat(200);
        const { text } = await rawExchange(port, [prefix + post('/guarded', host, inside) + get('/after-guarded')], /got GET \/after-guarded/);
        assert.deepEqual(statuses(text).slice(prefix === '' ? 0 : 1), ['401', '200'], `${host}${prefix === '' ? '' : ' on node:http'}`);
      }
    }
    // The same with the body trickling in after the refusal went out.
    const inside = SMUGGLED.repeat(50);
    const head = `POST /guarded HTTP/1.1\r\nHost: auth.test\r\nContent-Length: ${inside.length}\r\n\r\n`;
    const late = await rawExchange(port, [head, 200, inside.slice(0, 100), 50, inside.slice(100) + get('/after-late')], /got GET \/after-late/);
    assert.deepEqual(statuses(late.text), ['401', '200']);
    assert.equal(backend.seen.some((s) => s.url === '/guarded'), false);
    assert.equal(smuggledSeen(), false);
  });

  test('an absolute-form target is routed and forwarded on its own host, never on the Host header', async () => {
    const guarded = await rawExchange(port, ['GET http://auth.test/abs HTTP/1.1\r\nHost: app.test\r\n\r\n'], /\r\n\r\n[\s\S]+$/);
    assert.deepEqual(statuses(guarded.text), ['401']);
    assert.equal(backend.seen.some((s) => s.url === '/abs'), false);
    const userinfo = await rawExchange(port, ['GET http://app.test@auth.test/abs-user HTTP/1.1\r\nHost: app.test\r\n\r\n'], /\r\n\r\n[\s\S]+$/);
    assert.deepEqual(statuses(userinfo.text), ['401']);
    const open = await rawExchange(port, ['GET http://app.test/abs-open HTTP/1.1\r\nHost: auth.test\r\n\r\n'], /got GET/);
    assert.deepEqual(statuses(open.text), ['200']);
    assert.equal(backend.seen.find((s) => s.url === '/abs-open')?.host, 'app.test', 'the backend is told the host that was routed');
  });

  test('every spelling of a guarded host is guarded: case, port, trailing dot', async () => {
    for (const host of ['AUTH.TEST', 'auth.test:80', 'auth.test:8443', 'auth.test.', 'Auth.Test.:80']) {
      const { text } = await rawExchange(port, [get('/spelled', host)], /\r\n\r\n[\s\S]+$/);
      assert.deepEqual(statuses(text), ['401'], host);
    }
    assert.equal(backend.seen.some((s) => s.url === '/spelled'), false);
  });

  test('an answer that says Connection: close (buffering\'s 413) closes the connection on the lean front as on node:http, with one Connection header', async () => {
    const toNode = 'POST /to-node HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    for (const prefix of ['', toNode]) {
      const front = prefix === '' ? 'lean front' : 'node:http';
      const after = prefix === '' ? '/after-413-lean' : '/after-413-node';
      const { text, closed } = await rawExchange(port, [prefix + post('/too-large', 'buf.test', 'x'.repeat(100)) + get(after)], /$^/, 1500);
      assert.deepEqual(statuses(text).slice(prefix === '' ? 0 : 1), ['413'], front);
      assert.equal(closed, true, front);
      const head = text.slice(text.lastIndexOf('HTTP/1.1 413'));
      assert.equal((head.match(/\r\nconnection:/gi) ?? []).length, 1, `${front}: ${JSON.stringify(head)}`);
      assert.equal(backend.seen.some((s) => s.url === after), false, `${front}: the request pipelined behind the answer was not sent upstream`);
    }
  });

  test('an HTTP/0.9 request line (no version) is refused with Go\'s 400 and the connection closes; nothing is routed', async () => {
    const { text, closed } = await rawExchange(port, ['GET /nine\r\n\r\n' + get('/after-nine')], /$^/, 1500);
    assert.equal(text, 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
    assert.equal(closed, true);
    assert.equal(backend.seen.some((s) => s.url === '/nine' || s.url === '/after-nine'), false);
  });

  test('a request line claiming HTTP/2.0 (not the h2c preface) is refused as Go refuses it, upgrade or not: nothing is routed', async () => {
    const refusal = 'HTTP/1.1 400 Bad Request: unsupported protocol version\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: unsupported protocol version';
    const heads = [
      'GET /two HTTP/2.0\r\nHost: app.test\r\n\r\n',
      'GET /two-ws HTTP/2.0\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    ];
    for (const head of heads) {
      const { text, closed } = await rawExchange(port, [head + get('/after-two')], /$^/, 1500);
      assert.equal(text, refusal, JSON.stringify(head));
      assert.equal(closed, true);
    }
    assert.equal(backend.seen.some((s) => s.url.startsWith('/two') || s.url === '/after-two'), false);
  });

  test('HTTP/1.0 keep-alive with a body: the body is never read as a request, the next request is served', async () => {
    const body = SMUGGLED;
    const { text } = await rawExchange(port, [
      `POST /old HTTP/1.0\r\nHost: app.test\r\nConnection: keep-alive\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
      'GET /old-next HTTP/1.0\r\nHost: app.test\r\nConnection: keep-alive\r\n\r\n',
    ], /got GET \/old-next/);
    assert.deepEqual(statuses(text), ['200', '200']);
    assert.equal(smuggledSeen(), false);
  });

  describe('hostile upstreams: the client gets exactly its own answer, and the next request (its own or another client\'s) too', () => {
    const next = get('/plain', 'hostile.test');
    const genuine = /HTTP\/1\.1 200 OK\r\n[^]*?\r\n\r\ngenuine/;

    test('a body shorter than declared, then the close: the client connection is cut (after at most those bytes), never reused', async () => {
      const { text, closed } = await rawExchange(port, [get('/short', 'hostile.test') + next], /$^/, 1500);
      // flushInterval (100 ms) may still hold the head and the 5 bytes when the cut comes: then nothing went out, as in Go.
      if (text !== '') assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 10\r\n[\s\S]*\r\n\r\n(?:h(?:e(?:l(?:lo?)?)?)?)?$/i);
      assert.equal(closed, true);
    });

    for (const path of ['/long', '/late-extra']) {
      test(`bytes after the declared body (${path}) never reach anyone: not this client, not the next request`, async () => {
        const { text } = await rawExchange(port, [get(path, 'hostile.test') + next], genuine);
        assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\nhelloHTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\ngenuine$/);
        await sleep(100);
        for (let i = 0; i < 3; i++) {
          const other = await rawExchange(port, [get('/plain', 'hostile.test') + next], /genuine[\s\S]*genuine/);
          assert.doesNotMatch(other.text, /SMUGGLED/);
          assert.equal(statuses(other.text).length, 2);
        }
      });
    }

    for (const [name, request] of [
      ['a HEAD answered with a body', 'HEAD /head-body HTTP/1.1\r\nHost: hostile.test\r\n\r\n'],
      ['a 204 with a body', get('/204-body', 'hostile.test')],
      ['a 304 followed by another answer', get('/304-body', 'hostile.test')],
    ] as const) {
      test(`${name}: the body is dropped, the connection to that upstream too`, async () => {
        const { text } = await rawExchange(port, [request + next], genuine);
        assert.doesNotMatch(text, /SMUGGLED/);
        assert.deepEqual(statuses(text).length, 2);
        const other = await rawExchange(port, [next + next], /genuine[\s\S]*genuine/);
        assert.doesNotMatch(other.text, /SMUGGLED/);
      });
    }

    test('an answer before the request body was sent: the client gets it, its body is skipped, the next request is answered by the upstream afresh', async () => {
      const body = 'b'.repeat(100_000);
      const head = `POST /early HTTP/1.1\r\nHost: hostile.test\r\nContent-Length: ${body.length}\r\n\r\n`;
      earlySockets.length = 0;
      const { text } = await rawExchange(port, [head, 150, body.slice(0, 50_000), 100, body.slice(50_000) + next], genuine);
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\nearlyHTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\ngenuine$/);
      await sleep(200);
      assert.equal(earlySockets.length, 1);
      assert.equal(earlySockets[0]?.destroyed, true, 'the connection that answered before its request was whole is closed, not reused');
    });

    for (const [path, status] of [['/mid-head-close', '502'], ['/dup-cl', '502'], ['/obs-text-head', '502']] as const) {
      test(`${path}: ${status}, and the client connection serves its next request`, async () => {
        const { text, closed } = await rawExchange(port, [get(path, 'hostile.test') + next], genuine);
        assert.deepEqual(statuses(text), [status, '200']);
        assert.equal(closed, false);
        assert.doesNotMatch(text, /Injected/);
      });
    }

    test('Content-Length with Transfer-Encoding: the chunked body is relayed, never the length', async () => {
      const { text } = await rawExchange(port, [get('/cl-te', 'hostile.test') + next], genuine);
      const [first] = text.split(/(?=HTTP\/1\.1 200 OK\r\n[^]*?\r\n\r\ngenuine)/);
      assert.doesNotMatch(first as string, /content-length/i);
      assert.match(first as string, /\r\n\r\n5\r\nhello\r\n0\r\n\r\n$/);
    });

    test('interim answers (100, 103) are read past: the client gets the final answer, then its next one', async () => {
      const interim = await rawExchange(port, [get('/interim', 'hostile.test') + next], genuine);
      assert.match(interim.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\nfinalHTTP\/1\.1 200 OK/);
    });

    test('over TLS, the same: bytes after the declared body never reach the next request', async () => {
      const { text } = await rawExchange(port, [get('/long', 'hostile.test') + next], genuine, 4000, { servername: 'app.test' });
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\nhelloHTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\ngenuine$/);
      const split = post('/tls-split', 'app.test', SMUGGLED) + get('/tls-next');
      const pieces: (string | number)[] = [];
      for (let i = 0; i < split.length; i += 7) pieces.push(split.slice(i, i + 7), 2);
      const trickled = await rawExchange(port, pieces, /got GET \/tls-next/, 6000, { servername: 'app.test' });
      assert.deepEqual(statuses(trickled.text), ['200', '200']);
      assert.equal(smuggledSeen(), false);
    });
  });
});

/**
 * What a GET through a pool with a 300 ms head-completion deadline (and no responseHeaderTimeout) to a raw backend
 * gets: `<status> <body>`, or `error: <message>`.
 */
async function slowFinalAnswer(t: TestContext, serve: (socket: Socket) => void): Promise<string> {
  const backend = await startRawBackend(serve);
  t.after(() => backend.close());
  const pool = new Http1Pool({
    host: '127.0.0.1', port: Number(new URL(backend.url).port), dialTimeout: 2000, responseHeaderTimeout: 0, headCompletionTimeout: 300,
    idleConnTimeout: 1000, maxIdleConns: 2, maxConns: 0, fallback: () => { throw new Error('no upgrades here'); },
  });
  t.after(() => pool.close());
  return new Promise<string>((resolve) => {
    let body = '';
    const handler: Dispatcher.DispatchHandler = {
      onResponseStart: (_c, status) => { body += `${status} `; },
      onResponseData: (_c, chunk) => { body += chunk.toString(); },
      onResponseEnd: () => resolve(body),
      onResponseError: (_c, error) => resolve(`error: ${error.message}`),
    };
    pool.dispatch({ path: '/', method: 'GET', headers: ['Host', 'a.test'], body: null }, handler);
  });
}

test('an upstream that sends 103 Early Hints and takes its time for the final answer is waited for, as by Go (the head-completion deadline is for a head that started)', async (t) => {
  const got = await slowFinalAnswer(t, (socket) => {
    socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n');
    setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow'), 900);
  });
  assert.equal(got, '200 slow');
});

test('a 103 Early Hints that arrives in pieces does not start the final answer\'s head-completion deadline: the slow final answer is waited for', async (t) => {
  const got = await slowFinalAnswer(t, (socket) => {
    socket.write('HTTP/1.1 103 Early Hints\r\n');
    setTimeout(() => socket.write('Link: </a.css>; rel=preload\r\n\r\n'), 50);
    setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow'), 900);
  });
  assert.equal(got, '200 slow');
});
