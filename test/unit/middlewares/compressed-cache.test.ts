import { mock, test } from 'node:test';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { CompressedBodyCache, keyFor, mustNotKeep, partitionOf, type BodyKey, type Partition } from '../../../proxy/middlewares/response/compressed-cache.js';
import type { TlsConnection } from '../../../proxy/http/tls-connection.js';
import { fixtureDir } from '../tls/fixture-certificates.js';
import { fakeContext } from './fake-context.js';

/** A body compressed twice, as a page sent twice: the cache keeps a body from its second offer. */
function keep(cache: CompressedBodyCache, key: BodyKey, compressed: Buffer): void {
  cache.set(key, compressed);
  cache.set(key, compressed);
}

test('compressed cache: a body is kept from the second time it is compressed, never at its first', () => {
  const cache = new CompressedBodyCache(1024 * 1024);
  const key = CompressedBodyCache.key('br', Buffer.from('<html>a page</html>'), '');
  cache.set(key, Buffer.from('br-form'));
  assert.equal(cache.get(key), undefined, 'offered once: only noted');
  assert.equal(cache.size, 0);
  assert.equal(cache.usedBytes, 0);
  cache.set(key, Buffer.from('br-form'));
  assert.deepEqual(cache.get(key), Buffer.from('br-form'), 'offered again: kept');
  // Another encoding or partition of the same body is a key of its own, noted apart.
  const gzipKey = CompressedBodyCache.key('gzip', Buffer.from('<html>a page</html>'), '');
  cache.set(gzipKey, Buffer.from('gzip-form'));
  assert.equal(cache.get(gzipKey), undefined);
});

test('compressed cache: pages that differ on every request keep nothing, and a page sent twice among them is kept', () => {
  const cache = new CompressedBodyCache(8 * 1024 * 1024);
  const twice = CompressedBodyCache.key('br', Buffer.from('the home page'), '');
  cache.set(twice, Buffer.alloc(1300));
  for (let i = 0; i < 3_000; i++) cache.set(CompressedBodyCache.key('br', Buffer.from(`a page with token ${i}`), ''), Buffer.alloc(1300));
  assert.equal(cache.size, 0, 'no page seen once is kept');
  assert.equal(cache.usedBytes, 0);
  cache.set(twice, Buffer.alloc(1300));
  assert.equal(cache.size, 1, 'the page offered again after 3,000 others is kept');
  assert.ok(cache.get(twice) !== undefined);
});

test('compressed cache: a body is found again only in the same encoding and with the same bytes', () => {
  const cache = new CompressedBodyCache(1024 * 1024);
  const page = Buffer.from('<html>'.padEnd(4096, 'a'));
  keep(cache, CompressedBodyCache.key('br', page, ''), Buffer.from('br-form'));
  assert.deepEqual(cache.get(CompressedBodyCache.key('br', Buffer.from(page), '')), Buffer.from('br-form'));
  assert.equal(cache.get(CompressedBodyCache.key('gzip', page, '')), undefined);
  const sameLengthOtherByte = Buffer.from(page);
  sameLengthOtherByte[4095] = 0x62;
  assert.equal(cache.get(CompressedBodyCache.key('br', sameLengthOtherByte, '')), undefined);
  assert.deepEqual([cache.hits, cache.misses], [1, 2]);
});

test('compressed cache: a page sent again is found without its CRC-32; pages of one length sent in turn are each found', (t) => {
  if (typeof zlib.crc32 !== 'function') return t.skip('node has no zlib.crc32 (before 20.15)');
  const cache = new CompressedBodyCache(1024 * 1024);
  const home = Buffer.from('<html>'.padEnd(4096, 'h'));
  const about = Buffer.from('<html>'.padEnd(4096, 'a'));
  keep(cache, CompressedBodyCache.key('gzip', home, 'router\nhost'), Buffer.from('home-form'));
  const crc32 = mock.method(zlib, 'crc32');
  try {
    for (let i = 0; i < 3; i++) assert.deepEqual(cache.get(CompressedBodyCache.key('gzip', Buffer.from(home), 'router\nhost')), Buffer.from('home-form'));
    assert.equal(crc32.mock.callCount(), 0, 'the form last sent for that encoding, partition and length is confirmed by its bytes alone');
    keep(cache, CompressedBodyCache.key('gzip', about, 'router\nhost'), Buffer.from('about-form'));
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(cache.get(CompressedBodyCache.key('gzip', Buffer.from(home), 'router\nhost')), Buffer.from('home-form'));
      assert.deepEqual(cache.get(CompressedBodyCache.key('gzip', Buffer.from(about), 'router\nhost')), Buffer.from('about-form'));
    }
    assert.equal(cache.get(CompressedBodyCache.key('gzip', Buffer.from(home), 'other-router\nhost')), undefined, 'another partition: a miss');
    assert.deepEqual([cache.hits, cache.misses], [9, 1]);
  } finally {
    crc32.mock.restore();
  }
});

