import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';

// Traefik matches rules and middleware regexps with Go's regexp (RE2): linear time, whatever the pattern. A route
// whose author wrote a pattern with nested quantifiers must not let one request hold pe-edge: on V8's
// backtracking engine each of the requests below takes hours, and every other client waits behind it.

test('a request against a regexp with nested quantifiers is answered at once, and so is everyone else', async (t) => {
  const app = await startBackend('app');
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'path@file': { rule: 'PathRegexp(`^/(a+)+$`)', service: 's' },
        'host@file': { rule: 'HostRegexp(`^(.+\\.)*example\\.com$`)', service: 's' },
        'header@file': { rule: 'Host(`h.test`) && HeaderRegexp(`X-Tag`, `^(\\w+\\s?)+$`)', service: 's' },
        'redirect@file': { rule: 'Host(`r.test`)', service: 's', middlewares: ['moved@file'] },
        'plain@file': { rule: 'Host(`plain.test`)', service: 's' },
      },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: fileMiddlewares({ moved: { redirectRegex: { regex: '^http://r\\.test/(x+x+)+y$', replacement: 'http://elsewhere/$1' } } }),
    },
  }), [entryPointOptions('web', '127.0.0.1:0')]);
  t.after(async () => { await proxy.close(0); await app.close(); });
  const port = proxy.port('web');

  const started = performance.now();
  const hostile = await Promise.all([
    httpRequest({ port, host: 'x.test', path: '/' + 'a'.repeat(40) + '!' }),
    httpRequest({ port, host: 'a.'.repeat(40) + 'x' }),
    httpRequest({ port, host: 'h.test', headers: { 'x-tag': 'word '.repeat(40) + '!' } }),
    httpRequest({ port, host: 'r.test', path: '/' + 'x'.repeat(40) }),
    httpRequest({ port, host: 'plain.test' }),
  ]);
  assert.deepEqual(hostile.map((r) => r.status), [404, 404, 404, 200, 200]);
  assert.ok(performance.now() - started < 5000, `answered in ${Math.round(performance.now() - started)} ms`);

  // The same routes still match what they should.
  assert.equal((await httpRequest({ port, host: 'x.test', path: '/aaa' })).status, 200);
  assert.equal((await httpRequest({ port, host: 'a.b.example.com' })).status, 200);
  assert.equal((await httpRequest({ port, host: 'h.test', headers: { 'x-tag': 'two words' } })).status, 200);
  const moved = await httpRequest({ port, host: 'r.test', path: '/xxy' });
  assert.equal(moved.status, 302);
  assert.equal(moved.headers.location, 'http://elsewhere/xx');
});
