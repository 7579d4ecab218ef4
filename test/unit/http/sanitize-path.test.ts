import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deniedEscapes, hasDeniedEscape, type EncodedCharactersOptions } from '../../../proxy/http/encoded-characters.js';
import { splitRequestTarget } from '../../../proxy/http/request-target.js';
import { hidesDotSegment, sanitizePath } from '../../../proxy/http/sanitize-path.js';

// Request target → (path routers match, path forwarded upstream) with http.sanitizePath on (Traefik's default).
// Rows marked "Traefik" are the cases of traefik/traefik pkg/server/server_entrypoint_tcp_test.go
// (TestSanitizePath, TestPathOperations) and the sanitizePath table of its entrypoints documentation.
const cases: { url: string; routed: string; forwarded?: string; query?: string }[] = [
  // Traefik TestSanitizePath
  { url: '/b', routed: '/b' },
  { url: '/b/', routed: '/b/' },
  { url: '/../../b/', routed: '/b/' },
  { url: '/../../b', routed: '/b' },
  { url: '/a/b/..', routed: '/a' },
  { url: '/a/b/../', routed: '/a/' },
  { url: '/a/../../b', routed: '/b' },
  { url: '/..///b///', routed: '/b/' },
  { url: '/a/../b', routed: '/b' },
  { url: '/a/./b', routed: '/a/b' },
  { url: '/a//b', routed: '/a/b' },
  { url: '/a/../c/../b', routed: '/b' },
  { url: '/a/../../../c/../b', routed: '/b' },
  { url: '/a/../c/../../b', routed: '/b' },
  { url: '/a/..//c/.././b', routed: '/b' },
  // Traefik TestPathOperations (escaped path after normalizePath + sanitizePath)
  { url: '/a/../b/%41%42%43//%2f/', routed: '/b/ABC/%2F/' },
  { url: '/a/../../b/../c/', routed: '/c/' },
  { url: '/a/../b/./c/../d/', routed: '/b/d/' },
  { url: '/a/%2E%2E/%2E%2E/b/', routed: '/b/' },
  { url: '/a/%252E%252E/%252E%252E/b/', routed: '/a/%252E%252E/%252E%252E/b/' },
  { url: '/foo%2Fbar', routed: '/foo%2Fbar' },
  // Traefik: `..%2F` is one segment; the encoded slash is kept and never cleaned across.
  { url: '/a/..%2Fb/', routed: '/a/..%2Fb/' },
  // Traefik docs
  { url: '/./foo/bar', routed: '/foo/bar' },
  { url: '/foo/bar//', routed: '/foo/bar/' },
  { url: '/./foo/../bar//', routed: '/bar/' },
  // The traversal this option exists for, in every spelling
  { url: '/public/../admin/secret', routed: '/admin/secret' },
  { url: '/public/%2e%2e/admin/secret', routed: '/admin/secret' },
  { url: '/public/.%2e/admin/secret', routed: '/admin/secret' },
  { url: '/public/%2E./admin/secret', routed: '/admin/secret' },
  { url: '/public/./../admin/secret', routed: '/admin/secret' },
  { url: '/public/%2e/%2e%2e/admin/secret', routed: '/admin/secret' },
  { url: '/public//../admin/secret', routed: '/admin/secret' },
  { url: '/public/..%2fadmin/secret', routed: '/public/..%2Fadmin/secret' },
  { url: '/public/..%5cadmin/secret', routed: '/public/..\\admin/secret', forwarded: '/public/..%5Cadmin/secret' },
  { url: '/public/../admin/secret?next=/../x', routed: '/admin/secret', query: 'next=/../x' },
  { url: 'http://nx.test/public/../admin', routed: '/admin' },
  // Look-alikes that are not dot segments stay as sent
  { url: '/.well-known/acme', routed: '/.well-known/acme' },
  { url: '/a/..b/c.', routed: '/a/..b/c.' },
  { url: '/a/.../b', routed: '/a/.../b' },
  { url: '/api./foo', routed: '/api./foo' },
  { url: '/', routed: '/' },
  { url: '*', routed: '*' },
  // Escapes are normalised as Traefik forwards them: unreserved decoded, others upper-cased; the routing
  // path (Traefik v3.4+) decodes every escape but the reserved ones
  { url: '/a%7eb/%c3%a9', routed: '/a~b/é', forwarded: '/a~b/%C3%A9' },
  { url: '/a%20b', routed: '/a b', forwarded: '/a%20b' },
  { url: '/a%7bb%7D/%2f%3F%23%25%40', routed: '/a{b}/%2F%3F%23%25%40', forwarded: '/a%7Bb%7D/%2F%3F%23%25%40' },
];

