// The lean front keeps a connection's last header lines parsed, and the upstream pool its last response head
// (LastParse): each request gets a copy (copyOfBag) that the middlewares edit. Through the real CLI, on one
// keep-alive connection, pipelined, with the same header lines every time and a backend that answers every time
// with the same head: what the middlewares add or remove on one route never reaches the next request or answer of
// another route, headers named like Object.prototype's members included. Fails when the request fields' headers are
// handed out uncopied (the guarded route then passes on credentials only the edit route's middleware set); on the
// answer's side the forwarder copies the head before any middleware edits it, so this checks the outcome only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCliWithDynamic, TempConfigDir } from '../../support/cli-process.js';
import { rawExchange } from '../../support/raw-exchange.js';

/** One answer read off the connection: its header lines (lower-case names, in order) and its body. */
interface RawAnswer { status: string; headers: [string, string][]; body: string }

/** Answers framed as this backend frames them through pe-edge (chunked, one chunk then the last one). */
function answers(text: string): RawAnswer[] {
  const out: RawAnswer[] = [];
  for (const part of text.split(/(?=HTTP\/1\.1 \d{3} )/)) {
    const end = part.indexOf('\r\n\r\n');
    if (end < 0) continue;
    const [statusLine = '', ...lines] = part.slice(0, end).split('\r\n');
    const headers = lines.map((line): [string, string] => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]);
    out.push({ status: statusLine.slice(9, 12), headers, body: /\{.*\}/.exec(part.slice(end))?.[0] ?? '' });
  }
  return out;
}

/** A request header the backend saw, never one its object inherits (`constructor`). */
const sent = (headers: Record<string, string>, name: string): string | undefined => (Object.hasOwn(headers, name) ? headers[name] : undefined);
const SEED_USER = 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';

const values = (answer: RawAnswer, name: string): string[] => answer.headers.filter(([n]) => n === name).map(([, v]) => v);

test('kept request fields and kept response heads: one route\'s added and removed headers never reach the next request or answer on another route', { timeout: 30_000 }, async (t) => {
  // The same head every time (no Date, chunked): the pool's kept parse answers from the second answer on.
  const backend = http.createServer((req, res) => {
    res.sendDate = false;
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('Constructor', 'from-backend');
    res.setHeader('X-Backend', 'b');
    // Written before end: chunked, so the head does not vary with the body's length.
    res.write(JSON.stringify({ url: req.url, headers: req.headers }));
    res.end();
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const { port } = await startCliWithDynamic(t, dir, [
    'http:',
    `  services: { app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${(backend.address() as AddressInfo).port}" }] } } }`,
    '  middlewares:',
    '    strip: { stripPrefix: { prefixes: ["/edit"] } }',
    '    edit:',
    '      headers:',
    // test:test, which the guarded route asks for: a request that kept it would pass basicAuth without sending it.
    '        customRequestHeaders: { X-Added: "by-edit", User-Agent: "", Constructor: "by-edit", Authorization: "Basic dGVzdDp0ZXN0" }',
    '        customResponseHeaders: { X-Resp-Added: "by-edit", Set-Cookie: "", X-Backend: "", Constructor: "by-edit" }',
    `    auth: { basicAuth: { users: ["${SEED_USER}"] } }`,
    '  routers:',
    '    edit: { rule: "PathPrefix(`/edit`)", entryPoints: [web], service: app, middlewares: [strip, edit] }',
    '    plain: { rule: "PathPrefix(`/plain`)", entryPoints: [web], service: app }',
    '    guarded: { rule: "PathPrefix(`/guarded`)", entryPoints: [web], service: app, middlewares: [auth] }',
  ].join('\n') + '\n');

  // The same header lines after every request line: from the second request on, the front's kept parse.
  const fields = 'Host: app.test\r\nUser-Agent: raw/1\r\nAccept: */*\r\n\r\n';
  const order = ['/edit/1', '/plain/2', '/guarded/3', '/edit/4', '/guarded/5', '/plain/6', '/plain/7', '/edit/8', '/plain/9'];
  const { text } = await rawExchange(port, [order.map((path) => `GET ${path} HTTP/1.1\r\n${fields}`).join('')], /"\/plain\/9"[^]*\r\n0\r\n\r\n/, 10_000);
  const got = answers(text);
  assert.deepEqual(got.map((a) => a.status), order.map((path) => (path.startsWith('/guarded') ? '401' : '200')), text);
  for (const [i, path] of order.entries()) {
    const answer = got[i] as RawAnswer;
    if (path.startsWith('/guarded')) continue;
    const seen = JSON.parse(answer.body) as { url: string; headers: Record<string, string> };
    if (path.startsWith('/edit')) {
      assert.equal(seen.url, path.slice('/edit'.length), path);
      assert.deepEqual(['x-added', 'x-forwarded-prefix', 'user-agent', 'constructor'].map((name) => sent(seen.headers, name)), ['by-edit', '/edit', undefined, 'by-edit'], path);
      assert.deepEqual([values(answer, 'x-resp-added'), values(answer, 'set-cookie'), values(answer, 'x-backend'), values(answer, 'constructor')], [['by-edit'], [], [], ['by-edit']], path);
    } else {
      assert.equal(seen.url, path, path);
      assert.deepEqual(['x-added', 'x-forwarded-prefix', 'user-agent', 'constructor'].map((name) => sent(seen.headers, name)), [undefined, undefined, 'raw/1', undefined], path);
      assert.deepEqual([values(answer, 'x-resp-added'), values(answer, 'set-cookie'), values(answer, 'x-backend'), values(answer, 'constructor')], [[], ['a=1', 'b=2'], ['b'], ['from-backend']], path);
    }
  }
});
