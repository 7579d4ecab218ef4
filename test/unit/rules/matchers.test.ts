import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule } from '../../../proxy/rules/compile.js';
import { requestContext, type RequestSpec } from '../../support/request-context.js';

/** Every v3 matcher and the seed's "Routing / rules" cases, as {rule, matches, misses}. */
interface Case {
  readonly desc: string;
  readonly rule: string;
  readonly matches: readonly RequestSpec[];
  readonly misses: readonly RequestSpec[];
}

const cases: readonly Case[] = [
  // Host
  {
    desc: 'seed: Host is case-insensitive, ignores port and one trailing dot',
    rule: 'Host(`Example.COM`)',
    matches: [{ host: 'example.com:8080' }, { host: 'EXAMPLE.com.' }, { host: 'example.com' }],
    misses: [{ host: 'www.example.com' }, { host: 'example.co' }, { host: '' }],
  },
  {
    desc: 'Host argument with a trailing dot',
    rule: 'Host(`example.com.`)',
    matches: [{ host: 'example.com' }, { host: 'example.com.' }],
    misses: [{ host: 'example.com..' }],
  },
  {
    desc: 'Host(`.`) canonicalises to the empty host, which never matches',
    rule: 'Host(`.`)',
    matches: [],
    misses: [{ host: '' }, { host: '.' }, { host: 'a' }],
  },
  {
    desc: 'Host with an IPv6 literal',
    rule: 'Host(`::1`)',
    matches: [{ host: '[::1]:8080' }, { host: '[::1]' }],
    misses: [{ host: '127.0.0.1' }],
  },
  {
    desc: 'v3.7 wildcard Host matches exactly one label',
    rule: 'Host(`*.Example.com`)',
    matches: [{ host: 'foo.example.com' }, { host: 'FOO.example.com.:443' }],
    misses: [{ host: 'example.com' }, { host: 'a.b.example.com' }, { host: 'fooexample.com' }, { host: '.example.com' }],
  },
  {
    desc: 'v3.7 catch-all Host(`*`) matches any host',
    rule: 'Host(`*`)',
    matches: [{ host: 'a.test' }, { host: 'localhost:80' }],
    misses: [{ host: '' }],
  },
  // HostRegexp
  {
    desc: 'HostRegexp is unanchored on the canonical host',
    rule: 'HostRegexp(`^.+\\.test$`)',
    matches: [{ host: 'a.test' }, { host: 'A.TEST:80' }],
    misses: [{ host: 'a.test.com' }, { host: 'test' }],
  },
  {
    desc: 'HostRegexp without anchors matches a substring',
    rule: 'HostRegexp(`example`)',
    matches: [{ host: 'www.example.org' }],
    misses: [{ host: 'exmpl.org' }],
  },
  {
    desc: 'HostRegexp with Go named group and (?i)',
    rule: 'HostRegexp(`(?i)^(?P<sub>[a-z]+)\\.Example\\.com$`)',
    matches: [{ host: 'api.example.com' }],
    misses: [{ host: 'api.v2.example.com' }],
  },
  // Path family
  {
    desc: 'seed: Path is exact',
    rule: 'Path(`/api`)',
    matches: [{ url: '/api' }, { url: '/api?x=1' }],
    misses: [{ url: '/api/' }, { url: '/API' }, { url: '/ap' }],
  },
  {
    desc: 'seed: PathPrefix is a plain string prefix',
    rule: 'PathPrefix(`/api`)',
    matches: [{ url: '/api' }, { url: '/apiv2' }, { url: '/api/users' }],
    misses: [{ url: '/' }, { url: '/ap' }, { url: '/v1/api' }],
  },
  {
    desc: 'Path sees unreserved escapes decoded, reserved ones kept (v3.4)',
    rule: 'Path(`/foo/bar`)',
    matches: [{ url: '/foo/b%61r' }],
    misses: [{ url: '/foo%2Fbar' }],
  },
  {
    desc: 'PathRegexp is unanchored',
    rule: 'PathRegexp(`\\.(css|js)$`)',
    matches: [{ url: '/static/app.js' }, { url: '/a.css' }],
    misses: [{ url: '/a.jsx' }],
  },
  {
    desc: 'PathRegexp need not start with a slash',
    rule: 'PathRegexp(`users/[0-9]+`)',
    matches: [{ url: '/api/users/42' }],
    misses: [{ url: '/api/users/me' }],
  },
  // Method
  {
    desc: 'Method argument is upper-cased',
    rule: 'Method(`post`)',
    matches: [{ method: 'POST' }],
    misses: [{ method: 'GET' }, { method: 'post' }],
  },
  // Header family
  {
    desc: 'seed: Header compares whole lines, no comma splitting',
    rule: 'Header(`X-A`, `1`)',
    matches: [{ headers: [['X-A', '2'], ['X-A', '1']] }, { headers: [['x-a', '1']] }],
    misses: [{ headers: [['X-A', '1, 2']] }, { headers: [] }, { headers: [['X-B', '1']] }],
  },
  {
    desc: 'Header over HTTP/2 keeps repeated fields apart',
    rule: 'Header(`x-a`, `1`)',
    matches: [{ http2: true, headers: [['x-a', '2'], ['x-a', '1']] }],
    misses: [{ http2: true, headers: [['x-a', '1, 2']] }],
  },
  {
    desc: 'Header key is canonicalised, value is case-sensitive',
    rule: 'Header(`content-type`, `application/json`)',
    matches: [{ headers: [['Content-Type', 'application/json']] }],
    misses: [{ headers: [['Content-Type', 'Application/JSON']] }],
  },
  {
    desc: 'HeaderRegexp: any line matches, unanchored',
    rule: 'HeaderRegexp(`Accept`, `json`)',
    matches: [{ headers: [['Accept', 'text/html'], ['Accept', 'application/json']] }],
    misses: [{ headers: [['Accept', 'text/html']] }, { headers: [] }],
  },
  // Query family
  {
    desc: 'seed: Query(k) matches ?k and ?k= only',
    rule: 'Query(`mobile`)',
    matches: [{ url: '/?mobile' }, { url: '/?mobile=' }, { url: '/?a=1&mobile' }, { url: '/?mobile=1&mobile=' }],
    misses: [{ url: '/?mobile=1' }, { url: '/' }, { url: '/?Mobile' }, { url: '/?mobiles' }],
  },
  {
    desc: 'Query(k, v) with URL-decoded keys and values',
    rule: 'Query(`q`, `a b`)',
    matches: [{ url: '/?q=a+b' }, { url: '/?q=a%20b' }, { url: '/?%71=a%20b' }, { url: '/?q=x&q=a+b' }],
    misses: [{ url: '/?q=a' }, { url: '/?q=a%2' }],
  },
  {
    desc: 'Query drops pairs containing a semicolon, as Go does',
    rule: 'Query(`a`, `1`)',
    matches: [{ url: '/?x=1;y&a=1' }],
    misses: [{ url: '/?a=1;b=2' }],
  },
  {
    desc: 'QueryRegexp matches any value of the key',
    rule: 'QueryRegexp(`id`, `^[0-9]+$`)',
    matches: [{ url: '/?id=x&id=42' }],
    misses: [{ url: '/?id=4a' }, { url: '/?ids=42' }],
  },
  {
    desc: 'QueryRegexp with one argument behaves like Query(k)',
    rule: 'QueryRegexp(`debug`)',
    matches: [{ url: '/?debug' }],
    misses: [{ url: '/?debug=1' }],
  },
  // ClientIP
  {
    desc: 'ClientIP with an IPv4 CIDR, IPv4-mapped IPv6 included',
    rule: 'ClientIP(`127.0.0.1/8`)',
    matches: [{ clientIp: '127.0.0.1' }, { clientIp: '127.9.9.9' }, { clientIp: '::ffff:127.0.0.1' }],
    misses: [{ clientIp: '10.0.0.1' }, { clientIp: '::1' }],
  },
  {
    desc: 'ClientIP exact IPv6',
    rule: 'ClientIP(`::1`)',
    matches: [{ clientIp: '::1' }, { clientIp: '0:0:0:0:0:0:0:1' }],
    misses: [{ clientIp: '127.0.0.1' }],
  },
  {
    desc: 'ClientIP IPv6 CIDR',
    rule: 'ClientIP(`fd00::/8`)',
    matches: [{ clientIp: 'fd12:3456::1' }],
    misses: [{ clientIp: 'fe80::1' }],
  },
  // Operators
  {
    desc: 'precedence: && binds tighter than ||',
    rule: 'Host(`a.test`) || Host(`b.test`) && Path(`/x`)',
    matches: [{ host: 'a.test', url: '/y' }, { host: 'b.test', url: '/x' }],
    misses: [{ host: 'b.test', url: '/y' }],
  },
  {
    desc: 'precedence: ! binds tighter than &&',
    rule: '!Host(`a.test`) && Path(`/x`)',
    matches: [{ host: 'b.test', url: '/x' }],
    misses: [{ host: 'a.test', url: '/x' }, { host: 'b.test', url: '/y' }],
  },
  {
    desc: 'parentheses override precedence',
    rule: '(Host(`a.test`) || Host(`b.test`)) && Path(`/x`)',
    matches: [{ host: 'b.test', url: '/x' }, { host: 'a.test', url: '/x' }],
    misses: [{ host: 'a.test', url: '/y' }],
  },
  {
    desc: 'double-quoted strings with Go escapes',
    rule: 'Header("X-\\x41", "a\\"b") && Path("/\\u00e9t\\u00E9")',
    matches: [{ headers: [['X-A', 'a"b']], url: '/été' }],
    misses: [{ headers: [['X-A', 'a\\"b']], url: '/été' }],
  },
];

