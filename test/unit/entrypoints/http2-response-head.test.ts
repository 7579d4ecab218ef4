import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { respondWith, takesHeadList } from '../../../proxy/entrypoints/http2-front/response-head.js';
import type { ResponseHeaders } from '../../../proxy/http/proxy-exchange.js';

test('HTTP/2 response head: node takes a list from 24.7 and 22.20 (earlier nodes throw on one)', () => {
  for (const version of ['24.7.0', '24.22.3', '25.0.0', '26.1.0', '22.20.0', '22.21.1']) assert.equal(takesHeadList(version), true, version);
  for (const version of ['20.20.2', '22.12.0', '22.19.9', '23.11.0', '24.6.0', '24.0.0']) assert.equal(takesHeadList(version), false, version);
});

test(`HTTP/2 response head (node ${process.versions.node}): this node takes a list exactly when takesHeadList says so`, async () => {
  const server = http2.createServer();
  const taken = new Promise<boolean>((resolve) => server.on('stream', (stream) => {
    try {
      // A list, which @types/node 20 does not declare: called as node will be asked, without a cast.
      Reflect.apply(stream.respond, stream, [[':status', '200'], { endStream: true }]);
      resolve(true);
    } catch {
      stream.respond({ ':status': 200 }, { endStream: true });
      resolve(false);
    }
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    client.request({ ':path': '/' }).resume();
    assert.equal(await taken, takesHeadList(process.versions.node));
  } finally {
    client.close();
    server.close();
  }
});

/** The head a client receives for `respondWith(status, fields)` on this node (a list on node 24, an object on node 20). */
async function headFor(status: number, fields: ResponseHeaders): Promise<http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader> {
  const server = http2.createServer();
  server.on('stream', (stream) => respondWith(stream, status, fields, { endStream: true }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const req = client.request({ ':path': '/' });
    req.resume();
    return await new Promise((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
  } finally {
    client.close();
    server.close();
  }
}

test(`HTTP/2 response head (node ${process.versions.node}): status, every value of a list, removed fields left out, node's Date added`, async () => {
  const fields: ResponseHeaders = { 'content-type': 'text/html', 'set-cookie': ['a=1', 'b=2'], server: undefined, 'X-Custom': 'kept' };
  const head = await headFor(404, fields);
  assert.equal(head[':status'], 404);
  assert.equal(head['content-type'], 'text/html');
  assert.deepEqual(head['set-cookie'], ['a=1', 'b=2']);
  assert.equal(head['x-custom'], 'kept');
  assert.equal('server' in head, false, 'a field marked removed is not sent');
  assert.match(String(head.date), /GMT$/);
  assert.deepEqual(Object.keys(fields), ['content-type', 'set-cookie', 'server', 'X-Custom'], 'the caller\'s fields are not written to');

  const ok = await headFor(200, { date: 'Tue, 01 Dec 2026 10:00:00 GMT', 'content-length': '0' });
  assert.equal(ok[':status'], 200);
  assert.equal(ok.date, 'Tue, 01 Dec 2026 10:00:00 GMT', 'the answer\'s own Date is kept, not doubled');
});
