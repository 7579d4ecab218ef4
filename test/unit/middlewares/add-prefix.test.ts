import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAddPrefix } from '../../../proxy/middlewares/paths/add-prefix.js';
import { runPathMiddleware } from './path-request.js';

const ROWS: { name: string; prefix: string; url: string; path: string; rawPath?: string }[] = [
  { name: 'seed: /users ⇒ /v1/users', prefix: '/v1', url: '/users', path: '/v1/users' },
  { name: 'slashes are not merged', prefix: '/foo/', url: '/bar', path: '/foo//bar' },
  { name: 'leading slash ensured', prefix: 'v1', url: '/users', path: '/v1/users' },
  { name: 'raw form keeps its escapes', prefix: '/v1', url: '/a%2Fb%7E', path: '/v1/a%2Fb~', rawPath: '/v1/a%2Fb%7E' },
  { name: 'a space in the prefix goes upstream escaped', prefix: '/my app', url: '/x', path: '/my app/x', rawPath: '/my%20app/x' },
];

for (const row of ROWS) {
  test(`addPrefix: ${row.name}`, () => {
    const out = runPathMiddleware((next) => createAddPrefix({ prefix: row.prefix }, next), { url: row.url + '?q=1' });
    assert.equal(out.status, null);
    assert.equal(out.path, row.path);
    assert.equal(out.rawPath, row.rawPath ?? row.path);
    assert.equal(out.rawQuery, 'q=1');
  });
}

test('addPrefix: an empty prefix is a build error', () => {
  assert.throws(() => createAddPrefix({ prefix: '' }, () => {}), /prefix/);
});
