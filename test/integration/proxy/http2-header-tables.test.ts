import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { staticEntryPoint } from '../../support/static-entry-point.js';

// entryPoints.<name>.http2.maxDecoderHeaderTableSize / maxEncoderHeaderTableSize (Traefik v3.7, default 4096 each):
// the decoder's size is the SETTINGS_HEADER_TABLE_SIZE the client receives; the encoder's bounds the HPACK table the
// proxy compresses its response heads with (0: nothing is indexed, a repeated header costs its whole size again).

const LONG = 'a'.repeat(300);

interface Seen { advertised: number | undefined; firstBytes: number; secondBytes: number }

/** Two requests on one h2c session through a byte-counting relay: what the client was told, and each answer's size on the wire. */
async function twoRequests(t: { after: (fn: () => Promise<void>) => void }, http2Options: Record<string, unknown>): Promise<Seen> {
  const backend = await startBackend('b', (_req, res) => { res.setHeader('x-long', LONG); res.end('ok'); });
  const input = buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  });
  const proxy = await startProxy(input, [staticEntryPoint({ http2: http2Options })]);
  let fromProxy = 0;
  const relay = net.createServer((client) => {
    const upstream = net.connect(proxy.port('web'), '127.0.0.1');
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => { fromProxy += chunk.length; client.write(chunk); });
    upstream.on('end', () => client.end());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const session = http2.connect(`http://127.0.0.1:${(relay.address() as net.AddressInfo).port}`);
  t.after(async () => {
    session.destroy();
    relay.close();
    await proxy.close(0);
    await backend.close();
  });
  const get = (): Promise<void> => new Promise((resolve, reject) => {
    const stream = session.request({ ':path': '/' });
    stream.on('response', (h) => assert.equal(h['x-long'], LONG));
    stream.resume();
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  await get();
  const firstBytes = fromProxy;
  await get();
  return { advertised: session.remoteSettings.headerTableSize, firstBytes, secondBytes: fromProxy - firstBytes };
}

test('http2 header tables by default: 4096 advertised, a repeated response header is sent as an index', async (t) => {
  const seen = await twoRequests(t, {});
  assert.equal(seen.advertised, 4096);
  assert.ok(seen.secondBytes < 150, `second answer ${seen.secondBytes} bytes: x-long indexed`);
});

test('http2.maxDecoderHeaderTableSize is the SETTINGS_HEADER_TABLE_SIZE the client receives', async (t) => {
  const seen = await twoRequests(t, { maxDecoderHeaderTableSize: 65536 });
  assert.equal(seen.advertised, 65536);
});

test('http2.maxEncoderHeaderTableSize: 0 indexes no response header: the second answer costs x-long again', async (t) => {
  const seen = await twoRequests(t, { maxEncoderHeaderTableSize: 0 });
  assert.equal(seen.advertised, 4096, 'the decoder side is left alone');
  assert.ok(seen.secondBytes > 200, `second answer ${seen.secondBytes} bytes: x-long sent whole`);
});

test('http2.maxConcurrentStreams is the SETTINGS_MAX_CONCURRENT_STREAMS the client receives (default 250); the TLS h2 front takes the same limits (http2Limits)', async (t) => {
  for (const [options, expected] of [[{}, 250], [{ maxConcurrentStreams: 7 }, 7]] as const) {
    const input = buildInput({ http: { routers: {}, services: {} } });
    const proxy = await startProxy(input, [staticEntryPoint({ http2: options })]);
    t.after(() => proxy.close(0));
    const session = http2.connect(`http://127.0.0.1:${proxy.port('web')}`);
    t.after(() => session.destroy());
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
    assert.equal(session.remoteSettings.maxConcurrentStreams, expected, JSON.stringify(options));
  }
});
