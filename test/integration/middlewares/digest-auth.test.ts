// digestAuth on loopback: Traefik's challenge, RFC 2617 qop=auth, nonce counts (replay, stale), htdigest users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLabels, validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';
import { createAccessLogHook } from '../../../proxy/observability/access-log-hook.js';
import type { RequestContext } from '../../../proxy/http/request-context.js';

// Made by Debian's htdigest (apache2-utils 2.4): `htdigest -c f traefik alice` (s3cret), `htdigest f other bob` ('pa:ss w0rd').
const ALICE = 'alice:traefik:7541a2dad1dbec71cf3e6accf10aa829';
const BOB_OTHER_REALM = 'bob:other:31f6a5d8b1a762fab7a110de1e1b283c';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const CHALLENGE = /^Digest realm="([^"]*)", nonce="([A-Za-z0-9+/]{16})", opaque="([A-Za-z0-9+/]{16})", (stale="true", )?algorithm="MD5", qop="auth"$/;

async function setup(t: { after: (fn: () => Promise<void>) => void }, digestAuth: Record<string, unknown>, onDone?: (ctx: RequestContext) => void) {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { auth: { digestAuth } } } });
  assert.deepEqual(issues, []);
  const app = await startBackend('app');
  t.after(() => app.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['auth'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: { 'auth@file': config.http.middlewares.auth as Record<string, unknown> },
    },
  }), [entryPointOptions('web', '127.0.0.1:0', onDone === undefined ? {} : { onDone })]);
  t.after(() => proxy.close(0));
  return { app, proxy, port: proxy.port('web') };
}

interface Challenge { realm: string; nonce: string; opaque: string; stale: boolean }

function challengeOf(header: string | string[] | undefined): Challenge {
  const m = CHALLENGE.exec(String(header));
  assert.ok(m, `challenge ${String(header)}`);
  return { realm: m[1] as string, nonce: m[2] as string, opaque: m[3] as string, stale: m[4] !== undefined };
}

