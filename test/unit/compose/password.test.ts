import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apr1, htpasswdLine, isSupportedHash, randomPassword, randomSalt, verifyApr1 } from '../../../compose/index.js';

test('apr1 reproduces htpasswd -m vectors', () => {
  const vectors: { password: string; salt: string; hash: string }[] = [
    { password: 'test', salt: 'H6uskkkW', hash: '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/' },
    // The salt may be given as a whole hash; only the 8 salt characters count.
    { password: 'test', salt: '$apr1$H6uskkkW$whatever', hash: '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/' },
  ];
  for (const v of vectors) assert.equal(apr1(v.password, v.salt), v.hash, `${v.password} / ${v.salt}`);
});

test('apr1 round-trips long, unicode and empty passwords with a random salt', () => {
  for (const pw of ['', 'a', 'x'.repeat(40), 'pässwörd-✓', randomPassword()]) {
    const hash = apr1(pw);
    assert.match(hash, /^\$apr1\$[./0-9A-Za-z]{8}\$[./0-9A-Za-z]{22}$/);
    assert.ok(isSupportedHash(hash), hash);
    assert.ok(verifyApr1(pw, hash), `verify ${JSON.stringify(pw)}`);
    assert.ok(!verifyApr1(pw + '!', hash), `reject wrong password for ${JSON.stringify(pw)}`);
  }
});

test('apr1 rejects salts outside the crypt alphabet', () => {
  assert.throws(() => apr1('x', 'bad salt'), /salt "bad salt"/);
  assert.throws(() => apr1('x', ''), /salt/);
});

test('random passwords and salts differ each time and avoid characters that break users lists', () => {
  const passwords = new Set(Array.from({ length: 50 }, () => randomPassword()));
  assert.equal(passwords.size, 50);
  for (const p of passwords) assert.match(p, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(randomSalt(), randomSalt());
});

test('isSupportedHash: hashes Traefik reads, not plain passwords', () => {
  const table: [string, boolean][] = [
    ['$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/', true],
    ['$2y$05$' + 'a'.repeat(53), true],
    ['{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=', true],
    ['hunter2', false],
    ['$apr1$short', false],
    ['', false],
  ];
  for (const [hash, ok] of table) assert.equal(isSupportedHash(hash), ok, hash);
});

test('htpasswdLine refuses user names that would corrupt the users list', () => {
  assert.equal(htpasswdLine('admin', '$apr1$a$b'), 'admin:$apr1$a$b');
  for (const bad of ['', 'a:b', 'a,b', 'a b', 'a$b']) assert.throws(() => htpasswdLine(bad, 'h'), /dashboard user/);
});
