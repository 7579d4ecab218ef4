// Path middlewares write Go's RawPath as bytes (configured text as its UTF-8 bytes, captured parts as received) and
// never escape; the path is escaped once, as Go's EscapedPath() does, when it goes upstream. Expected targets are
// what Traefik sends (net/url setPath/EscapedPath/validEncoded over the middlewares' RawPath and Path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startRawBackend } from '../../support/raw-backend.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { rawExchange } from '../../support/raw-exchange.js';
import type { BuildInput } from '../../../proxy/index.js';

type Middlewares = BuildInput['http']['middlewares'];

async function edge(t: { after: (fn: () => Promise<void>) => void }) {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  t.after(() => backend.close());
  const route = (prefix: string, name: string) => ({ rule: `PathPrefix(\`${prefix}\`)`, service: 's', middlewares: [name] });
  const middlewares: Middlewares = {
    'rpr@file': { replacePathRegex: { regex: '^/rp/(.*)', replacement: '/x/$1' } },
    'rpru@file': { replacePathRegex: { regex: '^/ru/(.*)', replacement: '/é€/$1' } },
    'ap@file': { addPrefix: { prefix: '/p"q' } },
    'apu@file': { addPrefix: { prefix: '/é' } },
    'rp@file': { replacePath: { path: '/a b%2Fc' } },
    'rpu@file': { replacePath: { path: '/é x' } },
    'rps@file': { replacePathRegex: { regex: '^/rs/(.*)', replacement: '/x%2F$1' } },
    'rsch@file': { redirectScheme: { scheme: 'https' } },
    'sp@file': { stripPrefix: { prefixes: ['/sp'] } },
  } as Middlewares;
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'rpr@file': route('/rp/', 'rpr@file'),
        'rpru@file': route('/ru/', 'rpru@file'),
        'ap@file': route('/ap/', 'ap@file'),
        'apu@file': route('/au/', 'apu@file'),
        'rp@file': route('/rep', 'rp@file'),
        'rpu@file': route('/reu', 'rpu@file'),
        'rps@file': route('/rs/', 'rps@file'),
        'rsch@file': route('/go-https/', 'rsch@file'),
        'sp@file': route('/sp', 'sp@file'),
      },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares,
    },
  }));
  t.after(() => proxy.close(0));
  return { backend, port: proxy.port('web') };
}

const target = (head: string | undefined): string => (head ?? '').split(' ')[1] ?? '';
const header = (head: string | undefined, name: string): string | undefined =>
  new RegExp(`\\r\\n${name}: ([^\\r]*)`, 'i').exec(head ?? '')?.[1];

async function h1(port: number, path: string): Promise<void> {
  const { text } = await rawExchange(port, [`GET ${path} HTTP/1.1\r\nHost: app.test\r\n\r\n`], /ok$/, 3000);
  assert.match(text, /^HTTP\/1\.1 200 /, `${path}: ${text.slice(0, 60)}`);
}

async function h2(port: number, path: string): Promise<void> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const stream = session.request({ ':path': path, ':authority': 'app.test' });
    const status = await new Promise<number>((resolve, reject) => {
      stream.on('response', (h) => resolve(Number(h[':status'])));
      stream.on('error', reject);
    });
    stream.resume();
    assert.equal(status, 200, JSON.stringify(path));
  } finally {
    session.close();
  }
}

test('replacePathRegex over HTTP/2: a raw byte captured goes up as Go escapes its byte (%FF), X-Replaced-Path escaped as sanitizePath leaves the path', async (t) => {
  const { backend, port } = await edge(t);
  await h2(port, '/rp/a\xffb');
  const head = backend.heads.at(-1);
  assert.equal(target(head), '/x/a%FFb');
  assert.equal(header(head, 'X-Replaced-Path'), '/rp/a%FFb');
});

test('addPrefix with a quote: Go escapes Path, so an escaped slash of the path goes up decoded', async (t) => {
  const { backend, port } = await edge(t);
  for (const [sent, expected] of [['/ap/a%2Fb', '/p%22q/ap/a/b'], ['/ap/x', '/p%22q/ap/x'], ['/ap/a%25b', '/p%22q/ap/a%25b']]) {
    await h1(port, sent as string);
    assert.equal(target(backend.heads.at(-1)), expected, sent);
  }
  await h2(port, '/ap/a%2Fb');
  assert.equal(target(backend.heads.at(-1)), '/p%22q/ap/a/b');
});

test('replacePath with a space and %2F: Go escapes Path (%20, / decoded); X-Replaced-Path is the path received', async (t) => {
  const { backend, port } = await edge(t);
  await h1(port, '/rep%2Fz');
  const head = backend.heads.at(-1);
  assert.equal(target(head), '/a%20b/c');
  assert.equal(header(head, 'X-Replaced-Path'), '/rep%2Fz');
});

test('configured non-ASCII text goes up as its UTF-8 bytes, escaped', async (t) => {
  const { backend, port } = await edge(t);
  await h1(port, '/reu');
  assert.equal(target(backend.heads.at(-1)), '/%C3%A9%20x');
  await h1(port, '/au/%C3%A9%2F');
  assert.equal(target(backend.heads.at(-1)), '/%C3%A9/au/%C3%A9/');
  await h1(port, '/au/v');
  assert.equal(target(backend.heads.at(-1)), '/%C3%A9/au/v');
  await h1(port, '/ru/a%2Fb');
  assert.equal(target(backend.heads.at(-1)), '/%C3%A9%E2%82%AC/a/b');
  await h2(port, '/ru/a\xffb');
  assert.equal(target(backend.heads.at(-1)), '/%C3%A9%E2%82%AC/a%FFb');
});

test('paths Go sends unchanged stay unchanged through the rewrites: %2F, %25, %C3%A9, ; and *', async (t) => {
  const { backend, port } = await edge(t);
  for (const [sent, expected] of [
    ['/rp/a%2Fb%25c%C3%A9;*', '/x/a%2Fb%25c%C3%A9;*'],
    ['/ap/a%2Fb%25c%C3%A9;*', '/p%22q/ap/a/b%25c%C3%A9;%2A'],
  ]) {
    await h1(port, sent as string);
    assert.equal(target(backend.heads.at(-1)), expected, sent);
  }
});

test('a raw quote is escaped by the entrypoint\'s sanitizePath before any middleware, as Traefik\'s JoinPath leaves it: what replacePathRegex matches and writes, X-Replaced-Path, a redirect\'s Location', async (t) => {
  const { backend, port } = await edge(t);
  await h1(port, '/rs/a"b');
  const head = backend.heads.at(-1);
  // The regexp saw /rs/a%22b: its %2F is kept, not decoded by a later escaping of a raw quote.
  assert.equal(target(head), '/x%2Fa%22b');
  assert.equal(header(head, 'X-Replaced-Path'), '/rs/a%22b');
  const { text } = await rawExchange(port, ['GET /go-https/a"b HTTP/1.1\r\nHost: app.test\r\n\r\n'], /\r\n\r\n/, 3000);
  assert.match(text, /\r\nLocation: https:\/\/app\.test\/go-https\/a%22b\r\n/i, text);
});

test('stripPrefix: an escaped slash right after the prefix goes up as Go sends the stripped path (/users), an escape further on as it came', async (t) => {
  const { backend, port } = await edge(t);
  const cases: [string, string][] = [['/sp%2Fusers', '/users'], ['/sp/a%2Fb', '/a%2Fb'], ['/sp/users', '/users']];
  for (const [sent, expected] of cases) {
    await h1(port, sent);
    assert.equal(target(backend.heads.at(-1)), expected, sent);
  }
});