/** A client's Authorization for qop=auth, computed here from the password (RFC 2617 §3.2.2). */
function authorization(c: Challenge, user: string, password: string, method: string, uri: string, nc: string): string {
  const cnonce = '0a4f113b';
  const ha1 = md5(`${user}:${c.realm}:${password}`);
  const response = md5(`${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
  return `Digest username="${user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", opaque="${c.opaque}"`;
}

test('digestAuth: no credentials ⇒ Traefik\'s 401 challenge; the htdigest user passes with the right password', async (t) => {
  const { app, port } = await setup(t, { users: [ALICE], headerField: 'X-WebAuth-User' });
  const denied = await httpRequest({ port, path: '/secret?x=1' });
  assert.equal(denied.status, 401);
  assert.equal(denied.headers['content-type'], 'text/plain');
  assert.equal(denied.body, '401 Unauthorized\n');
  const c = challengeOf(denied.headers['www-authenticate']);
  assert.equal(c.realm, 'traefik');
  assert.equal(c.stale, false);
  assert.equal(app.seen.length, 0);

  const wrong = await httpRequest({ port, path: '/secret?x=1', headers: { authorization: authorization(c, 'alice', 'nope', 'GET', '/secret?x=1', '00000001') } });
  assert.equal(wrong.status, 401);
  const ok = await httpRequest({ port, path: '/secret?x=1', headers: { authorization: authorization(c, 'alice', 's3cret', 'GET', '/secret?x=1', '00000001') } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'app');
  assert.equal(app.seen[0]?.headers['x-webauth-user'], 'alice');
  assert.match(String(app.seen[0]?.headers.authorization), /^Digest username="alice"/);
  assert.equal(ok.headers['authentication-info'], undefined, 'Traefik sends no Authentication-Info');
});

test('digestAuth nonce counts: a replayed count is refused, a higher one passes, a lower one gets a stale challenge', async (t) => {
  const { app, port } = await setup(t, { users: [ALICE] });
  const c = challengeOf((await httpRequest({ port })).headers['www-authenticate']);
  const send = (nc: string, method = 'GET', body?: string) => httpRequest({ port, method, ...(body === undefined ? {} : { body }), headers: { authorization: authorization(c, 'alice', 's3cret', method, '/', nc) } });
  assert.equal((await send('00000002')).status, 200);
  const replay = await send('00000002');
  assert.equal(replay.status, 401);
  assert.equal(challengeOf(replay.headers['www-authenticate']).stale, false);
  // A POST with a body is served by node:http rather than the lean front: the same nonce table answers.
  assert.equal((await send('00000003', 'POST', 'payload')).status, 200);
  const older = await send('00000001');
  assert.equal(older.status, 401);
  const stale = challengeOf(older.headers['www-authenticate']);
  assert.equal(stale.stale, true);
  assert.notEqual(stale.nonce, c.nonce, 'a stale challenge carries a fresh nonce');
  assert.equal(stale.opaque, c.opaque, 'the opaque value is the instance\'s');
  assert.equal(app.seen.length, 2);
});

test('digestAuth refuses a nonce it never issued, another opaque, a user of another realm, and a uri for another path', async (t) => {
  const { app, port } = await setup(t, { users: [ALICE, BOB_OTHER_REALM] });
  const c = challengeOf((await httpRequest({ port })).headers['www-authenticate']);
  const cases = [
    { path: '/', auth: authorization({ ...c, nonce: 'AAAAAAAAAAAAAAAA' }, 'alice', 's3cret', 'GET', '/', '00000001') },
    { path: '/', auth: authorization({ ...c, opaque: 'BBBBBBBBBBBBBBBB' }, 'alice', 's3cret', 'GET', '/', '00000001') },
    { path: '/', auth: authorization({ ...c, realm: 'other' }, 'bob', 'pa:ss w0rd', 'GET', '/', '00000001') },
    { path: '/', auth: authorization(c, 'bob', 'pa:ss w0rd', 'GET', '/', '00000001') },
    { path: '/a', auth: authorization(c, 'alice', 's3cret', 'GET', '/b', '00000001') },
    { path: '/', auth: authorization(c, 'nobody', '', 'GET', '/', '00000001').replace(/response="[^"]*"/, `response="${md5(`:${c.nonce}:00000001:0a4f113b:auth:${md5('GET:/')}`)}"`) },
  ];
  for (const { path, auth } of cases) assert.equal((await httpRequest({ port, path, headers: { authorization: auth } })).status, 401, auth);
  assert.equal(app.seen.length, 0);
  // go-http-auth lets the credential's uri be a prefix path of the request's (kept for old clients).
  const prefix = await httpRequest({ port, path: '/a/b?q', headers: { authorization: authorization(c, 'alice', 's3cret', 'GET', '/a', '00000001') } });
  assert.equal(prefix.status, 200);
});

test('digestAuth reads an htdigest usersFile (made by htdigest when installed), a custom realm, and removeHeader', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pe-edge-htdigest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'users');
  if (!runHtdigest(file, 'private area', 'carol', 'c4rol')) writeFileSync(file, `# made by hand\n\ncarol:private area:${md5('carol:private area:c4rol')}\n`);
  assert.match(readFileSync(file, 'utf8'), /^carol:private area:[0-9a-f]{32}$/m);
  const { app, port } = await setup(t, { usersFile: file, realm: 'private area', removeHeader: true });
  const c = challengeOf((await httpRequest({ port })).headers['www-authenticate']);
  assert.equal(c.realm, 'private area');
  const ok = await httpRequest({ port, headers: { authorization: authorization(c, 'carol', 'c4rol', 'GET', '/', '00000001') } });
  assert.equal(ok.status, 200);
  assert.equal(app.seen[0]?.headers.authorization, undefined);
});

test('digestAuth from Docker labels builds the same middleware', () => {
  const { config, issues } = decodeLabels({ 'traefik.http.middlewares.auth.digestauth.users': ALICE, 'traefik.http.middlewares.auth.digestauth.removeheader': 'true' });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.http.middlewares.auth, { digestAuth: { users: [ALICE], usersFile: '', realm: 'traefik', headerField: '', removeHeader: true } });
});

