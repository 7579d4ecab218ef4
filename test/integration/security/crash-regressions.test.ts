// Regression tests, with the review's exact bytes, for the two findings that killed the process
// (issue 7, critical 1 and 2), and for a third crash the fuzzer found (pipelined upgrade). pe-edge runs as a child process (the real CLI), so a crash shows as
// "the child exited / no answer" and the test process survives to say so.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { healthProblem, plainGet, startEdgeChild, tlsGet, type EdgeChild } from '../../support/edge-child.js';
import { dataFrame, ERR, FRAME, headersFrame, RawH2Connection, requestFields, rstStream, statusOf } from '../../support/h2-frames.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One GET over node's http2 client on a fresh session: the "normal request" after an attack. */
async function h2Get(port: number, path: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false, servername: 'localhost' });
  session.on('error', () => undefined);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no HTTP/2 answer within ${timeoutMs} ms`)), timeoutMs);
      const stream = session.request({ ':method': 'GET', ':path': path, ':authority': 'localhost' });
      let status = 0;
      let body = '';
      stream.setEncoding('utf8');
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.on('data', (c: string) => (body += c));
      stream.on('end', () => {
        clearTimeout(timer);
        resolve({ status, body });
      });
      stream.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  } finally {
    session.destroy();
  }
}

/** After an attack: the child is alive, and both a plain and an HTTP/2 request get 200 from the backend. */
async function assertStillServing(edge: EdgeChild): Promise<void> {
  await sleep(300); // a crash in a listener shows as an exit shortly after the attack
  const problem = await healthProblem(edge);
  assert.equal(problem, null, `pe-edge stopped serving after the attack: ${problem}\n${edge.proc.output()}`);
  const h2 = await h2Get(edge.port, '/after-attack');
  assert.equal(h2.status, 200, 'a normal HTTP/2 request after the attack');
  assert.equal(h2.body, 'good');
}

function withEdge(): { edge: () => EdgeChild } {
  let current: EdgeChild | undefined;
  before(async () => {
    current = await startEdgeChild();
  });
  after(async () => {
    await current?.stop();
  });
  return { edge: () => current as EdgeChild };
}

describe('HTTP/2 upload cancelled or malformed mid-body (issue 7, critical 1)', () => {
  // node's client cannot send the review's bytes: `stream.close(NGHTTP2_CANCEL)` first ends the body
  // (an empty DATA with END_STREAM) and only then resets, so the upload is complete and nothing breaks.
  // `stream.destroy()` resets mid-body (RST_STREAM NO_ERROR), as a client that goes away does; the
  // review's exact frames (RST_STREAM CANCEL) are sent raw below.
  describe('HEADERS POST without END_STREAM, DATA "hello", stream destroyed 0.3 s later (node:http2 client)', () => {
    const { edge } = withEdge();
    it('pe-edge survives and serves the next request', async () => {
      const session = http2.connect(`https://127.0.0.1:${edge().port}`, { rejectUnauthorized: false, servername: 'localhost' });
      session.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        session.once('connect', () => resolve());
        session.once('error', reject);
      });
      assert.equal(session.alpnProtocol, 'h2');
      const stream = session.request({ ':method': 'POST', ':path': '/upload', ':authority': 'localhost', 'content-type': 'text/plain' }, { endStream: false });
      stream.on('error', () => undefined);
      stream.write('hello');
      await sleep(300);
      stream.destroy();
      await sleep(300);
      session.destroy();
      await assertStillServing(edge());
    });
  });

  /**
   * Raw frames, because node's client will not send a content-length that disagrees with its DATA.
   * The stream is malformed (RFC 9113 §8.1.1): it must be refused (RST_STREAM or a 4xx), not
   * relayed as if complete, and the process must not die writing an answer on a reset stream.
   */
  async function malformedUpload(edge: EdgeChild, contentLength: string, body: Buffer): Promise<void> {
    const conn = await RawH2Connection.connect(edge.port);
    try {
      conn.write(headersFrame(1, requestFields('POST', '/upload', 'localhost', [['content-length', contentLength], ['content-type', 'text/plain']]), false));
      conn.write(dataFrame(1, body, true));
      const answer = await conn.answerOn(1, 3000);
      if (answer !== undefined && answer.type === FRAME.HEADERS) {
        const status = statusOf(answer);
        assert.ok(status === undefined || status < 200 || status >= 400, `a malformed upload must not be answered ${String(status)}`);
      }
    } finally {
      conn.destroy();
    }
    await assertStillServing(edge);
  }

  describe('content-length: 100 with 5 bytes and END_STREAM', () => {
    const { edge } = withEdge();
    it('pe-edge survives and serves the next request', async () => {
      await malformedUpload(edge(), '100', Buffer.from('hello'));
    });
  });

  describe('content-length: 5 with 47 bytes and END_STREAM', () => {
    const { edge } = withEdge();
    it('pe-edge survives and serves the next request', async () => {
      await malformedUpload(edge(), '5', Buffer.from('hello, this body is longer than its length says'));
    });
  });

  describe('raw frames: HEADERS POST, DATA "hello", RST_STREAM CANCEL 0.3 s later', () => {
    const { edge } = withEdge();
    it('pe-edge survives and serves the next request', async () => {
      const conn = await RawH2Connection.connect(edge().port);
      try {
        conn.write(headersFrame(1, requestFields('POST', '/upload', 'localhost', [['content-type', 'text/plain']]), false));
        conn.write(dataFrame(1, 'hello', false));
        await sleep(300);
        conn.write(rstStream(1, ERR.CANCEL));
        await sleep(300);
      } finally {
        conn.destroy();
      }
      await assertStillServing(edge());
    });
  });
});

