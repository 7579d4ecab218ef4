import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { validateStaticConfig } from '../../../labels-spec/index.js';
import { createAccessLog } from '../../../proxy/observability/access-log.js';
import { createAccessLogHook } from '../../../proxy/observability/access-log-hook.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';

// accessLog.fields.queryParameters.defaultMode (Traefik v3.7, pkg/middlewares/accesslog/logger.go): `drop` logs the
// request path without its query, so tokens passed in URLs stay out of the log; `keep` (the default) logs it whole.

const PATH = '/reset?token=s3cr3t&user=ann%40example.com';

/** The access log lines of one proxied request to PATH, with the accessLog section as traefik.yml gives it. */
async function logged(t: { after: (fn: () => Promise<void>) => void }, accessLog: Record<string, unknown>): Promise<string> {
  const { config, issues } = validateStaticConfig({ accessLog });
  assert.deepEqual(issues.map((i) => i.path.join('.')), [], 'accepted without a warning');
  const lines: string[] = [];
  const log = createAccessLog(config.accessLog, { sink: { write: (line: string) => { lines.push(line); return true; } } });
  const backend = await startBackend('b');
  const input = buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  });
  const proxy = await startProxy(input, [entryPointOptions('web', '127.0.0.1:0', { onDone: createAccessLogHook(config.accessLog, log) })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  await (await request(`http://127.0.0.1:${proxy.port('web')}${PATH}`)).body.text();
  assert.equal(backend.seen[0]?.url, PATH, 'the server still gets the query');
  for (let i = 0; i < 50 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(lines.length, 1);
  return lines[0] as string;
}

test('accessLog.fields.queryParameters drop: the JSON RequestPath has no query', async (t) => {
  const line = await logged(t, { format: 'json', fields: { queryParameters: { defaultMode: 'drop' } } });
  assert.equal((JSON.parse(line) as Record<string, unknown>).RequestPath, '/reset');
  assert.ok(!line.includes('s3cr3t'));
});

test('accessLog.fields.queryParameters drop: the common-format line has no query', async (t) => {
  const line = await logged(t, { fields: { queryParameters: { defaultMode: 'drop' } } });
  assert.match(line, /"GET \/reset HTTP\/1\.1"/);
  assert.ok(!line.includes('s3cr3t'));
});

test('accessLog.fields.queryParameters keep (the default): the query is logged', async (t) => {
  const line = await logged(t, { format: 'json', fields: { queryParameters: { defaultMode: 'keep' } } });
  assert.equal((JSON.parse(line) as Record<string, unknown>).RequestPath, PATH);
});