test('compressed cache: two bodies sharing a key\'s text (a CRC-32 collision, which can be crafted) are told apart by the body kept: never the other\'s form, and the newer replaces the older', () => {
  const cache = new CompressedBodyCache(1024 * 1024);
  const page = Buffer.from('<html>'.padEnd(4096, 'a'));
  const key = CompressedBodyCache.key('gzip', page, '');
  keep(cache, key, Buffer.from('gzip-form of page'));
  const other = Buffer.from('<html>'.padEnd(4096, 'b'));
  const colliding: BodyKey = { scope: key.scope, prefix: key.prefix, text: key.text, body: other, crc32: key.crc32 };
  assert.equal(cache.get(colliding), undefined, 'the same text, other bytes: a miss');
  const used = cache.usedBytes;
  cache.keep(colliding, Buffer.from('gzip-form of other'));
  assert.deepEqual(cache.get(colliding), Buffer.from('gzip-form of other'), 'the newer colliding body replaces the first');
  assert.equal(cache.get(key), undefined, 'the first is then a miss, never served the other form');
  assert.deepEqual([cache.size, cache.usedBytes], [1, used + 1], 'one entry, its cost replaced (a form one byte longer)');
  cache.keep(key, Buffer.from('gzip-form of page'));
  assert.deepEqual(cache.get(CompressedBodyCache.key('gzip', Buffer.from(page), '')), Buffer.from('gzip-form of page'),
    'and is kept again by its next compression: a colliding body cannot keep it out for good');
  page.fill(0x63);
  assert.deepEqual(cache.get(CompressedBodyCache.key('gzip', Buffer.from('<html>'.padEnd(4096, 'a')), '')), Buffer.from('gzip-form of page'),
    'the entry kept its own copy of the body: the memory it was given (lent by an upstream connection) may be reused');
});

test('compressed cache: never holds more than its budget; the least recently used entry goes first', () => {
  const cache = new CompressedBodyCache(11_000);
  const keys = [0, 1, 2, 3].map((i) => CompressedBodyCache.key('gzip', Buffer.from(`body ${i}`), ''));
  const [k0, k1, k2, k3] = keys as [BodyKey, BodyKey, BodyKey, BodyKey];
  keep(cache, k0, Buffer.alloc(3000));
  keep(cache, k1, Buffer.alloc(3000));
  keep(cache, k2, Buffer.alloc(3000));
  assert.ok(cache.get(k0) !== undefined, 'k0 used: now the most recent');
  keep(cache, k3, Buffer.alloc(3000));
  assert.ok(cache.usedBytes <= 11_000, `used ${cache.usedBytes}`);
  assert.equal(cache.get(k1), undefined, 'the least recently used went');
  assert.ok(cache.get(k0) !== undefined && cache.get(k2) !== undefined && cache.get(k3) !== undefined);
  keep(cache, CompressedBodyCache.key('gzip', Buffer.from('huge'), ''), Buffer.alloc(20_000));
  assert.equal(cache.size, 3, 'an entry over the whole budget is not kept and evicts nothing');
});

test('compressed cache: a flood of distinct tiny bodies stays within the budget, keys included', () => {
  const cache = new CompressedBodyCache(64 * 1024);
  for (let i = 0; i < 20_000; i++) keep(cache, CompressedBodyCache.key('br', Buffer.from(String(i)), ''), Buffer.alloc(1));
  assert.ok(cache.usedBytes <= 64 * 1024);
  assert.ok(cache.size < 200, `${cache.size} entries`);
});

test('compressed cache: a kept form is a copy of its own size, never a view pinning the larger memory it came in', () => {
  const cache = new CompressedBodyCache(1024 * 1024);
  const output = Buffer.alloc(16 * 1024, 7); // as zlib's one-call result: 50 bytes of a 16 KiB buffer
  const key = CompressedBodyCache.key('gzip', Buffer.from('page'), '');
  keep(cache, key, output.subarray(100, 150));
  const kept = cache.get(key);
  assert.ok(kept !== undefined);
  assert.equal(kept.length, 50);
  assert.equal(kept.buffer.byteLength, 50);
  assert.deepEqual(kept, output.subarray(100, 150));
});

