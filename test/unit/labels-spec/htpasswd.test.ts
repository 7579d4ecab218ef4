import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { htpasswdFormat, htpasswdHashProblem, type HtpasswdFormat } from '../../../labels-spec/htpasswd/htpasswd-format.js';
import { parseHtpasswdSecret } from '../../../labels-spec/htpasswd/htpasswd-secret.js';
import { apr1Hash, md5Crypt } from '../../../labels-spec/htpasswd/md5-crypt.js';
import { htdigestEntry, htpasswdEntry } from '../../../labels-spec/htpasswd/user-entries.js';

// The htpasswd module basicAuth and `pe-edge compose` share. Hashes made by Apache's own htpasswd, every format
// it writes, are checked end to end in test/integration/middlewares/basic-auth-htpasswd.test.ts.

const passes = (hash: string, password: string | Buffer): boolean =>
  parseHtpasswdSecret('u', hash).check(typeof password === 'string' ? Buffer.from(password) : password);

test('md5Crypt: the Apache vector from the reference; apr1Hash reads a salt or a whole hash', () => {
  assert.equal(md5Crypt(Buffer.from('test'), Buffer.from('H6uskkkW'), Buffer.from('$apr1$')).toString(), '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/');
  assert.equal(apr1Hash('test', 'H6uskkkW'), '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/');
  assert.equal(apr1Hash('test', '$apr1$H6uskkkW$anything'), '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/');
  assert.throws(() => apr1Hash('test', 'no salt'), /apr1 salt "no salt"/);
});

// crypt_blowfish's published vectors (a non-canonical last salt character among them), a non-ASCII password
// hashed by libxcrypt, and `$2x$`, which bcryptjs does not know and Go reads as any other minor.
const BCRYPT_VECTORS: [hash: string, password: string][] = [
  ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
  ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy', ''],
  ['$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui', '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored'],
  ['$2b$04$ABCDEFGHIJKLMNOPQRSTUuZ.ICx8cm0GB1TwPh7E5okuihYgbSKqW', 'p\u00e9'],
  ['$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
];

for (const [hash, password] of BCRYPT_VECTORS) {
  test(`bcrypt (bcryptjs): ${hash}`, () => {
    assert.ok(passes(hash, password), 'the right password passes');
    assert.ok(!passes(hash, 'x' + password), 'another one does not');
  });
}

test('bcrypt: the remembered last good password never lets a different one in', () => {
  const secret = parseHtpasswdSecret('u', BCRYPT_VECTORS[0]?.[0] as string);
  for (const [password, ok] of [['U*U', true], ['U*U', true], ['U*V', false], ['', false], ['U*U', true]] as const) {
    assert.equal(secret.check(Buffer.from(password)), ok, password);
  }
});

test('bcrypt: malformed hashes never match; a cost above 14 is a build error naming the user', () => {
  for (const bad of ['$2y$04$short', '$2y$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', '$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx']) {
    assert.ok(!passes(bad, 'U*U'), bad);
  }
  assert.throws(() => parseHtpasswdSecret('alice', '$2y$15$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'), /basicAuth user "alice": bcrypt cost 15 is above 14/);
});

test('bcrypt: a password that is no UTF-8 never matches (bcryptjs hashes strings)', () => {
  assert.ok(!passes('$2b$04$ABCDEFGHIJKLMNOPQRSTUuZ.ICx8cm0GB1TwPh7E5okuihYgbSKqW', Buffer.from([0x70, 0xe9])));
});

test('{SHA}, $1$ and the formats Traefik never matches', () => {
  assert.ok(passes(`{SHA}${createHash('sha1').update('secret').digest('base64')}`, 'secret'));
  assert.ok(passes('$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1', 'secret'));
  assert.ok(!passes('secret', 'secret'), 'plain text');
  assert.ok(!passes('$5$kNoOeqfYw2O9pL51$DNZfnviF7Sa2/4QW9ln8VsPv7r5Ecw47x9X9A3C.tX6', 'pässword'), 'SHA-256 crypt');
});

test('htpasswdFormat and htpasswdHashProblem: what compose accepts for the dashboard', () => {
  const table: [hash: string, format: HtpasswdFormat, problem: RegExp | null][] = [
    ['$2y$05$Q0/GAQDBC1TNL5qed18PpeUFQrS6Pv.9A.TdyK9jkJDveV7zVqzmG', 'bcrypt', null],
    ['$2y$15$Q0/GAQDBC1TNL5qed18PpeUFQrS6Pv.9A.TdyK9jkJDveV7zVqzmG', 'bcrypt', /cost 15, above 14/],
    ['$2y$05$short', 'bcrypt', /malformed bcrypt/],
    ['$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/', 'apr1', null],
    ['$apr1$short', 'apr1', /malformed MD5-crypt \$apr1\$/],
    ['$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1', 'md5-crypt', null],
    ['{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=', 'sha1', null],
    ['$5$kNoOeqfYw2O9pL51$DNZfnviF7Sa2/4QW9ln8VsPv7r5Ecw47x9X9A3C.tX6', 'sha256-crypt', /SHA-256 crypt .* never matches/],
    ['$6$bY0t0cvcrncQaNUF$TTNWSNARl3wvOXJ3a7AdmVlNm6rptOqJcjizBoyKgdhIoHpjg8jJ/DXJogGEBrn5oxVqb2Ua1J.hRepxmqe7C/', 'sha512-crypt', /SHA-512 crypt/],
    ['COj2rCbhTx/1c', 'des-crypt', /DES crypt \(htpasswd -d\)/],
    ['hunter2', 'plain', /plain text \(htpasswd -p\)/],
    ['', 'plain', /plain text/],
  ];
  for (const [hash, format, problem] of table) {
    assert.equal(htpasswdFormat(hash), format, hash);
    const said = htpasswdHashProblem(hash);
    if (problem === null) assert.equal(said, null, hash);
    else assert.match(said ?? '', problem, hash);
  }
});

test('user entries split as Traefik splits them', () => {
  assert.deepEqual(htpasswdEntry('test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'), { user: 'test', hash: '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/' });
  assert.throws(() => htpasswdEntry('a:b:c'), /error parsing BasicUser: a:b:c/);
  assert.throws(() => htpasswdEntry('nohash'), /error parsing BasicUser: nohash/);
  assert.deepEqual(htdigestEntry('u:r:0123abcd'), { user: 'u', realm: 'r', ha1: '0123abcd' });
  assert.throws(() => htdigestEntry('u:r'), /error parsing DigestUser: u:r/);
});