/** The review's hostile answer: a reason phrase with VT, DEL and SOH in it. */
const BAD_REASON_RESPONSE = 'HTTP/1.1 200 O\x0bK\x7f\x01\r\nContent-Length: 2\r\n\r\nok';

/** A reason phrase a client can take: no control characters (RFC 9112 reason-phrase). */
const SAFE_REASON = /^[\t\x20-\x7e\x80-\xff]*$/;

describe('backend reason phrase with control characters (issue 7, critical 2)', () => {
  const cases: { name: string; get: (edge: EdgeChild) => ReturnType<typeof plainGet> }[] = [
    { name: 'router with a middleware (node:http)', get: (edge) => plainGet(edge.port, '/hostile-mw/reason') },
    { name: 'TLS router over HTTP/1.1', get: (edge) => tlsGet(edge.port, '/hostile/reason') },
    { name: 'router without middleware (lean front)', get: (edge) => plainGet(edge.port, '/hostile-lean/reason') },
  ];
  for (const c of cases) {
    describe(c.name, () => {
      const { edge } = withEdge();
      it('answers 200 "ok" with a safe reason phrase, and serves the next request', async () => {
        edge().hostile.handler = ({ socket }) => socket.end(Buffer.from(BAD_REASON_RESPONSE, 'latin1'));
        let answer: Awaited<ReturnType<typeof plainGet>> | undefined;
        let failure: string | undefined;
        try {
          answer = await c.get(edge());
        } catch (err) {
          failure = (err as Error).message;
        }
        await sleep(300);
        const problem = await healthProblem(edge());
        assert.equal(problem, null, `pe-edge stopped serving after the bad reason phrase: ${problem}`);
        assert.equal(failure, undefined, 'the client got an answer');
        assert.equal(answer?.status, 200);
        assert.equal(answer?.body, 'ok');
        assert.match(answer?.statusMessage ?? '', SAFE_REASON, 'no control character reaches the client');
      });
    });
  }
});

/**
 * Found by the fuzzer (test/security/fuzz.ts, seed 9001, families plain-h1,tls-h1): an upgrade request
 * pipelined behind a request whose answer is still pending. node:http emits `upgrade` while the
 * first ServerResponse still holds the socket, and `onUpgrade` (entrypoint.ts) calls `assignSocket`
 * on it: uncaught ERR_HTTP_SOCKET_ASSIGNED, the process exits. One write of these bytes does it.
 */
const PIPELINED_UPGRADE = (first: string, second: string): string =>
  `GET ${first} HTTP/1.1\r\nHost: localhost\r\n\r\nGET ${second} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`;

describe('upgrade request pipelined behind a pending request (found by fuzzing)', () => {
  const cases: { name: string; tls: boolean; first: string; second: string }[] = [
    { name: 'plain HTTP, router with a middleware (node:http)', tls: false, first: '/mw/a', second: '/mw/b' },
    { name: 'HTTP/1.1 over TLS', tls: true, first: '/a', second: '/b' },
  ];
  for (const c of cases) {
    describe(c.name, () => {
      const { edge } = withEdge();
      it('answers the first request with 200 and keeps serving', async () => {
        const socket = c.tls
          ? tls.connect({ host: '127.0.0.1', port: edge().port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
          : net.connect(edge().port, '127.0.0.1');
        let received = '';
        socket.setEncoding('latin1');
        socket.on('data', (d: string) => (received += d));
        socket.on('error', () => undefined);
        await new Promise<void>((resolve) => socket.once(c.tls ? 'secureConnect' : 'connect', () => resolve()));
        socket.write(PIPELINED_UPGRADE(c.first, c.second));
        await sleep(800);
        socket.destroy();
        const problem = await healthProblem(edge());
        assert.equal(problem, null, `pe-edge stopped serving after a pipelined upgrade: ${problem}`);
        assert.match(received, /^HTTP\/1\.1 200 /, 'the first, ordinary request is answered');
      });
    });
  }
});
