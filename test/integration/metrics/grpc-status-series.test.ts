// A gRPC request's `code` label is the server's Grpc-Status as Traefik reads it (grpc-go's Code.UnmarshalJSON:
// 0-16 or a quoted name, else Unknown). A server answering other numbers must not grow the scrape by a series each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { request } from 'undici';

test('metrics: a server answering gRPC requests with 200 different Grpc-Status numbers makes Unknown (2) series, not 200 new ones', { timeout: 60_000 }, async (t) => {
  // The status is whatever the client's path says: a hostile or broken server, or one echoing its input.
  const backend = await startBackend('grpc-ish', (req, res) => {
    res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': decodeURIComponent((req.url ?? '/').slice(1)) });
    res.end();
  });
  t.after(() => backend.close());
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const dynamicFile = dir.write('dynamic.yml', `http:\n  routers:\n    g:\n      rule: PathPrefix(\`/\`)\n      service: g\n  services:\n    g:\n      loadBalancer:\n        servers:\n          - url: ${backend.url}\n`);
  const [web, metrics] = [await freePort(), await freePort()];
  dir.write('traefik.yml', staticYaml({ entryPoints: { web, metrics }, dynamicFile, extra: 'metrics:\n  prometheus:\n    entryPoint: metrics' }));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  t.after(() => proc.stop());
  await proc.waitListening(2);
  await proc.waitForLine('configuration applied');

  const grpcCall = async (status: string): Promise<void> => {
    const res = await request(`http://127.0.0.1:${web}/${encodeURIComponent(status)}`, { headers: { 'content-type': 'application/grpc' } });
    await res.body.dump();
    assert.equal(res.statusCode, 200);
  };
  for (const status of ['5', '"NOT_FOUND"']) await grpcCall(status);
  for (let i = 0; i < 200; i++) await grpcCall(String(1000 + i));
  const scrape = await (await request(`http://127.0.0.1:${metrics}/metrics`)).body.text();
  const series = scrape.split('\n').filter((l) => l.startsWith('traefik_service_requests_total{')).sort();
  assert.deepEqual(series, [
    'traefik_service_requests_total{code="2",method="GET",protocol="grpc",service="g@file"} 200',
    'traefik_service_requests_total{code="5",method="GET",protocol="grpc",service="g@file"} 2',
  ]);
});
