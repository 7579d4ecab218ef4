// A request with an Expect other than 100-continue gets Go's 417, and the connection closes with it: what a client
// pipelined behind it (an upgrade, a plain request) is neither served nor sent upstream, and is no fault of pe-edge's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TempConfigDir, startCliWithDynamic } from '../../support/cli-process.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { rawExchange } from '../../support/raw-exchange.js';

test('a 417 closes the connection as Go\'s server does: an upgrade or a request pipelined behind it is not served, not sent upstream, and logs no internal error', async (t) => {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  t.after(() => backend.close());
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const { proc, port } = await startCliWithDynamic(t, dir, [
    'http:',
    '  routers:',
    '    r: {rule: "PathPrefix(`/`)", service: s}',
    '  services:',
    `    s: {loadBalancer: {servers: [{url: "${backend.url}"}]}}`,
  ].join('\n') + '\n');
  const refused = 'GET /a HTTP/1.1\r\nHost: a.test\r\nExpect: 100-something\r\n\r\n';
  const upgrade = 'GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  for (const behind of [upgrade, 'GET /b HTTP/1.1\r\nHost: a.test\r\n\r\n']) {
    const answer = await rawExchange(port, [refused + behind], /^$/, 3000);
    assert.match(answer.text, /^HTTP\/1\.1 417 Expectation Failed\r\n/);
    assert.match(answer.text, /\r\nconnection: close\r\n/i);
    assert.equal(answer.text.match(/HTTP\/1\.1 /g)?.length, 1, `one answer only: ${JSON.stringify(answer.text)}`);
    assert.equal(answer.closed, true);
  }
  assert.deepEqual(backend.heads, [], 'nothing went upstream');
  assert.deepEqual(proc.messages('error'), []);
});
