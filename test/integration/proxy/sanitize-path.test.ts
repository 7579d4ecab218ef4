import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { EncodedCharactersOptions } from '../../../proxy/http/encoded-characters.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// entryPoints.<ep>.http.sanitizePath (Traefik v3.3.6+, default true): `nx-admin` is behind basicAuth, `nx-public`
// is open. A request for /public/../admin/secret must not reach the backend through nx-public, where a
// backend that resolves dot segments (nginx) would serve /admin/secret. Raw bytes on the wire, so no client
// library cleans the path first.

const USER = `admin:{SHA}${createHash('sha1').update('secret').digest('base64')}`;
const AUTH = `Basic ${Buffer.from('admin:secret').toString('base64')}`;

interface Setup {
  port: number;
  /** Paths the backend received, oldest first. */
  seen: () => string[];
  cert: string;
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, opts: { publicMiddleware?: boolean; sanitizePath?: boolean; encodedCharacters?: EncodedCharactersOptions } = {}): Promise<Setup> {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('nx.test', ['nx.test']);
  const app = await startBackend('app');
  t.after(() => app.close());
  // A middleware sends nx-public through node:http; without one the lean HTTP/1.1 front serves it.
  const publicMiddlewares = opts.publicMiddleware === true ? { middlewares: ['tag'] } : {};
  const routers = {
    'nx-admin@file': { rule: 'Host(`nx.test`) && PathPrefix(`/admin`)', service: 'app', middlewares: ['auth'] },
    'nx-public@file': { rule: 'PathPrefix(`/public`)', service: 'app', ...publicMiddlewares },
    'nx-admin-tls@file': { rule: 'Host(`nx.test`) && PathPrefix(`/admin`)', service: 'app', middlewares: ['auth'], tls: {} },
    'nx-public-tls@file': { rule: 'PathPrefix(`/public`)', service: 'app', tls: {}, ...publicMiddlewares },
  };
  const input = buildInput({
    http: {
      routers,
      services: { 'app@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: {
        'auth@file': { basicAuth: { users: [USER], usersFile: '', realm: 'traefik', headerField: '', removeHeader: false } },
        'tag@file': { headers: { customResponseHeaders: { 'X-Public': 'yes' } } },
      },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  });
  const proxy = await startProxy(input, [entryPointOptions('web', '127.0.0.1:0', {
    sanitizePath: opts.sanitizePath ?? true,
    encodedCharacters: opts.encodedCharacters ?? null,
  })]);
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), seen: () => app.seen.map((s) => s.url), cert: cert.cert };
}

interface Answer {
  status: number;
  body: string;
}

