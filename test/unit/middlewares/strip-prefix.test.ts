import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStripPrefix } from '../../../proxy/middlewares/paths/strip-prefix.js';
import { createStripPrefixRegex } from '../../../proxy/middlewares/paths/strip-prefix-regex.js';
import { runPathMiddleware } from './path-request.js';

interface Row {
  name: string;
  prefixes: string[];
  forceSlash?: boolean;
  url: string;
  /** Path and raw path next sees; null: passed through unchanged. */
  path: string | null;
  rawPath?: string;
  prefix?: string;
  status?: number;
}

const ROWS: Row[] = [
  { name: 'seed: /api/users ⇒ /users', prefixes: ['/api'], url: '/api/users', path: '/users', prefix: '/api' },
  { name: 'seed: exact match ⇒ empty path (sent as /)', prefixes: ['/api'], url: '/api', path: '', prefix: '/api' },
  { name: 'string prefix, not a segment: /apiv2 ⇒ /v2', prefixes: ['/api'], url: '/apiv2', path: '/v2', prefix: '/api' },
  { name: 'first prefix in list order wins', prefixes: ['/a', '/a/b'], url: '/a/b/c', path: '/b/c', prefix: '/a' },
  { name: 'no match passes through', prefixes: ['/api'], url: '/web/x', path: null },
  { name: 'query is kept', prefixes: ['/api'], url: '/api/x?q=1', path: '/x', prefix: '/api' },
  { name: 'trailing slash prefix leaves a relative rest, slash added', prefixes: ['/api/'], url: '/api/x', path: '/x', prefix: '/api/' },
  { name: 'forceSlash true: exact match ⇒ /', prefixes: ['/api'], forceSlash: true, url: '/api', path: '/', prefix: '/api' },
  { name: 'forceSlash true: one leading slash trimmed then added', prefixes: ['/api'], forceSlash: true, url: '/api/x', path: '/x', prefix: '/api' },
  { name: 'forceSlash false is the default behaviour', prefixes: ['/api'], forceSlash: false, url: '/api', path: '', prefix: '/api' },
  { name: 'decoded unreserved escapes match; raw form cut at the same place', prefixes: ['/api'], url: '/%61pi/%7Euser', path: '/~user', rawPath: '/%7Euser', prefix: '/api' },
  { name: 'reserved escapes stay encoded', prefixes: ['/api'], url: '/api/a%2Fb', path: '/a%2Fb', rawPath: '/a%2Fb', prefix: '/api' },
  { name: 'v3.6: /api./foo would normalise to /foo ⇒ 400', prefixes: ['/api'], url: '/api./foo', path: null, status: 400 },
  { name: 'v3.6: /foo../bar ⇒ 400', prefixes: ['/foo'], url: '/foo../bar', path: null, status: 400 },
  { name: 'v3.6: encoded dot segment ⇒ 400', prefixes: ['/api'], url: '/api%2E%2E/x', path: null, status: 400 },
  { name: 'matched on the decoded path: a space', prefixes: ['/a b'], url: '/a%20b/c%20d', path: '/c d', rawPath: '/c%20d', prefix: '/a b' },
  { name: 'matched on the decoded path: UTF-8, cut after its bytes', prefixes: ['/é'], url: '/%C3%A9/x', path: '/x', rawPath: '/x', prefix: '/\u00c3\u00a9' /* the header's UTF-8 bytes, as Go writes them */ },
  { name: 'matched on the decoded path: an encoded slash (Go URL.Path)', prefixes: ['/a/b'], url: '/a%2Fb/c', path: '/c', rawPath: '/c', prefix: '/a/b' },
  { name: 'dots inside a segment are fine', prefixes: ['/api'], url: '/api/a..b/.c', path: '/a..b/.c', prefix: '/api' },
];

for (const row of ROWS) {
  test(`stripPrefix: ${row.name}`, () => {
    const out = runPathMiddleware((next) => createStripPrefix({ prefixes: row.prefixes, forceSlash: row.forceSlash }, next), { url: row.url });
    expect(out, row);
  });
}

function expect(out: ReturnType<typeof runPathMiddleware>, row: Row): void {
  if (row.status !== undefined) {
    assert.equal(out.status, row.status);
    assert.equal(out.body, 'Bad Request\n');
    return;
  }
  assert.equal(out.status, null);
  const q = row.url.indexOf('?');
  const original = q === -1 ? row.url : row.url.slice(0, q);
  if (row.path === null) {
    assert.equal(out.rawPath, original);
    assert.deepEqual(out.requestHeader('x-forwarded-prefix'), []);
    return;
  }
  assert.equal(out.path, row.path);
  assert.equal(out.rawPath, row.rawPath ?? row.path);
  assert.equal(out.rawQuery, q === -1 ? '' : row.url.slice(q + 1));
  assert.deepEqual(out.requestHeader('x-forwarded-prefix'), [row.prefix]);
}

interface RegexRow extends Omit<Row, 'prefixes' | 'forceSlash'> {
  regex: string[];
}

const REGEX_ROWS: RegexRow[] = [
  { name: 'matched text is stripped and forwarded', regex: ['/foo/[a-z0-9]+/[0-9]+/'], url: '/foo/abc/12/bar', path: '/bar', prefix: '/foo/abc/12/' },
  { name: 'match not at the start is ignored', regex: ['/bar'], url: '/foo/bar', path: null },
  { name: 'empty match is ignored, next regex tried', regex: ['^x*', '^/a'], url: '/a/b', path: '/b', prefix: '/a' },
  { name: 'first succeeding regex wins', regex: ['^/a', '^/a/b'], url: '/a/b/c', path: '/b/c', prefix: '/a' },
  { name: 'Go named group syntax compiles', regex: ['^/(?P<v>v[0-9]+)'], url: '/v2/users', path: '/users', prefix: '/v2' },
  { name: 'exact match leaves an empty path', regex: ['^/api'], url: '/api', path: '', prefix: '/api' },
  { name: 'raw path cut after decoded escapes', regex: ['^/api'], url: '/%61pi/x%20y', path: '/x y', rawPath: '/x%20y', prefix: '/api' },
  { name: 'v3.6: matched on the decoded path', regex: ['^/a b/[{]v[}]'], url: '/a%20b/%7Bv%7D/x%2Fy', path: '/x%2Fy', rawPath: '/x%2Fy', prefix: '/a b/{v}' },
  { name: 'an encoded slash decodes for the match, the raw path keeps it', regex: ['^/a/b'], url: '/a%2Fb/c', path: '/c', rawPath: '/c', prefix: '/a/b' },
  { name: 'v3.6: result with a dot segment ⇒ 400', regex: ['^/api'], url: '/api./foo', path: null, status: 400 },
];

for (const row of REGEX_ROWS) {
  test(`stripPrefixRegex: ${row.name}`, () => {
    const out = runPathMiddleware((next) => createStripPrefixRegex({ regex: row.regex }, next), { url: row.url });
    expect(out, { ...row, prefixes: [] });
  });
}

test('stripPrefixRegex: an invalid regexp is a build error naming the option', () => {
  assert.throws(() => createStripPrefixRegex({ regex: ['('] }, () => {}), /stripPrefixRegex regex/);
});
