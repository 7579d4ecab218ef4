// gRPC behind pe-edge, with a real grpc-js server and client on loopback: unary and server-streaming calls, an error
// status with its message, metadata both ways (headers and trailers), through a TLS entrypoint and an h2c plain one,
// to h2c:// and https:// (h2 by ALPN) servers; and a grpc health check following the server's serving status.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_TRANSPORT, type BuildInput, type UpstreamTransport } from '../../../proxy/index.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { EchoClient, NOT_SERVING, SERVING, startGrpcBackend, streamCall, unaryCall, type GrpcBackend } from '../../support/grpc-backend.js';
import { fixtureDir, type FixtureCertificate } from '../../unit/tls/fixture-certificates.js';

interface Edge {
  readonly port: number;
  /** The edge's certificate for a.test (a TLS client trusts it). */
  readonly cert: FixtureCertificate;
}

/** pe-edge with routers for a.test over TLS and for any host over plain connections, both to `service`. */
async function startEdge(t: TestContext, service: NonNullable<BuildInput['http']['services']>[string], transports: Record<string, UpstreamTransport> = {}): Promise<Edge> {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'secure@file': { rule: 'Host(`a.test`)', service: 'grpc', tls: {} },
        'plain@file': { rule: 'PathPrefix(`/`)', service: 'grpc' },
      },
      services: { 'grpc@file': service },
      serversTransports: transports,
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }));
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), cert };
}

function tlsClient(t: TestContext, edge: Edge): grpc.Client {
  const client = new EchoClient(`127.0.0.1:${edge.port}`, grpc.credentials.createSsl(Buffer.from(edge.cert.cert)), {
    'grpc.ssl_target_name_override': 'a.test',
    'grpc.default_authority': 'a.test',
  });
  t.after(() => client.close());
  return client;
}

function h2cClient(t: TestContext, edge: Edge): grpc.Client {
  const client = new EchoClient(`127.0.0.1:${edge.port}`, grpc.credentials.createInsecure());
  t.after(() => client.close());
  return client;
}

async function startBackend(t: TestContext, tls?: FixtureCertificate): Promise<GrpcBackend> {
  const backend = await startGrpcBackend(tls);
  t.after(() => backend.close());
  return backend;
}

/** What a gRPC user sees: answers, streams, an error status with its message, metadata both ways, concurrent calls. */
async function assertGrpcWorks(client: grpc.Client, backend: GrpcBackend): Promise<void> {
  const metadata = new grpc.Metadata();
  metadata.set('x-client-meta', 'from-client');
  const answer = await unaryCall(client, 'hello', metadata);
  assert.equal(answer.value, 'echo:hello');
  assert.deepEqual(answer.headers.get('x-server-meta'), ['from-server'], 'response headers (initial metadata) reach the client');
  assert.deepEqual(answer.trailers.get('x-echoed-meta'), ['from-client'], 'trailers (trailing metadata) reach the client');
  assert.deepEqual(backend.lastMetadata?.get('x-client-meta'), ['from-client'], 'request metadata reaches the server');

  assert.deepEqual(await streamCall(client, '3'), ['part 1', 'part 2', 'part 3']);

  await assert.rejects(unaryCall(client, 'missing'), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.NOT_FOUND, 'the grpc-status of the trailers reaches the client');
    assert.equal(err.details, 'no such thing');
    return true;
  });

  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => unaryCall(client, `n${i}`)));
  assert.deepEqual(many.map((a) => a.value), Array.from({ length: 20 }, (_, i) => `echo:n${i}`));
}

test('gRPC through a TLS entrypoint to an h2c:// server', async (t) => {
  const backend = await startBackend(t);
  const edge = await startEdge(t, { loadBalancer: { servers: [{ url: `h2c://127.0.0.1:${backend.port}` }] } });
  await assertGrpcWorks(tlsClient(t, edge), backend);
});

test('gRPC through an h2c plain entrypoint (HTTP/2 prior knowledge) to an h2c:// server', async (t) => {
  const backend = await startBackend(t);
  const edge = await startEdge(t, { loadBalancer: { servers: [{ url: `h2c://127.0.0.1:${backend.port}` }] } });
  await assertGrpcWorks(h2cClient(t, edge), backend);
});

