// A backend's chunked answer is read as Go's transport reads it (net/http/internal/chunked.go, textproto for its
// trailers): a chunk-size line or trailer line Go refuses fails the body (the client's connection is cut, as for
// every framing error after the head), one Go accepts is relayed. A chunk line never ends pe-edge's reading: Go
// gives up at 4096 bytes, and so does pe-edge, instead of reading a backend's endless line for ever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { startRawBackend } from '../../support/raw-backend.js';
import { proxyPortInFrontOf } from '../../support/proxy-fixture.js';
import { rawExchange } from '../../support/raw-exchange.js';

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: app.test\r\n\r\n`;
/** The whole chunked answer pe-edge relays for a body `hello` (its own framing: one chunk, the last chunk). */
const WHOLE = /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n5\r\nhello\r\n0\r\n\r\n$/;

test('chunk-size and trailer lines Go refuses cut the body; those it accepts are relayed', async (t) => {
  const lines: Record<string, string> = {};
  const backend = await startRawBackend((socket, head) => {
    const key = decodeURIComponent(head.split(' ')[1]?.slice(1) ?? '');
    socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${lines[key] ?? ''}`, 'latin1');
  });
  t.after(() => backend.close());
  const port = await proxyPortInFrontOf(t, backend.url);
  const body = (line: string, trailer = ''): string => `${line}\r\nhello\r\n0\r\n${trailer}\r\n`;
  const accepted = [body('5 \t'), body('5;a=b '), body('5;\x00\x01\x7f'), body('0000000000000005'), body(`5;${'x'.repeat(4093)}`), body('5', 'X-Sum: 1\r\n')];
  const refused = [
    body('5 junk'), body('5 ;a=b'), body(';a=b'), body('00000000000000005'), body('5;a\rb'), body(`5;${'x'.repeat(4094)}`),
    `${`1;${'x'.repeat(114)}\r\nh\r\n`.repeat(200)}0\r\n\r\n`,
    body('5', 'no colon here\r\n'), body('5', 'Bad Name: x\r\n'), body('5', 'X-Sum: a\x01b\r\n'),
  ];
  for (const [index, wire] of [...accepted, ...refused].entries()) {
    lines[String(index)] = wire;
    const { text, closed } = await rawExchange(port, [GET(`/${index}`)], /\r\n0\r\n\r\n$|Bad Gateway$/, 3000);
    const label = JSON.stringify(wire.slice(0, 40));
    if (index < accepted.length) {
      assert.match(text, WHOLE, `accepted ${label}`);
    } else {
      assert.doesNotMatch(text, /\r\n0\r\n\r\n$/, `refused ${label}: the body never ends`);
      assert.ok(closed || /^HTTP\/1\.1 502 /.test(text), `refused ${label}: cut or 502, got ${JSON.stringify(text.slice(0, 80))}`);
    }
  }
});

test('a backend\'s endless chunk line is refused after 4 KiB: pe-edge stops reading it and cuts the client at once', async (t) => {
  let written = 0;
  let upstreamClosed = false;
  const backend = await startRawBackend((socket: net.Socket) => {
    socket.on('close', () => (upstreamClosed = true));
    socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;');
    const piece = Buffer.alloc(16 * 1024, 'x');
    // Paced by what pe-edge (and the kernel's buffers) take: at most 64 MiB, unless pe-edge closes the connection.
    const more = (): void => {
      while (!socket.destroyed && written < 64 * 1024 * 1024) {
        written += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', more);
      }
    };
    more();
  });
  t.after(() => backend.close());
  const port = await proxyPortInFrontOf(t, backend.url);
  const started = Date.now();
  const { text, closed } = await rawExchange(port, [GET('/endless')], /never/, 5000);
  assert.ok(closed, 'the client\'s connection is cut');
  assert.ok(Date.now() - started < 3000, 'at once, not when the backend gives up');
  assert.doesNotMatch(text, /\r\n0\r\n\r\n$/);
  for (let i = 0; i < 50 && !upstreamClosed; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(upstreamClosed, 'the upstream connection is closed');
  assert.ok(written < 64 * 1024 * 1024, `pe-edge stopped reading before the backend's line ended (${written} bytes written)`);
});