test('compressed cache: other routers, hosts and credentials (Cookie, Authorization, client certificate) never share an entry', () => {
  const page = Buffer.from('the same page for everyone');
  const anonymous: Partition = { router: 'app@file', host: 'example.com', cookie: undefined, authorization: undefined, clientCertificate: '' };
  const keyOf = (change: Partial<Partition>): string => CompressedBodyCache.key('br', page, partitionOf({ ...anonymous, ...change })).text;
  const keys = [
    keyOf({}), keyOf({ router: 'admin@file' }), keyOf({ host: 'other.example' }), keyOf({ cookie: 'session=alice' }),
    keyOf({ cookie: 'session=bob' }), keyOf({ cookie: ['a=1', 'b=2'] }), keyOf({ authorization: 'Bearer x' }), keyOf({ clientCertificate: 'AB:CD' }),
  ];
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(keyOf({ cookie: 'session=alice' }), keyOf({ cookie: 'session=alice' }), 'the same credentials find their entry again');
});

test('compressed cache: a TLS request\'s key follows its connection\'s client certificate (RequestContext.tlsConnection)', (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const [alice, bob] = ['alice', 'bob'].map((name) => new X509Certificate(fixtures.make(name, []).cert));
  const page = Buffer.from('the same page');
  const keyOver = (certificate: X509Certificate | undefined): string | null => {
    const connection: TlsConnection = { facts: () => ({ protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' }), clientCertificate: () => certificate };
    const { ctx } = fakeContext({ tls: true });
    return keyFor({ ...ctx, tlsConnection: connection }, 'br', page, {})?.text ?? null;
  };
  assert.equal(keyOver(alice), keyOver(alice), 'the same certificate finds its entry again');
  assert.notEqual(keyOver(alice), keyOver(bob));
  assert.notEqual(keyOver(alice), keyOver(undefined));
  assert.equal(keyOver(undefined), keyFor(fakeContext().ctx, 'br', page, {})?.text, 'no certificate: the partition of requests without credentials');
});

test('compressed cache: Cache-Control private or no-store is never kept; other directives are', () => {
  for (const value of ['private', 'no-store', 'max-age=0, private', 'No-Store', 'private="set-cookie"', ['public', 'no-store'], 'private;', 'no-store"', 'max-age=5;private']) {
    assert.equal(mustNotKeep(value), true, String(value));
  }
  for (const value of [undefined, '', 'public, max-age=60', 'no-cache', 'must-revalidate', 'x-private-thing', 'no-storex']) {
    assert.equal(mustNotKeep(value), false, String(value));
  }
});

test('compressed cache: partitions past the short form (long cookies) are kept apart by their hash, and find their entry again', () => {
  const page = Buffer.from('the same page');
  const partition = (cookie: string): string => partitionOf({ router: 'app@file', host: 'example.com', cookie, authorization: undefined, clientCertificate: '' });
  const alice = partition('session=' + 'a'.repeat(200));
  const bob = partition('session=' + 'a'.repeat(199) + 'b');
  assert.ok(alice.length > 96 && bob.length > 96, 'both past the short form');
  const cache = new CompressedBodyCache(1024 * 1024);
  keep(cache, CompressedBodyCache.key('br', page, alice), Buffer.from('for alice'));
  assert.deepEqual(cache.get(CompressedBodyCache.key('br', page, alice)), Buffer.from('for alice'));
  assert.equal(cache.get(CompressedBodyCache.key('br', page, bob)), undefined);
  assert.ok(CompressedBodyCache.key('br', page, alice).text.length < 120, 'a long partition costs the key its hash, not its length');
});

test('compressed cache: an entry sent again outlives one that was not, however many times the budget turns over', () => {
  const cache = new CompressedBodyCache(10_000);
  const hot = CompressedBodyCache.key('gzip', Buffer.from('hot page'), '');
  keep(cache, hot, Buffer.alloc(2000));
  for (let i = 0; i < 50; i++) {
    assert.ok(cache.get(hot) !== undefined, `round ${i}: the page sent every round is still kept`);
    keep(cache, CompressedBodyCache.key('gzip', Buffer.from(`cold ${i}`), ''), Buffer.alloc(2000));
    assert.ok(cache.usedBytes <= 10_000);
  }
  assert.equal(cache.get(CompressedBodyCache.key('gzip', Buffer.from('cold 0'), '')), undefined, 'an old page sent once went');
});
