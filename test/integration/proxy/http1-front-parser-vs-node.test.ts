import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseLeanRequest } from '../../../proxy/entrypoints/http1-front/request-head.js';

// The lean front must never accept a head that node:http would refuse or read differently: whatever it
// serves itself has to mean exactly what node:http would have made of it (request smuggling hides in
// such differences). Every head the front accepts here is also sent to a real node:http server, and
// the method, target and headers both saw are compared. Heads the front refuses go to node:http in
// production, so they need no comparison.

const BASE = ['GET /path?q=1 HTTP/1.1', 'Host: app.test', 'User-Agent: t/1', 'Accept: */*'];

/** Deterministic variations of a valid head: separators, whitespace, control bytes, repeats, targets. */
function variants(): string[] {
  const out: string[] = [BASE.join('\r\n')];
  const inserts = ['\r', '\n', '\0', '\t', ' ', '\x7f', '\x01', 'é', ':', ' \t ', '\r\n ', '\r\n\t', '"'];
  const joined = BASE.join('\r\n');
  for (let at = 0; at <= joined.length; at += 3) {
    for (const ins of inserts) out.push(joined.slice(0, at) + ins + joined.slice(at));
  }
  for (let line = 0; line < BASE.length; line++) {
    const copy = [...BASE];
    copy.splice(line, 1);
    out.push(copy.join('\r\n'));
    out.push([...BASE, BASE[line] as string].join('\r\n'));
  }
  for (const extra of ['Content-Length: 0', 'Content-Length: 00', 'Content-Length: 5', 'Transfer-Encoding: chunked',
    'Connection: close', 'Connection: keep-alive, Upgrade', 'Expect: 100-continue', 'Upgrade: websocket', 'X-Empty:',
    'X-Spaces:    padded   ', 'host: second.test', 'HOST: app.test', 'Cookie: a=1', 'Cookie: b=2',
    // Content-Length spellings: the front reads plain digits; node:http is the judge of every other one.
    'Content-Length: 007', 'Content-Length:  5  ', 'Content-Length: 5, 5', 'Content-Length: +5', 'Content-Length: -5',
    'Content-Length: 0x5', 'Content-Length: 5 5', 'Content-Length: 5.0', 'Content-Length: 1e1', 'Content-Length:',
    'Content-Length: 99999999999999999999', 'Content-Length: 5\r\nContent-Length: 5', 'Content-Length: 5\r\nContent-Length: 6',
    'Content-Length: 5\r\nTransfer-Encoding: chunked', 'Content-Length: 5\r\nExpect: 100-continue', 'Expect: 100-CONTINUE',
    'Expect: 100-continue, foo', 'Expect: foo']) {
    out.push([...BASE, extra].join('\r\n'));
  }
  for (const target of ['/', '/a%20b', '/a b', '*', 'http://app.test/x', '/#frag', '/?', '//x', '/\x7f', '/é']) {
    out.push([`GET ${target} HTTP/1.1`, ...BASE.slice(1)].join('\r\n'));
  }
  for (const line of ['get / HTTP/1.1', 'GET / HTTP/1.0', 'GET / HTTP/2.0', 'GET  / HTTP/1.1', 'GET / http/1.1', 'G(ET / HTTP/1.1', 'GET / HTTP/1.1 ']) {
    out.push([line, ...BASE.slice(1)].join('\r\n'));
  }
  return out;
}

interface Seen { method: string; url: string; headers: Record<string, string | string[] | undefined>; bodyBytes: number }

test('every head the lean front accepts, node:http accepts with the same method, target, headers and body length', async (t) => {
  let last: Seen | null = null;
  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      last = { method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, bodyBytes };
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const port = (server.address() as AddressInfo).port;
  const fakeSocket = new net.Socket();

  let accepted = 0;
  const differences: string[] = [];
  for (const head of variants()) {
    const lean = parseLeanRequest(head, fakeSocket);
    if (lean === null) continue;
    accepted++;
    last = null;
    // The body, as long as the front read its Content-Length: node:http must count as many bytes.
    const status = await sendRaw(port, head + '\r\n\r\n' + 'b'.repeat(lean.contentLength));
    const seen = last as Seen | null;
    if (status !== 200 || seen === null) {
      differences.push(`node:http answered ${status} to ${JSON.stringify(head)}`);
      continue;
    }
    const ours = JSON.stringify([lean.method, lean.url, lean.headers, lean.contentLength]);
    const theirs = JSON.stringify([seen.method, seen.url, seen.headers, seen.bodyBytes]);
    if (ours !== theirs) differences.push(`${JSON.stringify(head)}: front ${ours}, node:http ${theirs}`);
  }
  assert.deepEqual(differences, []);
  assert.ok(accepted >= 20, `the front accepted ${accepted} variants (the comparison must cover real cases)`);
});

/** Sends one raw request; resolves with the final status code (1xx skipped), or 0 when the connection ended without one. */
function sendRaw(port: number, raw: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(raw, 'latin1'));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const match = /^(?:HTTP\/1\.1 1\d\d [^\r]*\r\n\r\n)*HTTP\/1\.1 (\d{3})/.exec(text);
      if (match !== null) { socket.destroy(); resolve(Number(match[1])); }
    });
    socket.on('error', () => resolve(0));
    socket.on('close', () => resolve(0));
    socket.setTimeout(2000, () => socket.destroy());
  });
}