/** One request with exactly these bytes in the request line, on its own connection (plain or TLS with ALPN http/1.1). */
async function rawGet(port: number, target: string, secure: boolean, extra = ''): Promise<Answer> {
  const socket: net.Socket = secure
    ? tls.connect({ host: '127.0.0.1', port, servername: 'nx.test', ALPNProtocols: ['http/1.1'], rejectUnauthorized: false })
    : net.connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  await new Promise<void>((resolve, reject) => {
    socket.once(secure ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(`GET ${target} HTTP/1.1\r\nHost: nx.test\r\n${extra}Connection: close\r\n\r\n`, 'latin1');
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('end', () => resolve());
  });
  socket.destroy();
  const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return { status: status === null ? 0 : Number(status[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

async function h2Get(port: number, cert: string, path: string, headers: http2.OutgoingHttpHeaders = {}): Promise<Answer> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: cert, servername: 'nx.test' });
  session.on('error', () => undefined);
  try {
    return await new Promise<Answer>((resolve, reject) => {
      const stream = session.request({ ':method': 'GET', ':path': path, ':authority': 'nx.test', ...headers });
      let status = 0;
      let body = '';
      stream.setEncoding('utf8');
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
    });
  } finally {
    session.destroy();
  }
}

/** A `.` or `..` segment, literal or percent-encoded (dots, or the slashes around it), in the path of a request target. */
function hasDotSegment(target: string): boolean {
  const path = target.split('?')[0] ?? '';
  return path.split(/\/|%2F|%5C/i).some((segment) => {
    const decoded = segment.replace(/%2e/gi, '.');
    return decoded === '.' || decoded === '..';
  });
}

/** Every spelling of the traversal: each must reach nx-admin (401 from basicAuth), as with Traefik. */
const TRAVERSALS = [
  '/public/../admin/secret',
  '/public/%2e%2e/admin/secret',
  '/public/.%2e/admin/secret',
  '/public/%2E./admin/secret',
  '/public/./../admin/secret',
  '/public//../admin/secret',
  '/public/x/../../admin/secret',
  '/public/%2e/%2e%2e/admin/secret?x=1',
];

/** Requests nx-public keeps, and the path the backend must get for each (Traefik's cleaned, normalised path). */
const KEPT: [string, string][] = [
  ['/public/a/./b//c', '/public/a/b/c'],
  ['/../public/x', '/public/x'],
  ['/public/x/..', '/public'],
  ['/public/.well-known/a..b', '/public/.well-known/a..b'],
];

/**
 * Traefik's own case: `..%2F` is one segment, the encoded slash stays and nothing is cleaned across it, so
 * Traefik routes it to nx-public and forwards it; a backend decoding %2F before resolving dot segments would
 * serve /admin/secret. pe-edge routes it the same and then refuses it (400), so no such path reaches a backend.
 */
const HIDDEN = ['/public/..%2fadmin/secret', '/public/%2e%2e%2Fadmin/secret', '/public/..%5Cadmin/secret', '/public/x%2F..%2F..%2Fadmin/secret'];

async function checkFront(t: { after: (fn: () => Promise<void> | void) => void }, secure: boolean, publicMiddleware: boolean): Promise<void> {
  const { port, seen } = await setup(t, { publicMiddleware });
  for (const target of TRAVERSALS) {
    const answer = await rawGet(port, target, secure);
    assert.equal(answer.status, 401, `${target} is routed to nx-admin`);
  }
  assert.deepEqual(seen(), [], 'basicAuth stopped every traversal');
  const authed = await rawGet(port, '/public/../admin/secret', secure, `Authorization: ${AUTH}\r\n`);
  assert.equal(authed.status, 200);
  assert.equal(seen().at(-1), '/admin/secret');
  for (const target of HIDDEN) {
    const before = seen().length;
    assert.equal((await rawGet(port, target, secure)).status, 400, target);
    assert.equal(seen().length, before, `${target} reached no backend`);
  }
  for (const [target, forwarded] of KEPT) {
    const answer = await rawGet(port, target, secure);
    assert.equal(answer.status, 200, target);
    assert.equal(seen().at(-1), forwarded, target);
  }
  for (const url of seen()) assert.equal(hasDotSegment(url), false, `the backend got a dot segment: ${url}`);
}

test('plain HTTP, lean front: dot segments are resolved before routing; the backend never sees one', async (t) => {
  await checkFront(t, false, false);
});

test('plain HTTP, node:http (router with a middleware): the same', async (t) => {
  await checkFront(t, false, true);
});

test('HTTPS HTTP/1.1: the same', async (t) => {
  await checkFront(t, true, false);
});

test('HTTPS HTTP/2: the same for :path', async (t) => {
  const { port, seen, cert } = await setup(t);
  for (const target of TRAVERSALS) assert.equal((await h2Get(port, cert, target)).status, 401, target);
  assert.equal((await h2Get(port, cert, '/public/../admin/secret', { authorization: AUTH })).status, 200);
  assert.equal(seen().at(-1), '/admin/secret');
  for (const [target, forwarded] of KEPT) {
    assert.equal((await h2Get(port, cert, target)).status, 200, target);
    assert.equal(seen().at(-1), forwarded, target);
  }
  for (const url of seen()) assert.equal(hasDotSegment(url), false, `the backend got a dot segment: ${url}`);
});

test('sanitizePath: false keeps the received path for routing and forwarding, as Traefik does', async (t) => {
  const { port, seen } = await setup(t, { sanitizePath: false });
  const answer = await rawGet(port, '/public/../admin/secret', false);
  assert.equal(answer.status, 200, 'nx-public takes it, unauthenticated');
  assert.equal(seen().at(-1), '/public/../admin/secret');
  await rawGet(port, '/public/a//b', false);
  assert.equal(seen().at(-1), '/public/a//b');
});

test('encodedCharacters.allowEncodedSlash: false answers 400 to a routed path holding %2F, before any middleware', async (t) => {
  const { port, seen } = await setup(t, {
    encodedCharacters: {
      allowEncodedSlash: false,
      allowEncodedBackSlash: true,
      allowEncodedNullCharacter: true,
      allowEncodedSemicolon: true,
      allowEncodedPercent: true,
      allowEncodedQuestionMark: true,
      allowEncodedHash: true,
    },
  });
  for (const target of ['/public/..%2fadmin/secret', '/public/a%2Fb', '/admin/a%2fb']) {
    const answer = await rawGet(port, target, false);
    assert.equal(answer.status, 400, target);
    assert.equal(answer.body, '');
  }
  assert.equal((await rawGet(port, '/nowhere%2f', false)).status, 404, 'no router, no check (Traefik checks in the router chain)');
  assert.equal((await rawGet(port, '/public/a%5cb', false)).status, 200, 'backslash still allowed');
  assert.equal((await rawGet(port, '/public/../admin/secret', false)).status, 401);
  assert.deepEqual(seen(), ['/public/a%5Cb']);
});

test('a malformed escape never hides the escape after it: %%2f and %2%5c get 400 with allowEncodedSlash/BackSlash false', async (t) => {
  const { port, seen, cert } = await setup(t, {
    sanitizePath: false,
    encodedCharacters: {
      allowEncodedSlash: false,
      allowEncodedBackSlash: false,
      allowEncodedNullCharacter: true,
      allowEncodedSemicolon: true,
      allowEncodedPercent: true,
      allowEncodedQuestionMark: true,
      allowEncodedHash: true,
    },
  });
  for (const target of ['/public/a%%2fb', '/public/x%2%5cy', '/public/..%/..%/admin', '/public/%zz%2f']) {
    assert.equal((await rawGet(port, target, false)).status, 400, `lean front ${target}`);
    assert.equal((await rawGet(port, target, false, 'Content-Length: 0\r\n')).status, 400, `node:http ${target}`);
    assert.equal((await h2Get(port, cert, target)).status, 400, `HTTP/2 ${target}`);
  }
  assert.deepEqual(seen(), []);
});

test('a path whose % starts no escape gets 400 on every router, as Go\'s server refuses it before Traefik', async (t) => {
  const { port, seen, cert } = await setup(t);
  for (const target of ['/public/a%zz', '/public/a%2', '/public/a%', '/nowhere%g0']) {
    const lean = await rawGet(port, target, false);
    assert.equal(lean.status, 400, `lean front ${target}`);
    assert.equal(lean.body, '400 Bad Request');
    assert.equal((await rawGet(port, target, false, 'Content-Length: 0\r\n')).status, 400, `node:http ${target}`);
    assert.equal((await h2Get(port, cert, target)).status, 400, `HTTP/2 ${target}`);
  }
  assert.equal((await rawGet(port, '/public/a%41%2f', false)).status, 200, 'well-formed escapes pass');
  assert.equal((await rawGet(port, '/public/a?q=%zz', false)).status, 200, 'the query is not the path (Go keeps it raw)');
  assert.deepEqual(seen(), ['/public/aA%2F', '/public/a?q=%zz']); // sanitizePath decodes unreserved escapes
});