/** Runs Debian's htdigest (it reads the password from a terminal: python's pty stands in). False when either is missing. */
function runHtdigest(file: string, realm: string, user: string, password: string): boolean {
  const script = `import os,pty,sys
pid,fd=pty.fork()
if pid==0: os.execvp('htdigest',['htdigest','-c',sys.argv[1],sys.argv[2],sys.argv[3]])
out=b'';sent=0
while True:
  try: d=os.read(fd,1024)
  except OSError: break
  if not d: break
  out+=d
  if out.count(b'password:')>sent: sent+=1; os.write(fd,(sys.argv[4]+'\\n').encode())
sys.exit(os.waitpid(pid,0)[1])`;
  try {
    execFileSync('python3', ['-c', script, file, realm, user, password], { stdio: 'ignore', timeout: 10_000 });
    return readFileSync(file, 'utf8').startsWith(`${user}:${realm}:`);
  } catch {
    return false;
  }
}

test('digestAuth: a realm beyond ASCII goes out in the challenge as its UTF-8 bytes, as Traefik sends it', async (t) => {
  const { port } = await setup(t, { users: [ALICE], realm: 'Zone privée €' });
  const denied = await httpRequest({ port });
  assert.equal(denied.status, 401);
  assert.equal(Buffer.from(challengeOf(denied.headers['www-authenticate']).realm, 'latin1').toString('utf8'), 'Zone privée €');
});

test('digestAuth: a user name beyond ASCII signs in with the UTF-8 name a client sends, as Traefik looks its bytes up', async (t) => {
  const user = 'josé';
  const { app, port } = await setup(t, { users: [`${user}:traefik:${md5(`${user}:traefik:pw`)}`], headerField: 'X-WebAuth-User' });
  const c = challengeOf((await httpRequest({ port })).headers['www-authenticate']);
  // node's client writes a header one byte per character: the name's UTF-8 bytes, as a browser sends them.
  const wire = Buffer.from(user, 'utf8').toString('latin1');
  const ha1 = md5(`${user}:traefik:pw`);
  const response = md5(`${ha1}:${c.nonce}:00000001:0a4f113b:auth:${md5('GET:/')}`);
  const header = `Digest username="${wire}", realm="traefik", nonce="${c.nonce}", uri="/", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b", response="${response}", opaque="${c.opaque}"`;
  const ok = await httpRequest({ port, headers: { authorization: header } });
  assert.equal(ok.status, 200);
  assert.equal(Buffer.from(String(app.seen[0]?.headers['x-webauth-user']), 'latin1').toString('utf8'), user);
});

test('digestAuth: the access log names a user beyond ASCII as text (ClientUsername josé), signed in or refused, as Traefik writes its UTF-8', async (t) => {
  const user = 'josé';
  const file = join(mkdtempSync(join(tmpdir(), 'pe-digest-log-')), 'access.log');
  t.after(() => rmSync(file, { force: true }));
  const hook = createAccessLogHook({ format: 'json', filePath: file } as Parameters<typeof createAccessLogHook>[0]);
  assert.ok(hook !== null);
  const { port } = await setup(t, { users: [`${user}:traefik:${md5(`${user}:traefik:pw`)}`] }, hook);
  const c = challengeOf((await httpRequest({ port })).headers['www-authenticate']);
  const wire = Buffer.from(user, 'utf8').toString('latin1');
  const signed = (password: string, nc: string): string => {
    const response = md5(`${md5(`${user}:traefik:${password}`)}:${c.nonce}:${nc}:0a4f113b:auth:${md5('GET:/')}`);
    return `Digest username="${wire}", realm="traefik", nonce="${c.nonce}", uri="/", algorithm=MD5, qop=auth, nc=${nc}, cnonce="0a4f113b", response="${response}", opaque="${c.opaque}"`;
  };
  assert.equal((await httpRequest({ port, headers: { authorization: signed('pw', '00000001') } })).status, 200);
  assert.equal((await httpRequest({ port, headers: { authorization: signed('wrong', '00000002') } })).status, 401);
  const deadline = Date.now() + 3000;
  let names: unknown[] = [];
  while (Date.now() < deadline && names.length < 3) {
    try { names = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Record<string, unknown>).ClientUsername); } catch { /* not written yet */ }
    if (names.length < 3) await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(names, ['-', user, user]);
});
