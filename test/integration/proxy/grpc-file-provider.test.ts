// A gRPC backend configured as the README's "gRPC backends" section shows (dynamic.yml: an h2c:// server, a grpc
// health check), run by the real CLI: calls answer through an h2c entrypoint, and Traefik's metrics count them with
// protocol "grpc" and the grpc-status of the answer's trailers as the code.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';
import { EchoClient, startGrpcBackend, unaryCall, type GrpcBackend } from '../../support/grpc-backend.js';

describe('gRPC backends from dynamic.yml, through the CLI', () => {
  const dir = new TempConfigDir();
  const dynamicFile = dir.file('dynamic.yml');
  let proc: CliProcess;
  let backend: GrpcBackend;
  let client: grpc.Client;
  let metricsPort = 0;

  before(async () => {
    backend = await startGrpcBackend();
    writeFileSync(dynamicFile, `http:
  routers:
    greeter:
      rule: Host(\`grpc.test\`)
      service: greeter
  services:
    greeter:
      loadBalancer:
        servers:
          - url: h2c://127.0.0.1:${backend.port}
        healthCheck:
          mode: grpc
          interval: 10s
          timeout: 3s
`);
    const web = await freePort();
    metricsPort = await freePort();
    const extra = ['metrics:', '  prometheus:', '    entryPoint: metrics'].join('\n');
    dir.write('traefik.yml', staticYaml({ entryPoints: { web, metrics: metricsPort }, dynamicFile, extra }));
    proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    await proc.waitListening(2);
    await proc.waitForLine('configuration applied');
    client = new EchoClient(`127.0.0.1:${web}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'grpc.test' });
  });

  after(async () => {
    // Each step on its own: when `before` failed half-way, what it did not start is undefined, and what it did
    // start must still be stopped, or the file hangs for good.
    for (const stop of [() => client.close(), () => proc.stop(), () => backend.close()]) await Promise.resolve().then(stop).catch(() => undefined);
    dir.remove();
  });

  it('answers gRPC calls and counts them by grpc-status', async () => {
    assert.equal((await unaryCall(client, 'hi')).value, 'echo:hi');
    await assert.rejects(unaryCall(client, 'missing'), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);
    const text = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`)).body;
    const lines = text.split('\n').filter((l) => l.startsWith('traefik_service_requests_total{'));
    assert.deepEqual(lines.sort(), [
      'traefik_service_requests_total{code="0",method="POST",protocol="grpc",service="greeter@file"} 1',
      'traefik_service_requests_total{code="5",method="POST",protocol="grpc",service="greeter@file"} 1',
    ]);
    assert.doesNotMatch(proc.output(), /not implemented/i, 'the grpc health check is not warned about');
  });
});
