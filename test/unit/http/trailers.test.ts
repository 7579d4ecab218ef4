import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asksForTrailers, lastChunkWithTrailers, relayableTrailers } from '../../../proxy/http/trailers.js';
import { sanUris } from '../../../proxy/forward/peer-cert-uri.js';
import { h2cPreface } from '../../../proxy/entrypoints/h2c-server.js';

for (const [te, expected] of [['trailers', true], ['deflate, Trailers', true], ['gzip', false], [undefined, false], [['gzip', 'trailers'], true]] as const) {
  test(`asksForTrailers(${JSON.stringify(te)}) is ${expected}`, () => assert.equal(asksForTrailers(te as string | string[] | undefined), expected));
}

test('lastChunkWithTrailers writes the fields HTTP/1.1 can carry, never a line a value would inject', () => {
  assert.equal(lastChunkWithTrailers({ 'grpc-status': '0', 'grpc-message': ['a', 'b'] }), '0\r\ngrpc-status: 0\r\ngrpc-message: a\r\ngrpc-message: b\r\n\r\n');
  assert.equal(lastChunkWithTrailers({ 'x-bad': 'a\r\nInjected: yes', 'bad name': 'v' }), '0\r\n\r\n');
});

test('sanUris reads the URI entries of node\'s subjectAltName, quoted ones too', () => {
  assert.deepEqual(sanUris('DNS:a.test, URI:spiffe://edge/backend, IP Address:127.0.0.1'), ['spiffe://edge/backend']);
  assert.deepEqual(sanUris('URI:"spiffe://edge/a,b"'), ['spiffe://edge/a,b']);
  assert.deepEqual(sanUris(undefined), []);
});

for (const [bytes, expected] of [['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0', 'yes'], ['PRI * HT', 'more'], ['PRI /x HTTP/1.1\r\n', 'no'], ['GET / HTTP/1.1\r\n', 'no']] as const) {
  test(`h2cPreface(${JSON.stringify(bytes)}) is ${expected}`, () => assert.equal(h2cPreface(Buffer.from(bytes, 'latin1')), expected));
}

test('relayableTrailers keeps what Go relays: never a field that may not be a trailer, a connection-specific one or a bad line', () => {
  assert.deepEqual(relayableTrailers({
    'grpc-status': '0', 'grpc-message': ['a', 'b\r\nx: y', 'c'], 'X-Checksum': '5',
    connection: 'close', te: 'trailers', 'transfer-encoding': 'chunked', upgrade: 'h2c', 'keep-alive': 'timeout=1', 'http2-settings': 'AAA',
    'content-length': '9', authorization: 'secret', 'cache-control': 'no-store', trailer: 'x', host: 'evil', 'content-type': 'text/html',
    ':status': '500', 'bad name': 'v', 'x-ctl': 'a\u0000b',
  }), { 'grpc-status': '0', 'grpc-message': ['a', 'c'], 'x-checksum': '5' });
  assert.equal(relayableTrailers({ connection: 'close' }), null);
  assert.equal(relayableTrailers({}), null);
});
