// A method is case-sensitive: Go's HTTP/2 server takes any :method (x/net http2 checks only that it is present and a
// valid field value), Traefik routes it as sent and Go's transport sends it upstream as it is. `get` is not GET:
// Method(`GET`) (upper-cased at parse, compared exactly) does not match it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startRawBackend } from '../../support/raw-backend.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

test('HTTP/2 :method get: routed as `get` (not by Method(`GET`)), sent upstream as `get`; GET as GET', async (t) => {
  const ok = (socket: import('node:net').Socket): void => void socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  const viaGet = await startRawBackend(ok);
  const other = await startRawBackend(ok);
  t.after(() => viaGet.close());
  t.after(() => other.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'byMethod@file': { rule: 'Method(`GET`)', service: 'viaGet', priority: 100 },
        'any@file': { rule: 'PathPrefix(`/`)', service: 'other', priority: 1 },
      },
      services: {
        'viaGet@file': { loadBalancer: { servers: [{ url: viaGet.url }] } },
        'other@file': { loadBalancer: { servers: [{ url: other.url }] } },
      },
    },
  }));
  t.after(() => proxy.close(0));
  const session = http2.connect(`http://127.0.0.1:${proxy.port('web')}`);
  t.after(() => { session.destroy(); });
  const ask = (method: string): Promise<number> => new Promise((resolve, reject) => {
    const stream = session.request({ ':method': method, ':path': '/x', ':authority': 'a.test' }, { endStream: true });
    stream.on('response', (h) => resolve(Number(h[':status'])));
    stream.on('error', reject);
    stream.resume();
  });
  assert.equal(await ask('get'), 200);
  assert.match(other.heads.at(-1) ?? '', /^get \/x HTTP\/1\.1\r\n/);
  assert.equal(viaGet.heads.length, 0, 'Method(`GET`) does not match get');
  assert.equal(await ask('GET'), 200);
  assert.match(viaGet.heads.at(-1) ?? '', /^GET \/x HTTP\/1\.1\r\n/);
});