test('gRPC to an https:// server that speaks h2 (ALPN), its certificate verified', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const backendCert = fixtures.make('backend.test', ['backend.test']);
  const backend = await startBackend(t, backendCert);
  const transport: UpstreamTransport = { ...DEFAULT_TRANSPORT, rootCAs: [backendCert.certFile], serverName: 'backend.test' };
  const edge = await startEdge(t, { loadBalancer: { servers: [{ url: `https://127.0.0.1:${backend.port}` }], serversTransport: 'verified' } }, { 'verified@file': transport });
  await assertGrpcWorks(tlsClient(t, edge), backend);
  await assertGrpcWorks(h2cClient(t, edge), backend);
});

test('an https:// server whose certificate does not verify answers 500 to a gRPC call, not an unverified answer', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const backend = await startBackend(t, fixtures.make('backend.test', ['backend.test']));
  const edge = await startEdge(t, { loadBalancer: { servers: [{ url: `https://127.0.0.1:${backend.port}` }] } });
  await assert.rejects(unaryCall(h2cClient(t, edge), 'hello'), (err: grpc.ServiceError) => {
    assert.match(err.details, /500/, 'pe-edge answered 500 (Traefik\'s status for a TLS verification failure)');
    return true;
  });
});

test('healthCheck.mode grpc: a NOT_SERVING server is taken out (503) and comes back once SERVING', async (t) => {
  const backend = await startBackend(t);
  const healthCheck = { mode: 'grpc', interval: 100, timeout: 1000, headers: {}, followRedirects: true, method: '', status: 0 };
  const edge = await startEdge(t, { loadBalancer: { servers: [{ url: `h2c://127.0.0.1:${backend.port}` }], healthCheck } });
  const client = h2cClient(t, edge);
  assert.equal((await unaryCall(client, 'up')).value, 'echo:up');

  backend.healthStatus = NOT_SERVING;
  const down = await eventually(async () => {
    const err = await unaryCall(client, 'down?').then(() => null, (e: grpc.ServiceError) => e);
    return err !== null && /503/.test(err.details) ? err : null;
  });
  assert.equal(down.code, grpc.status.UNAVAILABLE, 'no healthy server: 503, which gRPC clients read as UNAVAILABLE');

  backend.healthStatus = SERVING;
  const back = await eventually(() => unaryCall(client, 'back').then((a) => a, () => null));
  assert.equal(back.value, 'echo:back');
});

test('healthCheck.mode grpc to an https:// server verifies its certificate through the service\'s serversTransport', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const backendCert = fixtures.make('backend.test', ['backend.test']);
  const backend = await startBackend(t, backendCert);
  const healthCheck = { mode: 'grpc', interval: 100, timeout: 1000, headers: {}, followRedirects: true, method: '', status: 0 };
  const verified: UpstreamTransport = { ...DEFAULT_TRANSPORT, rootCAs: [backendCert.certFile], serverName: 'backend.test' };
  const untrusted: UpstreamTransport = { ...DEFAULT_TRANSPORT, serverName: 'backend.test' };
  for (const [name, transport, up] of [['verified', verified, true], ['untrusted', untrusted, false]] as const) {
    const edge = await startEdge(t, { loadBalancer: { servers: [{ url: `https://127.0.0.1:${backend.port}` }], serversTransport: name, healthCheck } }, { [`${name}@file`]: transport });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const outcome = await unaryCall(h2cClient(t, edge), 'hi').then((a) => a.value, (e: grpc.ServiceError) => e.details);
    if (up) assert.equal(outcome, 'echo:hi', 'a server whose certificate verifies is UP');
    else assert.match(outcome, /503/, 'a server whose certificate does not verify is DOWN: 503, not a probe that skips verification');
  }
});

/** Polls `probe` until it returns non-null (at most 5 s). */
async function eventually<T>(probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) assert.fail('the expected state never came');
    await new Promise((r) => setTimeout(r, 50));
  }
}
