import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { countedKey, MAX_PLAIN_SOURCE } from '../../../proxy/middlewares/traffic/source-criterion.js';
import { redisBucketKey } from '../../../proxy/middlewares/traffic/redis-buckets.js';

test('countedKey: IPs, hosts and sources up to 256 characters are counted as Traefik counts them', () => {
  for (const source of ['203.0.113.7', '2001:db8::1', 'pixelated-empathy.com:443', '', 'y'.repeat(MAX_PLAIN_SOURCE)]) {
    assert.equal(countedKey(source), source);
  }
  assert.equal(redisBucketKey('limit@file', countedKey('203.0.113.7')), 'rate:limit@file:203.0.113.7', 'Traefik\'s Redis key');
});

test('countedKey: a longer source is counted under the SHA-256 of its UTF-8, so distinct sources stay apart', () => {
  const long = 'x'.repeat(MAX_PLAIN_SOURCE);
  const key = countedKey(`${long}a`);
  assert.equal(key, `sha256:${createHash('sha256').update(`${long}a`, 'utf8').digest('hex')}`);
  assert.equal(countedKey(`${long}a`), key, 'the same source, the same key');
  assert.notEqual(countedKey(`${long}b`), key, 'one character apart at the end');
  // Two strings whose latin1 bytes are equal but whose characters differ (U+0100 would be cut to 0x00).
  assert.notEqual(countedKey(`${long}\u0100`), countedKey(`${long}\u0000`));
  assert.ok(countedKey('z'.repeat(1024 * 1024)).length < 100, 'a megabyte of source: a short key');
});
