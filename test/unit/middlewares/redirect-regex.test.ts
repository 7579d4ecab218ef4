import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedirectRegex, type RedirectRegexOptions } from '../../../proxy/middlewares/paths/redirect-regex.js';
import { createContentType } from '../../../proxy/middlewares/paths/content-type.js';
import { runPathMiddleware } from './path-request.js';

interface Row {
  name: string;
  options: RedirectRegexOptions;
  url: string;
  requestLine?: string;
  host?: string;
  method?: string;
  tls?: boolean;
  /** null: passed through. */
  status: number | null;
  location?: string;
}

const DASHBOARD = '^(http:\\/\\/(\\[[\\w:.]+\\]|[\\w\\._-]+)(:\\d+)?)\\/$';

const ROWS: Row[] = [
  { name: 'host with port, path and query are matched', options: { regex: '^http://h:8080/old/(.*)', replacement: 'http://h:8080/new/$1' }, host: 'h:8080', url: '/old/p?q=1', status: 302, location: 'http://h:8080/new/p?q=1' },
  { name: 'GET temporary ⇒ 302', options: { regex: '^http://([^/]+)/a$', replacement: 'https://${1}/b' }, host: 'x.test', url: '/a', status: 302, location: 'https://x.test/b' },
  { name: 'POST temporary ⇒ 307', options: { regex: '/a$', replacement: '/b' }, method: 'POST', url: '/a', status: 307, location: 'http://app.test/b' },
  { name: 'GET permanent ⇒ 301', options: { regex: '/a$', replacement: '/b', permanent: true }, url: '/a', status: 301, location: 'http://app.test/b' },
  { name: 'PUT permanent ⇒ 308', options: { regex: '/a$', replacement: '/b', permanent: true }, method: 'PUT', url: '/a', status: 308, location: 'http://app.test/b' },
  { name: 'TLS ⇒ https scheme', options: { regex: '^https://(.*)', replacement: 'https://www.$1' }, tls: true, url: '/', status: 302, location: 'https://www.app.test/' },
  { name: 'no match passes through', options: { regex: '^https://', replacement: 'x' }, url: '/', status: null },
  { name: 'result equal to input passes through', options: { regex: '^(.*)$', replacement: '$1' }, url: '/a', status: null },
  { name: 'dashboard redirect of Traefik (named host, port)', options: { regex: DASHBOARD, replacement: '${1}/dashboard/', permanent: true }, host: 'h:8080', url: '/', status: 301, location: 'http://h:8080/dashboard/' },
  { name: 'v3.7 statusCode wins over permanent', options: { regex: '/a$', replacement: '/b', permanent: true, statusCode: 303 }, url: '/a', status: 303, location: 'http://app.test/b' },
  { name: 'an invalid resulting URL (bad escape) ⇒ 502, oxy\'s answer to a *url.Error', options: { regex: '/a$', replacement: '/%zz' }, url: '/a', status: 502 },
  { name: 'a colon in a relative first segment ⇒ 502', options: { regex: '^.*$', replacement: 'ht tp://x.test/' }, url: '/a', status: 502 },
  { name: 'a missing scheme ⇒ 502', options: { regex: '^http', replacement: '' }, url: '/a', status: 502 },
  { name: 'a port that is not digits ⇒ 502', options: { regex: '^http://([^/]+)/a$', replacement: 'https://$1:x443/b' }, url: '/a', status: 502 },
  { name: 'a space in the host ⇒ 502', options: { regex: '^http://([^/]+)/a$', replacement: 'https://a b/' }, url: '/a', status: 502 },
  { name: 'a port Go accepts (digits, any size) redirects', options: { regex: '^http://([^/]+)/a$', replacement: 'https://$1:99999/b' }, url: '/a', status: 302, location: 'https://app.test:99999/b' },
  { name: 'absolute-form request line gives scheme and port', options: { regex: '^http://other.test:81/a$', replacement: '/b' }, url: '/a', requestLine: 'http://other.test:81/a', status: 302, location: '/b' },
];

for (const row of ROWS) {
  test(`redirectRegex: ${row.name}`, () => {
    const out = runPathMiddleware((next) => createRedirectRegex(row.options, next), {
      url: row.url, ...(row.requestLine !== undefined ? { requestLine: row.requestLine } : {}), host: row.host ?? 'app.test', method: row.method ?? 'GET', tls: row.tls ?? false,
    });
    assert.equal(out.status, row.status);
    if (row.status === 502) {
      assert.equal(out.body, 'Bad Gateway');
      assert.equal(out.headers.location, undefined);
      return;
    }
    if (row.location !== undefined) {
      assert.equal(out.headers.location, row.location);
      assert.equal(out.headers['content-type'], undefined);
    }
  });
}

test('redirectRegex: an invalid regexp or status code is a build error naming the option', () => {
  assert.throws(() => createRedirectRegex({ regex: '(', replacement: '' }, () => {}), /redirectRegex regex/);
  assert.throws(() => createRedirectRegex({ regex: 'a', replacement: '', statusCode: 200 }, () => {}), /statusCode/);
});

test('contentType: {} and autoDetect false pass the request through unchanged', () => {
  for (const options of [{}, { autoDetect: false }]) {
    const out = runPathMiddleware((next) => createContentType(options, next), { url: '/a?b' });
    assert.equal(out.status, null);
    assert.equal(out.rawPath, '/a');
  }
});
