import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import type { Handler, RequestContext } from '../../../proxy/http/request-context.js';
import { createBasicAuth, type BasicAuthOptions } from '../../../proxy/middlewares/auth/basic-auth.js';
import { fakeContext } from './fake-context.js';

const APR1_TEST = 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';
const SHA_SECRET = `sha:{SHA}${createHash('sha1').update('secret').digest('base64')}`;
const MD5_SECRET = 'bsd:$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1';
// Made with libxcrypt (Python's crypt.crypt).
const BCRYPT_2Y = 'bc:$2y$04$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRXVm'; // hunter2
const BCRYPT_2B = 'bc10:$2b$10$ABCDEFGHIJKLMNOPQRSTUuueOfKMKbAzqwWU09ah4Zz.8G1EUntWe'; // hunter2

function options(raw: Record<string, unknown>): BasicAuthOptions {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { m: { basicAuth: raw } } } });
  assert.deepEqual(issues.filter((i) => i.severity !== 'warning'), []);
  return (config.http.middlewares as Record<string, { basicAuth: BasicAuthOptions }>)['m']?.basicAuth as BasicAuthOptions;
}

const basic = (user: string, password: string): [string, string] => ['Authorization', 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')];

/** Waits until the middleware answered or forwarded (bcrypt decides later, on a worker thread). */
async function decided(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function run(raw: Record<string, unknown>, headers: [string, string][] = []) {
  let forwarded: RequestContext | null = null;
  const next: Handler = (c) => { forwarded = c; };
  const { ctx, answer } = fakeContext({ headers });
  createBasicAuth(options(raw), next)(ctx);
  await decided(() => forwarded !== null || answer() !== null);
  return { forwarded: forwarded as RequestContext | null, answer: answer() };
}

const cases: { name: string; raw: Record<string, unknown>; headers: [string, string][]; ok: boolean }[] = [
  { name: 'no credentials', raw: { users: [APR1_TEST] }, headers: [], ok: false },
  { name: 'apr1 good password (seed)', raw: { users: [APR1_TEST] }, headers: [basic('test', 'test')], ok: true },
  { name: 'apr1 wrong password', raw: { users: [APR1_TEST] }, headers: [basic('test', 'nope')], ok: false },
  { name: 'unknown user', raw: { users: [APR1_TEST] }, headers: [basic('other', 'test')], ok: false },
  { name: '{SHA} good password', raw: { users: [SHA_SECRET] }, headers: [basic('sha', 'secret')], ok: true },
  { name: '{SHA} wrong password', raw: { users: [SHA_SECRET] }, headers: [basic('sha', 'Secret')], ok: false },
  { name: '$1$ MD5-crypt good password', raw: { users: [MD5_SECRET] }, headers: [basic('bsd', 'secret')], ok: true },
  { name: 'bcrypt $2y$ good password', raw: { users: [BCRYPT_2Y] }, headers: [basic('bc', 'hunter2')], ok: true },
  { name: 'bcrypt $2y$ wrong password', raw: { users: [BCRYPT_2Y] }, headers: [basic('bc', 'hunter3')], ok: false },
  { name: 'bcrypt $2b$ cost 10 good password', raw: { users: [BCRYPT_2B] }, headers: [basic('bc10', 'hunter2')], ok: true },
  { name: 'malformed bcrypt never matches', raw: { users: ['bc:$2y$04$short'] }, headers: [basic('bc', 'hunter2')], ok: false },
  { name: 'plain-text hash never matches (as Traefik)', raw: { users: ['plain:secret'] }, headers: [basic('plain', 'secret')], ok: false },
  { name: 'scheme is case-insensitive', raw: { users: [APR1_TEST] }, headers: [['Authorization', 'bAsIc ' + Buffer.from('test:test').toString('base64')]], ok: true },
  { name: 'unpadded base64 is rejected (Go StdEncoding)', raw: { users: [APR1_TEST] }, headers: [['Authorization', 'Basic dGVzdDp0ZXN0MQ']], ok: false },
  { name: 'Bearer is not Basic', raw: { users: [APR1_TEST] }, headers: [['Authorization', 'Bearer abc']], ok: false },
];

for (const c of cases) {
  test(`basicAuth: ${c.name}`, async () => {
    const { forwarded, answer } = await run(c.raw, c.headers);
    if (c.ok) {
      assert.ok(forwarded !== null, 'forwarded');
      return;
    }
    assert.equal(forwarded, null);
    assert.deepEqual(answer, {
      status: 401,
      body: '401 Unauthorized\n',
      headers: { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="traefik"', 'content-length': '17' },
    });
  });
}

test('basicAuth: realm in the challenge', async () => {
  const { answer } = await run({ users: [APR1_TEST], realm: 'pe' });
  assert.equal(answer?.headers['www-authenticate'], 'Basic realm="pe"');
});

test('basicAuth: headerField names the user upstream; removeHeader drops Authorization', async () => {
  const { forwarded } = await run({ users: [APR1_TEST], headerField: 'X-WebAuth-User', removeHeader: true }, [basic('test', 'test')]);
  assert.ok(forwarded !== null);
  assert.equal(forwarded.req.headers['x-webauth-user'], 'test');
  assert.equal(forwarded.req.headers.authorization, undefined);
  assert.deepEqual(forwarded.req.rawHeaders, ['Host', 'app.test', 'X-WebAuth-User', 'test']);
});

test('basicAuth: usersFile lines (comments, blanks, no $$ unescaping); inline users win duplicates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pe-basic-auth-'));
  const file = join(dir, 'users');
  writeFileSync(file, `# admins\n\n  ${APR1_TEST}  \n${SHA_SECRET}\n`);
  assert.ok((await run({ usersFile: file }, [basic('test', 'test')])).forwarded !== null);
  assert.ok((await run({ usersFile: file }, [basic('sha', 'secret')])).forwarded !== null);
  // Inline `sha` (password "test") replaces the file's (password "secret").
  const inline = `sha:{SHA}${createHash('sha1').update('test').digest('base64')}`;
  assert.ok((await run({ usersFile: file, users: [inline] }, [basic('sha', 'test')])).forwarded !== null);
  assert.equal((await run({ usersFile: file, users: [inline] }, [basic('sha', 'secret')])).forwarded, null);
});

test('basicAuth: build-time errors name the problem', () => {
  const opts = (o: Partial<BasicAuthOptions>): BasicAuthOptions => ({ users: [], usersFile: '', realm: 'traefik', headerField: '', removeHeader: false, ...o });
  assert.throws(() => createBasicAuth(opts({ users: ['a:$2y$20$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui'] }), () => {}), /user "a": bcrypt cost 20/);
  assert.throws(() => createBasicAuth(opts({ usersFile: '/nonexistent/pe-users' }), () => {}), /usersFile "\/nonexistent\/pe-users"/);
  assert.throws(() => createBasicAuth(opts({ users: ['a:b:c'] }), () => {}), /error parsing BasicUser: a:b:c/);
});

test('basicAuth: a bcrypt user stays valid on repeated logins and a changed password is still refused', async () => {
  let passed = 0;
  const auth = createBasicAuth(options({ users: [BCRYPT_2Y] }), () => { passed++; });
  for (const [password, ok] of [['hunter2', true], ['hunter2', true], ['nope', false], ['hunter2', true]] as const) {
    const before = passed;
    const { ctx, answer } = fakeContext({ headers: [basic('bc', password)] });
    auth(ctx);
    await decided(() => passed > before || answer() !== null);
    assert.equal(passed > before, ok, password);
  }
});
