import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRANSPORT } from '../../../proxy/forward/servers-transport.js';
import { probeGrpcHealth, servingStatus } from '../../../proxy/services/health/grpc-health-probe.js';

/** A gRPC message frame (uncompressed) around `message`. */
function frame(message: number[]): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, Buffer.from(message)]);
}

const cases: { name: string; body: Buffer; status: number | null }[] = [
  { name: 'SERVING', body: frame([0x08, 1]), status: 1 },
  { name: 'NOT_SERVING', body: frame([0x08, 2]), status: 2 },
  { name: 'an empty message is UNKNOWN (0), protobuf\'s default', body: frame([]), status: 0 },
  { name: 'unknown fields are skipped', body: frame([0x12, 2, 0x61, 0x62, 0x08, 1, 0x1d, 0, 0, 0, 0]), status: 1 },
  { name: 'a multi-byte varint', body: frame([0x08, 0x81, 0x01]), status: 129 },
  { name: 'a truncated frame', body: frame([0x08, 1]).subarray(0, 6), status: null },
  { name: 'a compressed frame cannot be read', body: Buffer.from([1, 0, 0, 0, 2, 0x08, 1]), status: null },
  { name: 'a field running past the message', body: frame([0x12, 5, 0x61]), status: null },
  { name: 'no frame at all', body: Buffer.alloc(0), status: null },
];

for (const c of cases) {
  test(`HealthCheckResponse.status: ${c.name}`, () => assert.equal(servingStatus(c.body), c.status));
}

test('a gRPC probe whose serversTransport CA file cannot be read reports the server DOWN with the reason, never a rejection', async () => {
  const transport = { ...DEFAULT_TRANSPORT, rootCAs: ['/nonexistent/pe-edge-test/ca.crt'] };
  const result = await probeGrpcHealth(new URL('https://127.0.0.1:9'), 1000, transport);
  assert.equal(result.up, false);
  assert.match(result.reason, /^gRPC health check failed: .*ENOENT.*\/nonexistent\/pe-edge-test\/ca\.crt/);
});
