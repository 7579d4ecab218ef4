import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cookieAttributes, defaultCookieName, fnv164Hex, fnv1a64Hex, readCookie, sanitizeCookieName } from '../../../proxy/services/sticky-cookie.js';

// Expected values are Traefik's own: cookies must stay interchangeable.
test('default cookie names match Traefik', () => {
  for (const [service, name] of [['my-service@file', '_4fcce'], ['whoami-demo@docker', '_3c1af'], ['whoami@docker', '_633ff']]) {
    assert.equal(defaultCookieName(service as string), name, service);
  }
});

test('server names and cookie values match Traefik', () => {
  assert.equal(fnv1a64Hex('http://127.0.0.1:8081'), '75327ea3b04bcda5');
  assert.equal(fnv164Hex('75327ea3b04bcda5'), '386e2480df2c6e91');
  assert.equal(fnv164Hex('whoami1'), '1c7d966a641b6f7');
});

test('explicit cookie names are sanitized like Go', () => {
  assert.equal(sanitizeCookieName('/my/BACKEND-v1.0~rc1'), '_my_BACKEND-v1.0~rc1');
  assert.equal(sanitizeCookieName('pe_session'), 'pe_session');
});

test('cookie attributes in Go order', () => {
  const cases: [Parameters<typeof cookieAttributes>[0], string][] = [
    [{}, '; Path=/'],
    [{ httpOnly: true, secure: true }, '; Path=/; HttpOnly; Secure'],
    [{ sameSite: 'lax', maxAge: 60, domain: 'example.com', path: '/app' }, '; Path=/app; Domain=example.com; Max-Age=60; SameSite=Lax'],
    [{ sameSite: 'Lax' }, '; Path=/'],
    [{ maxAge: -1 }, '; Path=/; Max-Age=0'],
    // As Go's http.Cookie writes them (Traefik's SetCookie): bytes Go drops from a path, an empty path set, domains.
    [{ path: '/a; Secure', httpOnly: true }, '; Path=/a Secure; HttpOnly'],
    [{ path: '/a\r\nX-Injected: 1\u00e9' }, '; Path=/aX-Injected: 1'],
    [{ path: '' }, ''],
    [{ domain: '.example.com' }, '; Path=/; Domain=example.com'],
    [{ domain: 'example.com:8080' }, '; Path=/'],
    [{ domain: 'ex_ample.com' }, '; Path=/'],
    [{ domain: '-example.com' }, '; Path=/'],
    [{ domain: 'example-.com' }, '; Path=/'],
    [{ domain: 'a..b' }, '; Path=/'],
    [{ domain: '127.0.0.1' }, '; Path=/; Domain=127.0.0.1'],
    [{ domain: '::1' }, '; Path=/'],
    [{ domain: '123.456' }, '; Path=/'],
    [{ domain: `${'a'.repeat(64)}.com` }, '; Path=/'],
  ];
  for (const [options, expected] of cases) assert.equal(cookieAttributes(options), expected, JSON.stringify(options));
});

test('readCookie finds one cookie among several', () => {
  assert.equal(readCookie('a=1; _4fcce=abc; b=2', '_4fcce'), 'abc');
  assert.equal(readCookie('a=1;b=2', 'b'), '2');
  assert.equal(readCookie('x="quoted"', 'x'), 'quoted');
  assert.equal(readCookie('ab=1', 'a'), undefined);
  assert.equal(readCookie(undefined, 'a'), undefined);
});

test('readCookie reads as Go\'s readCookies: values Go refuses are passed over, the name is trimmed', () => {
  assert.equal(readCookie('lb=a\\b; lb=ok', 'lb'), 'ok');
  assert.equal(readCookie('lb="; lb=ok', 'lb'), 'ok');
  assert.equal(readCookie('lb=é; lb=ok', 'lb'), 'ok');
  assert.equal(readCookie(' lb =ok ', 'lb'), 'ok');
  assert.equal(readCookie('lb= x', 'lb'), ' x');
  assert.equal(readCookie('lb; lb=ok', 'lb'), '', 'a pair without `=` is a cookie with an empty value');
  assert.equal(readCookie('lb=junk; lb=ok', 'lb'), 'junk', 'the first readable one wins');
  assert.equal(readCookie(['a=1', 'lb=ok'], 'lb'), 'ok');
});
