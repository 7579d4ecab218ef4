import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asksForTrailers, lastChunkWithTrailers } from '../../../proxy/http/trailers.js';
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