for (const c of cases) {
  test(`sanitizePath on: ${c.url} is routed and forwarded as ${c.routed}`, () => {
    const target = splitRequestTarget(c.url, true);
    assert.equal(target.path, c.routed, 'routing path');
    assert.equal(target.rawPath, c.forwarded ?? c.routed, 'forwarded path');
    assert.equal(target.rawQuery, c.query ?? '');
  });
}

test('sanitizePath off: the path is routed as received and forwarded verbatim (Traefik with sanitizePath: false)', () => {
  for (const url of ['/public/../admin/secret', '/public/./../admin/secret', '/a//b', '/public/%2e%2e/admin/secret']) {
    const target = splitRequestTarget(url, false);
    assert.equal(target.rawPath, url);
  }
  assert.equal(splitRequestTarget('/public/%2e%2e/admin', false).path, '/public/../admin');
});

test('a path with nothing to clean comes back as the same string', () => {
  for (const path of ['/', '/public/index.html', '/a/b.c/.well-known/d..e/', '/x/y/z?']) assert.equal(sanitizePath(path), path);
});

const all: EncodedCharactersOptions = {
  allowEncodedSlash: true,
  allowEncodedBackSlash: true,
  allowEncodedNullCharacter: true,
  allowEncodedSemicolon: true,
  allowEncodedPercent: true,
  allowEncodedQuestionMark: true,
  allowEncodedHash: true,
};

test('encodedCharacters: absent or all allowed checks nothing', () => {
  assert.equal(deniedEscapes(null), null);
  assert.equal(deniedEscapes(all), null);
});

const denials: { option: keyof EncodedCharactersOptions; refused: string[]; allowed: string[] }[] = [
  { option: 'allowEncodedSlash', refused: ['/a%2Fb', '/a%2fb', '/public/..%2Fadmin'], allowed: ['/a%5Cb', '/a/b', '/a%252Fb'] },
  { option: 'allowEncodedBackSlash', refused: ['/a%5Cb', '/a%5cb'], allowed: ['/a%2Fb'] },
  { option: 'allowEncodedNullCharacter', refused: ['/a%00'], allowed: ['/a%01'] },
  { option: 'allowEncodedSemicolon', refused: ['/a%3Bb', '/a%3bb'], allowed: ['/a;b'] },
  { option: 'allowEncodedPercent', refused: ['/a%25b'], allowed: ['/a%41'] },
  { option: 'allowEncodedQuestionMark', refused: ['/a%3F', '/a%3f'], allowed: ['/a'] },
  { option: 'allowEncodedHash', refused: ['/a%23'], allowed: ['/a%20'] },
];

for (const d of denials) {
  test(`encodedCharacters.${d.option}: false refuses ${d.refused.join(', ')}`, () => {
    const denied = deniedEscapes({ ...all, [d.option]: false });
    assert.ok(denied !== null);
    for (const path of d.refused) assert.equal(hasDeniedEscape(path, denied), true, path);
    for (const path of d.allowed) assert.equal(hasDeniedEscape(path, denied), false, path);
    // Like Traefik, a '%' without two characters after it is refused once any check is on.
    assert.equal(hasDeniedEscape('/a%2', denied), true);
    // ... and any '%' that starts no escape, which must not hide the one after it.
    for (const path of ['/a%%2fb', '/x%2%5cy', '/a%zz', '/a%']) assert.equal(hasDeniedEscape(path, denied), true, path);
  });
}

test('hidesDotSegment: an encoded slash or backslash that would form a dot segment once decoded', () => {
  const table: [path: string, hides: boolean][] = [
    ['/public/..%2Fadmin', true],
    ['/public/x%2F..%2Fadmin', true],
    ['/public/..%5Cadmin', true],
    ['/public/.%2Fadmin', true],
    ['/public/a%2Fb', false],
    ['/public/..a%2Fb', false],
    ['/public/a..%2F', false],
    ['/public/plain/path', false],
    ['/public/%41..', false],
  ];
  for (const [path, hides] of table) assert.equal(hidesDotSegment(path), hides, path);
});
