import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccessLog, type AccessLogConfig } from '../../../proxy/observability/access-log.js';
import { createAccessLogHook } from '../../../proxy/observability/access-log-hook.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { rawExchange } from '../../support/raw-exchange.js';

/**
 * A common-format access log (headers kept) in front of a router behind basicAuth; `send` writes one raw request
 * and gives back everything logged so far, as written.
 */
async function loggedEdge(t: { after: (fn: () => Promise<void>) => void }): Promise<(request: string) => Promise<string>> {
  const written: string[] = [];
  const cfg: AccessLogConfig = { format: 'common', fields: { headers: { defaultMode: 'keep' } } };
  const hook = createAccessLogHook(cfg, createAccessLog(cfg, { sink: { write: (l: string) => written.push(l) } }));
  const backend = await startBackend('b', (_req, res) => res.end('ok'));
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app', middlewares: ['auth@file'] } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: fileMiddlewares({ auth: { basicAuth: { users: ['test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'] } } }),
    },
  }), [entryPointOptions('web', '127.0.0.1:0', { onDone: hook })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  return async (request) => {
    const before = written.length;
    const answer = await rawExchange(proxy.port('web'), [request], /\r\n\r\n[\s\S]*\n/, 2000);
    assert.match(answer.text, /^HTTP\/1\.1 401 /);
    const deadline = Date.now() + 2000;
    while (written.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return written.slice(before).join('');
  };
}

test('common format: a " in the User-Agent is written \\" as Traefik writes it; the line keeps its own router and service fields', async (t) => {
  const send = await loggedEdge(t);
  const logged = await send('GET /ua HTTP/1.1\r\nHost: x\r\nUser-Agent: curl" 1 "admin@file" "http://10.0.0.9" 0ms\r\n\r\n');
  assert.match(logged, / "curl\\" 1 \\"admin@file\\" \\"http:\/\/10\.0\.0\.9\\" 0ms" \d+ "app@file" "-" \d+ms\n$/);
});

test('common format: a client\'s basicAuth name with a newline and an ANSI escape stays on its own line, escaped', async (t) => {
  const send = await loggedEdge(t);
  // No ':' in it: Basic credentials end the name at the first one.
  const name = 'mallory\n6.6.6.6 - admin [01/Jan/2026] "GET /admin HTTP/1.1" 200 1 "-" "-" 1 "admin@file" "-" 0ms\x1b[2J';
  const credentials = Buffer.from(`${name}:wrong`).toString('base64');
  const logged = await send(`GET /login HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${credentials}\r\n\r\n`);
  assert.equal(logged.split('\n').length, 2, `one line: ${JSON.stringify(logged)}`);
  assert.ok(!logged.includes('\x1b'), 'no raw escape character');
  assert.match(logged, /^127\.0\.0\.1 - mallory\\x0a6\.6\.6\.6 - admin \[01\/Jan\/2026\] \\"GET \/admin HTTP\/1\.1\\" .*\\x1b\[2J \[/);
});

test('common format: a query\'s " and \\ cannot close the quoted request line', async (t) => {
  const send = await loggedEdge(t);
  const logged = await send('GET /q?a=\\"b HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(logged, / "GET \/q\?a=\\\\\\"b HTTP\/1\.1" 401 /);
});

test('common format: a User-Agent in UTF-8 is written without escapes (its continuation bytes are no control characters)', async (t) => {
  const send = await loggedEdge(t);
  const logged = await send('GET /utf8 HTTP/1.1\r\nHost: x\r\nUser-Agent: Navigateur-\xc3\xa9-\xe6\x97\xa5\r\n\r\n');
  assert.ok(!logged.includes('\\x'), `no \\x escape: ${JSON.stringify(logged)}`);
});
