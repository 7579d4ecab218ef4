import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyOfBag, ownHeader, putHeader } from '../../../proxy/http/header-bag.js';

test('copyOfBag: the same headers in the same order, and editing the copy leaves the bag as it was', () => {
  const bag: Record<string, string | string[]> = { host: 'example.com', 'set-cookie': ['a=1'], 'accept-encoding': 'gzip' };
  const copy = copyOfBag(bag);
  assert.deepEqual(Object.entries(copy), Object.entries(bag));
  copy['x-forwarded-prefix'] = '/api';
  delete copy.host;
  assert.deepEqual(Object.keys(bag), ['host', 'set-cookie', 'accept-encoding']);
});

test('copyOfBag: a header named __proto__ stays an own header of the copy, never its prototype', () => {
  const bag: Record<string, string> = { host: 'example.com' };
  putHeader(bag, '__proto__', 'x');
  const copy = copyOfBag(bag);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal(ownHeader(copy, '__proto__'), 'x');
  assert.deepEqual(Object.keys(copy), ['host', '__proto__']);
});
