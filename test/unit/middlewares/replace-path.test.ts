import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReplacePath } from '../../../proxy/middlewares/paths/replace-path.js';
import { createReplacePathRegex } from '../../../proxy/middlewares/paths/replace-path-regex.js';
import { runPathMiddleware } from './path-request.js';

const ROWS: { name: string; path: string; url: string; want: string; rawWant?: string; replaced: string }[] = [
  { name: 'seed: path /x, X-Replaced-Path is the original', path: '/x', url: '/orig', want: '/x', replaced: '/orig' },
  { name: 'X-Replaced-Path carries the escaped original', path: '/x', url: '/a%2Fb%20c', want: '/x', replaced: '/a%2Fb%20c' },
  { name: 'escapes in the new path stay in the raw form', path: '/a%2Fb', url: '/o', want: '/a%2Fb', replaced: '/o' },
  { name: 'unreserved escapes decode for matchers', path: '/%7Eu', url: '/o', want: '/~u', rawWant: '/%7Eu', replaced: '/o' },
];

for (const row of ROWS) {
  test(`replacePath: ${row.name}`, () => {
    const out = runPathMiddleware((next) => createReplacePath({ path: row.path }, next), { url: row.url + '?q=1' });
    assert.equal(out.status, null);
    assert.equal(out.path, row.want);
    assert.equal(out.rawPath, row.rawWant ?? row.want);
    assert.equal(out.rawQuery, 'q=1');
    assert.deepEqual(out.requestHeader('x-replaced-path'), [row.replaced]);
  });
}

test('replacePath: a path Go cannot unescape answers 500 with Go\'s error text', () => {
  const out = runPathMiddleware((next) => createReplacePath({ path: '/a%zz' }, next), { url: '/o' });
  assert.equal(out.status, 500);
  assert.equal(out.body, 'invalid URL escape "%zz"\n');
});

const REGEX_ROWS: { name: string; regex: string; replacement: string; url: string; want: string | null; rawWant?: string; status?: number }[] = [
  { name: 'capture groups', regex: '^/foo/(.*)', replacement: '/bar/$1', url: '/foo/baz', want: '/bar/baz' },
  { name: 'no match passes through without header', regex: '^/foo/(.*)', replacement: '/bar/$1', url: '/other', want: null },
  { name: 'applied to the escaped path', regex: '^/a%2Fb/(.*)', replacement: '/x/$1', url: '/a%2Fb/c', want: '/x/c' },
  { name: 'every match replaced', regex: 'o', replacement: '0', url: '/foo/o', want: '/f00/0' },
  { name: 'an empty replacement removes what matches (Traefik)', regex: '^/foo', replacement: '', url: '/foo/bar', want: '/bar' },
  { name: 'replacement escapes decode for matchers', regex: '^/u', replacement: '/%7Eu', url: '/u', want: '/~u', rawWant: '/%7Eu' },
  { name: 'a malformed escape answers 500', regex: '^/u', replacement: '/%zz', url: '/u', want: null, status: 500 },
  { name: 'v3.6: a dot segment in the result answers 400', regex: '^/api', replacement: '/x/', url: '/api../y', want: null, status: 400 },
];

for (const row of REGEX_ROWS) {
  test(`replacePathRegex: ${row.name}`, () => {
    const out = runPathMiddleware((next) => createReplacePathRegex({ regex: row.regex, replacement: row.replacement }, next), { url: row.url });
    if (row.status !== undefined) {
      assert.equal(out.status, row.status);
      return;
    }
    assert.equal(out.status, null);
    if (row.want === null) {
      assert.equal(out.rawPath, row.url);
      assert.deepEqual(out.requestHeader('x-replaced-path'), []);
      return;
    }
    assert.equal(out.path, row.want);
    assert.equal(out.rawPath, row.rawWant ?? row.want);
    assert.deepEqual(out.requestHeader('x-replaced-path'), [row.url]);
  });
}