for (const c of cases) {
  test(`${c.desc}: ${c.rule}`, () => {
    const rule = compileRule(c.rule);
    for (const spec of c.matches) assert.equal(rule.match(requestContext(spec)), true, `should match ${JSON.stringify(spec)}`);
    for (const spec of c.misses) assert.equal(rule.match(requestContext(spec)), false, `should not match ${JSON.stringify(spec)}`);
  });
}

/** `!` over a group must behave as its De Morgan expansion on every request. */
const deMorgan: readonly (readonly [string, string])[] = [
  ['!(Host(`a.test`) && Path(`/x`))', '!Host(`a.test`) || !Path(`/x`)'],
  ['!(Host(`a.test`) || Path(`/x`))', '!Host(`a.test`) && !Path(`/x`)'],
  ['!(!Host(`a.test`) || (Path(`/x`) && !Method(`GET`)))', 'Host(`a.test`) && (!Path(`/x`) || Method(`GET`))'],
  ['!!Host(`a.test`)', 'Host(`a.test`)'],
];
const probes: RequestSpec[] = [];
for (const host of ['a.test', 'b.test']) {
  for (const url of ['/x', '/y']) for (const method of ['GET', 'POST']) probes.push({ host, url, method });
}

for (const [negated, expanded] of deMorgan) {
  test(`De Morgan: ${negated} ≡ ${expanded}`, () => {
    const a = compileRule(negated);
    const b = compileRule(expanded);
    for (const spec of probes) {
      const ctx = requestContext(spec);
      assert.equal(a.match(ctx), b.match(ctx), JSON.stringify(spec));
    }
  });
}
