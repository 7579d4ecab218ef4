import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { createAccessLogHook } from '../../../proxy/observability/access-log-hook.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';

/** A json access log in a fresh file, and one router sending everything to `url`. */
function jsonLogTo(url: string): { file: string; hook: ReturnType<typeof createAccessLogHook>; input: ReturnType<typeof buildInput> } {
  const file = join(mkdtempSync(join(tmpdir(), 'pe-access-')), 'access.log');
  const hook = createAccessLogHook({ format: 'json', filePath: file } as Parameters<typeof createAccessLogHook>[0]);
  const input = buildInput({
    http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app' } },
      services: { 'app@file': { loadBalancer: { servers: [{ url }] } } },
    },
  });
  return { file, hook, input };
}

test('the access log names router, service URL, status and the bytes sent, chunked or not; /ping (internal) is left out', async (t) => {
  const backend = await startBackend('b', (req, res) => {
    if (req.url === '/chunked') { res.write('x'.repeat(700)); res.end('y'.repeat(300)); return; }
    res.writeHead(200, { 'content-length': '5' });
    res.end('hello');
  });
  const { file, hook, input } = jsonLogTo(backend.url);
  const proxy = await startProxy({ ...input, ping: { entryPoint: 'web' } }, [entryPointOptions('web', '127.0.0.1:0', { onDone: hook })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  for (const path of ['/fixed', '/ping', '/chunked']) await (await request(`http://127.0.0.1:${proxy.port('web')}${path}`)).body.text();
  const deadline = Date.now() + 3000;
  let lines: Record<string, unknown>[] = [];
  while (Date.now() < deadline) {
    try { lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>); } catch { /* not written yet */ }
    if (lines.length >= 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(lines.length, 2);
  assert.deepEqual(lines.map((l) => [l.RequestPath, l.DownstreamStatus, l.DownstreamContentSize, l.RouterName, l.ServiceURL]), [
    ['/fixed', 200, 5, 'app@file', backend.url],
    ['/chunked', 200, 1000, 'app@file', backend.url],
  ]);
});

test('an IPv6 client is logged as Traefik logs it: ClientAddr in brackets ([::1]:port), host and port apart', async (t) => {
  const backend = await startBackend('b', (_req, res) => res.end('ok'));
  const { file, hook, input } = jsonLogTo(backend.url);
  const proxy = await startProxy(input, [entryPointOptions('web', '[::1]:0', { onDone: hook })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  await (await request(`http://[::1]:${proxy.port('web')}/v6`)).body.text();
  const deadline = Date.now() + 3000;
  let line: Record<string, unknown> | undefined;
  while (Date.now() < deadline && line === undefined) {
    try { line = JSON.parse(readFileSync(file, 'utf8').trim().split('\n')[0] ?? '') as Record<string, unknown>; } catch { /* not written yet */ }
    if (line === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(line !== undefined, 'no access log line');
  assert.equal(line.ClientHost, '::1');
  assert.equal(line.ClientAddr, `[::1]:${String(line.ClientPort)}`);
  assert.equal(line.RequestAddr, `[::1]:${proxy.port('web')}`);
  assert.equal(line.RequestHost, '::1');
  assert.equal(line.RequestPort, String(proxy.port('web')));
});
