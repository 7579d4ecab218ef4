import { test } from 'node:test';
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { FrontResponse, type ResponseOwner } from '../../../proxy/entrypoints/http1-front/front-response.js';

/** A connected pair on loopback: the proxy's side and the client's. */
async function socketPair(): Promise<{ server: net.Socket; client: net.Socket; close: () => void }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  return { server, client, close: () => { client.destroy(); server.destroy(); listener.close(); } };
}

test('destroy() after the answer ended leaves the connection alone: it may already carry the next request', async (t) => {
  const { server, client, close } = await socketPair();
  t.after(close);
  let done = 0;
  const owner: ResponseOwner = { socket: server, leavesBodyUnread: () => false, responseDone: () => { done++; }, uncorkSoon: () => server.uncork(), cut: () => server.destroy() };
  const res = new FrontResponse(owner, false, false);
  res.sendHead(200, { 'content-length': '2' });
  res.end('ok');
  // A late cut from a handler that already answered (a throw after its answer, a stale timer).
  res.destroy();
  assert.equal(done, 1);
  assert.equal(server.destroyed, false, 'the connection is still open');
  assert.equal(res.clientGone, false);

  // Before the end, destroy() cuts the exchange and its connection.
  const next = new FrontResponse(owner, false, false);
  next.sendHead(200, {});
  next.destroy();
  assert.equal(next.clientGone, true);
  assert.equal(server.destroyed, true);
  client.resume();
});
