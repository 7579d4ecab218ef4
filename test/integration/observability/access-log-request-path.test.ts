import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccessLog, type AccessLogConfig } from '../../../proxy/observability/access-log.js';
import { createAccessLogHook } from '../../../proxy/observability/access-log-hook.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { rawExchange } from '../../support/raw-exchange.js';

// Traefik's access log takes RequestPath from the request as it came in (url.String() of a copy made before the
// router's middlewares run), so a log reader sees what the client asked for, not the path a backend was sent.
test('the access log\'s RequestPath is the path the client sent, before stripPrefix and replacePathRegex, escaped as Go writes it', async (t) => {
  const written: string[] = [];
  const cfg: AccessLogConfig = { format: 'json' };
  const hook = createAccessLogHook(cfg, createAccessLog(cfg, { sink: { write: (l: string) => written.push(l) } }));
  const backend = await startBackend('b', (req, res) => res.end(req.url));
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app', middlewares: ['strip@file', 'rewrite@file'] } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: fileMiddlewares({ strip: { stripPrefix: { prefixes: ['/tenant-a'] } }, rewrite: { replacePathRegex: { regex: '^/(.*)', replacement: '/v2/$1' } } }),
    },
  }), [entryPointOptions('web', '127.0.0.1:0', { onDone: hook })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });

  const sent: [string, string, string][] = [
    // [request target, what the backend got, RequestPath]
    ['/tenant-a/orders?id=7', '/v2/orders?id=7', '/tenant-a/orders?id=7'],
    // The entrypoint's normalizePath decodes unreserved escapes before Traefik's access log sees the URL.
    ['/tenant-a/%41b%2f', '/v2/Ab%2F', '/tenant-a/Ab%2F'],
    ['/tenant-a/say"hi"', '/v2/say%22hi%22', '/tenant-a/say%22hi%22'],
    ['/tenant-a/empty?', '/v2/empty', '/tenant-a/empty?'],
    // The entrypoint reads a query's ';' as '&' (AllowQuerySemicolons) before the log sees it.
    ['/tenant-a/q?a;b', '/v2/q?a&b', '/tenant-a/q?a&b'],
  ];
  for (const [target, upstream] of sent) {
    const answer = await rawExchange(proxy.port('web'), [`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`], /\r\n\r\n[\s\S]+/, 2000);
    assert.equal(answer.text.split('\r\n\r\n')[1], upstream, `${target}: the backend's path`);
  }
  const deadline = Date.now() + 2000;
  while (written.length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(written.map((l) => (JSON.parse(l) as { RequestPath: string }).RequestPath), sent.map(([, , logged]) => logged));
});
